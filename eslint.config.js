// Flat ESLint config: type-checked typescript-eslint rules, all errors.
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  {
    ignores: [
      "**/node_modules/**",
      "functions/lib/**",
      "**/dist/**",
      ".cache/**",
      "terraform/**/.terraform/**",
      "bench/out/**",
      "mobile/android/**",
      "mobile/ios/**",
      "mobile/*.js",
      "**/*.mjs",
      "eslint.config.js",
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-console": "error",
    },
  },
  {
    // Pure domain code and the shared contract import no SDK.
    files: ["functions/src/domain/**/*.ts", "contract/src/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            "firebase-admin",
            "firebase-admin/*",
            "firebase-functions",
            "firebase-functions/*",
            "@google-cloud/*",
            "google-auth-library",
          ],
        },
      ],
    },
  },
  {
    // The app's React code: the rules of hooks are errors too.
    files: ["mobile/**/*.tsx", "mobile/**/*.ts", "console/**/*.tsx", "console/**/*.ts"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    files: [
      "**/*.spec.ts",
      "**/test/**/*.ts",
      "infra/src/**/*.ts",
      "bench/**/*.ts",
      "scripts/**/*.ts",
      "mobile/e2e/**/*.ts",
      "mobile/web/**/*.ts",
      "mobile/scripts/**/*.ts",
      "mobile/bench/**/*.ts",
      "mobile/**/*.test.ts",
      "mobile/**/*.test.tsx",
      "console/e2e/**/*.ts",
      "console/server/**/*.ts",
      "console/**/*.test.ts",
      "console/**/*.test.tsx",
    ],
    rules: { "no-console": "off", "@typescript-eslint/no-unused-expressions": "off" },
  },
  // The console reads one way down (app → features → lib); a feature never imports another.
  ...["auth", "queue", "review", "diagnosis", "turnaround"].map((feature) => ({
    files: [`console/src/features/${feature}/**/*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^@/app/", message: "Nothing below app/ imports app/." },
            {
              regex: `^@/features/(?!${feature}/)`,
              message: "A feature never imports another feature; compose them in app/.",
            },
            { regex: "^\\.\\./", message: "Import lib/ through @/lib/…, not a relative path." },
          ],
        },
      ],
    },
  })),
  {
    files: ["console/src/lib/**/*.{ts,tsx}"],
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: [{ regex: "^@/(app|features)/", message: "lib/ imports no feature or app." }] },
      ],
    },
  },
  prettier,
);
