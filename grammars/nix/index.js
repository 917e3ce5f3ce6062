'use strict';
// The Nix language for the node tree-sitter runtime, built by `npm run build:grammar`.
const language = require('./build/Release/tree_sitter_nix.node');
try {
  language.nodeTypeInfo = require('tree-sitter-nix/src/node-types.json');
} catch {
  // Without node-types.json the runtime still parses; only typed node subclasses are lost.
}
module.exports = language;
