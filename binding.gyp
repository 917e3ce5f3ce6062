{
  "targets": [
    {
      "target_name": "tree_sitter_nix",
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "include_dirs": [
        "grammars/nix/src"
      ],
      "sources": [
        "grammars/nix/binding.cc",
        "grammars/nix/src/parser.c",
        "grammars/nix/src/scanner.c"
      ],
      "cflags_c": ["-std=c11", "-O2"],
      "cflags_cc": ["-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
