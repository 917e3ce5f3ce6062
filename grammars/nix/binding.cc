// Exposes tree-sitter-nix's generated parser to the node `tree-sitter` runtime
// (0.25), which accepts a language only as an External carrying its type tag;
// and `parseFlat`, a parse on the same tree-sitter runtime (compiled in here
// from the copy the `tree-sitter` package vendors) whose result is the syntax
// tree as one flat array of numbers, built in C in one walk.
//
// Crossing from JavaScript into C for every node of a tree-sitter tree costs
// more than the parse itself; one array per file costs one crossing, frees
// the native tree at once, and can be handed to another thread.
#include <napi.h>
#include <tree_sitter/api.h>

#include <string>
#include <vector>

extern "C" const TSLanguage *tree_sitter_nix(void);

// Must equal LANGUAGE_TYPE_TAG in tree-sitter's src/language.cc.
static const napi_type_tag kLanguageTypeTag = {0x8AF2E5212AD58ABF, 0xD5006CAD83ABBA16};

/** Numbers per node in the flat array; see `parseFlat`. */
static const size_t kFields = 4;

/** One parser and one text buffer per thread: worker threads parse at the same time. */
struct ThreadParser {
  TSParser *parser = nullptr;
  std::vector<char16_t> text;
  std::vector<int32_t> nodes;
  ~ThreadParser() {
    if (parser) ts_parser_delete(parser);
  }
};
static thread_local ThreadParser threadParser;

