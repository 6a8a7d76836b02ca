// Metro (device bundles). `@/` points at src/, as in tsconfig paths, Jest and Vite.
const path = require("path");
const { getDefaultConfig, mergeConfig } = require("@react-native/metro-config");

const workspaceRoot = path.resolve(__dirname, "..");

module.exports = mergeConfig(getDefaultConfig(__dirname), {
  // npm workspaces hoist packages to the repository root, and the contract lives beside the app.
  watchFolders: [workspaceRoot],
  resolver: {
    nodeModulesPaths: [
      path.join(__dirname, "node_modules"),
      path.join(workspaceRoot, "node_modules"),
    ],
    resolveRequest: (context, moduleName, platform) => {
      const target = moduleName.startsWith("@/")
        ? path.join(__dirname, "src", moduleName.slice(2))
        : moduleName;
      return context.resolveRequest(context, target, platform);
    },
  },
});
