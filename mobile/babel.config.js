// Babel is only the transpiler for Metro (device bundles) and Jest; tsc type-checks separately.
module.exports = {
  presets: ["module:@react-native/babel-preset"],
};