static bool IsBlank(char16_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/**
 * `child`, the next to last child of a `formals` node, is tree-sitter-nix
 * 0.0.2's recovery from a trailing comma (`{ lib, pkgs, }:`), which Nix
 * accepts: a lone ERROR holding the comma, or a formal whose name is a
 * MISSING identifier, right before the closing `}`. The same test as
 * `isTrailingCommaRecovery` in src/nix/parser.ts.
 */
static bool IsTrailingCommaRecovery(TSNode child, TSNode closing, const char16_t *text) {
  if (ts_node_is_named(closing) || std::string(ts_node_type(closing)) != "}") return false;
  if (ts_node_is_error(child)) {
    if (ts_node_child_count(child) != 1) return false;
    int commas = 0;
    for (uint32_t i = ts_node_start_byte(child) / 2; i < ts_node_end_byte(child) / 2; i++) {
      if (text[i] == ',') commas++;
      else if (!IsBlank(text[i])) return false;
    }
    return commas == 1;
  }
  if (std::string(ts_node_type(child)) == "formal") {
    TSNode name = ts_node_child_by_field_name(child, "name", 4);
    return ts_node_child_count(child) == 1 && !ts_node_is_null(name) && ts_node_is_missing(name);
  }
  return false;
}

/** Whether the tree has a syntax error other than a trailing comma's recovery (see `firstSyntaxError`). */
static bool HasSyntaxError(TSNode root, const char16_t *text) {
  std::vector<TSNode> stack{root};
  while (!stack.empty()) {
    TSNode node = stack.back();
    stack.pop_back();
    if (ts_node_is_missing(node) || ts_node_is_error(node)) return true;
    if (!ts_node_has_error(node)) continue;
    uint32_t count = ts_node_child_count(node);
    bool formals = std::string(ts_node_type(node)) == "formals";
    for (uint32_t i = 0; i < count; i++) {
      TSNode child = ts_node_child(node, i);
      if (formals && count >= 2 && i == count - 2 && IsTrailingCommaRecovery(child, ts_node_child(node, count - 1), text)) continue;
      stack.push_back(child);
    }
  }
  return false;
}

/**
 * parseFlat(text: string, timeoutMicros?: number): Int32Array | null | false
 *
 * Parses `text` and returns its named nodes without comments, in document
 * order (a node before its children), `kFields` numbers each:
 *   [0] the node's symbol in the low 16 bits; in the high 16 bits the symbol
 *       of its first anonymous child (a binary expression's operator), or 0;
 *   [1] start and [2] end offset, in UTF-16 code units (JavaScript indices);
 *   [3] the index (in nodes) of the first node after this node's subtree:
 *       its children are the nodes from the next one up to there, each child
 *       followed by its own subtree.
 * Returns null when the text has a syntax error (a caller reads it from the
 * `tree-sitter` runtime's own tree) and when parsing fails; false when parsing
 * took longer than `timeoutMicros` (tree-sitter's error recovery is slow on
 * some broken texts), the parser being reset for the next text. The ERROR
 * node of a trailing comma's recovery is left out, like comments.
 */
static Napi::Value ParseFlat(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    Napi::TypeError::New(env, "parseFlat: expected a string").ThrowAsJavaScriptException();
    return env.Null();
  }
  ThreadParser &state = threadParser;
  if (!state.parser) {
    state.parser = ts_parser_new();
    ts_parser_set_language(state.parser, tree_sitter_nix());
  }
  napi_value input = info[0];
  size_t length = 0;
  napi_get_value_string_utf16(env, input, nullptr, 0, &length);
  state.text.resize(length + 1);
  napi_get_value_string_utf16(env, input, state.text.data(), length + 1, &length);

  uint64_t timeout = info.Length() >= 2 && info[1].IsNumber() ? static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()) : 0;
  ts_parser_set_timeout_micros(state.parser, timeout);
  TSTree *tree = ts_parser_parse_string_encoding(state.parser, nullptr, reinterpret_cast<const char *>(state.text.data()),
                                                 static_cast<uint32_t>(length * 2), TSInputEncodingUTF16LE);
  if (!tree) {
    ts_parser_reset(state.parser);
    return timeout > 0 ? Napi::Boolean::New(env, false) : env.Null();
  }
  TSNode root = ts_tree_root_node(tree);
  if (ts_node_has_error(root) && HasSyntaxError(root, state.text.data())) {
    ts_tree_delete(tree);
    return env.Null();
  }

  const TSLanguage *language = tree_sitter_nix();
  const TSSymbol comment = ts_language_symbol_for_name(language, "comment", 7, true);
  std::vector<int32_t> &nodes = state.nodes;
  nodes.clear();
  auto emit = [&nodes](TSNode node) {
    nodes.push_back(ts_node_symbol(node));
    nodes.push_back(static_cast<int32_t>(ts_node_start_byte(node) / 2));
    nodes.push_back(static_cast<int32_t>(ts_node_end_byte(node) / 2));
    nodes.push_back(0);
    return nodes.size() / kFields - 1;
  };
  auto close = [&nodes](size_t index) { nodes[index * kFields + 3] = static_cast<int32_t>(nodes.size() / kFields); };

  TSTreeCursor cursor = ts_tree_cursor_new(root);
  // The nodes emitted around the cursor, outermost first: the cursor descends only into emitted nodes.
  std::vector<size_t> parents;
  parents.push_back(emit(root));
  if (!ts_tree_cursor_goto_first_child(&cursor)) {
    close(parents.back());
  } else {
    for (;;) {
      TSNode node = ts_tree_cursor_current_node(&cursor);
      bool descended = false;
      if (ts_node_is_named(node)) {
        if (ts_node_symbol(node) != comment && !ts_node_is_error(node)) {
          size_t index = emit(node);
          if (ts_tree_cursor_goto_first_child(&cursor)) {
            parents.push_back(index);
            descended = true;
          } else {
            close(index);
          }
        }
      } else {
        int32_t &head = nodes[parents.back() * kFields];
        if ((head >> 16) == 0) head |= static_cast<int32_t>(ts_node_symbol(node)) << 16;
      }
      if (descended) continue;
      bool done = false;
      while (!ts_tree_cursor_goto_next_sibling(&cursor)) {
        ts_tree_cursor_goto_parent(&cursor);
        close(parents.back());
        parents.pop_back();
        if (parents.empty()) {
          done = true;
          break;
        }
      }
      if (done) break;
    }
  }
  ts_tree_cursor_delete(&cursor);
  ts_tree_delete(tree);

  Napi::Int32Array result = Napi::Int32Array::New(env, nodes.size());
  std::copy(nodes.begin(), nodes.end(), result.Data());
  // A file's array is kept for its lifetime; a large buffer kept per thread would only hold memory.
  if (nodes.capacity() > (1u << 20)) std::vector<int32_t>().swap(nodes);
  if (state.text.capacity() > (1u << 20)) std::vector<char16_t>().swap(state.text);
  return result;
}

/** The name of every symbol of the grammar, by symbol id: the node types and the anonymous tokens. */
static Napi::Array SymbolNames(Napi::Env env) {
  const TSLanguage *language = tree_sitter_nix();
  uint32_t count = ts_language_symbol_count(language);
  Napi::Array names = Napi::Array::New(env, count);
  for (uint32_t i = 0; i < count; i++) names.Set(i, Napi::String::New(env, ts_language_symbol_name(language, static_cast<TSSymbol>(i))));
  return names;
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto language = Napi::External<TSLanguage>::New(env, const_cast<TSLanguage *>(tree_sitter_nix()));
  language.TypeTag(&kLanguageTypeTag);
  exports["name"] = Napi::String::New(env, "nix");
  exports["language"] = language;
  exports["parseFlat"] = Napi::Function::New(env, ParseFlat, "parseFlat");
  exports["symbolNames"] = SymbolNames(env);
  return exports;
}

NODE_API_MODULE(tree_sitter_nix_binding, Init)
