// Native entry (Metro). The web entry is web/index.tsx.
require("./src/app/native-entry");
