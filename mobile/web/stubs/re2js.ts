/*
 * Stand-in for `re2js` in the web build. @firebase/firestore imports it (~146 KB minified) only
 * to evaluate regex/LIKE functions of Firestore *pipelines* locally; this app runs no pipelines,
 * and the 300 KB gzip budget for the first screen has no room for it. Were a pipeline regex ever
 * evaluated, the SDK catches this error and logs a warning for that expression.
 */
export const RE2JS = {
  compile(): never {
    throw new Error("regular expressions in Firestore pipelines are not part of this build");
  },
};
