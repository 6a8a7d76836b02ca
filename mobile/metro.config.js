// Metro (device bundles). `@/` points at src/, as in tsconfig paths, Jest and Vite.
const path = require("path");
const { getDefaultConfig, mergeConfig } = require("@react-native/metro-config");

const workspaceRoot = path.resolve(__dirname, "..");
const defaults = getDefaultConfig(__dirname);

module.exports = mergeConfig(defaults, {
  // npm workspaces hoist packages to the repository root, and the contract lives beside the app.
  watchFolders: [workspaceRoot],
  resolver: {
    // The triage model's weights are a tfjs shard, `group1-shard1of1.bin` (assets/models/):
    // bundling it with require() for bundleResourceIO needs Metro to treat `.bin` as an
    // asset, and Metro's defaults do not list it (the build would fail to resolve the file).
    assetExts: [...defaults.resolver.assetExts, "bin"],
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
