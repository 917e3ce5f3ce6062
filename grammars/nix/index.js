'use strict';
// The Nix language for the node tree-sitter runtime: the prebuilt binding of
// prebuilds/<platform>-<arch>/ when one fits, else the one compiled at install
// (build/Release/), as node-gyp-build finds them.
const path = require('path');
const language = require('node-gyp-build')(path.resolve(__dirname, '../..'));
// The grammar's node types give the runtime its typed node subclasses.
language.nodeTypeInfo = require('./src/node-types.json');
module.exports = language;
