// Data-layer tests against the Firestore/Auth emulators through the Firebase JS SDK (the same
// code the app runs behind its Firestore port). Run under infra/src/exec.ts, see mobile/README.md.
/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  roots: ["<rootDir>/src", "<rootDir>/e2e"],
  testEnvironment: "node",
  testMatch: ["**/*.emulator.test.ts", "**/*.e2e.test.ts"],
  moduleNameMapper: { "^@/(.*)$": "<rootDir>/src/$1" },
  transform: { "\\.[jt]sx?$": "babel-jest" },
  transformIgnorePatterns: ["node_modules/(?!(@noble)/)"],
  testTimeout: 240000,
};
