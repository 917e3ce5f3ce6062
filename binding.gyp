{
  "variables": {
    "tree_sitter_lib": "node_modules/tree-sitter/vendor/tree-sitter/lib"
  },
  "targets": [
    {
      "target_name": "tree_sitter_nix",
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "include_dirs": [
        "grammars/nix/src",
        "<(tree_sitter_lib)/include",
        "<(tree_sitter_lib)/src"
      ],
      "sources": [
        "grammars/nix/binding.cc",
        "grammars/nix/src/parser.c",
        "grammars/nix/src/scanner.c",
        "<(tree_sitter_lib)/src/lib.c"
      ],
      "cflags_c": ["-std=c11", "-O2", "-fvisibility=hidden"],
      "cflags_cc": ["-O2", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8", "_POSIX_C_SOURCE=200112L", "_DEFAULT_SOURCE"]
    }
  ]
}
