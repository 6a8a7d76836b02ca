// Unit and component tests (`npm run test -w mobile`): React Native's preset, no emulator.
// Plain TypeScript tests (data-layer logic, triage numerics) run under the same preset.
/** @type {import('jest').Config} */
module.exports = {
  preset: "@react-native/jest-preset",
  rootDir: __dirname,
  roots: ["<rootDir>/src"],
  testMatch: ["**/*.test.ts", "**/*.test.tsx"],
  testPathIgnorePatterns: ["/node_modules/", "\\.emulator\\.test\\.tsx?$"],
  moduleNameMapper: { "^@/(.*)$": "<rootDir>/src/$1" },
  // ESM-only or untranspiled packages that must go through Babel.
  transformIgnorePatterns: [
    "node_modules/(?!((jest-)?react-native|@react-native(-community)?|@react-native-firebase|@react-native-async-storage|@noble|@testing-library)/)",
  ],
};
