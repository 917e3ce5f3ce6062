// Exposes tree-sitter-nix's generated parser to the node `tree-sitter` runtime
// (0.25), which accepts a language only as an External carrying its type tag.
#include <napi.h>

typedef struct TSLanguage TSLanguage;

extern "C" const TSLanguage *tree_sitter_nix(void);

// Must equal LANGUAGE_TYPE_TAG in tree-sitter's src/language.cc.
static const napi_type_tag kLanguageTypeTag = {0x8AF2E5212AD58ABF, 0xD5006CAD83ABBA16};

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto language = Napi::External<TSLanguage>::New(env, const_cast<TSLanguage *>(tree_sitter_nix()));
  language.TypeTag(&kLanguageTypeTag);
  exports["name"] = Napi::String::New(env, "nix");
  exports["language"] = language;
  return exports;
}

NODE_API_MODULE(tree_sitter_nix_binding, Init)
