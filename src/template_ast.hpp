// Internal to the template engine (src/template*.cpp): tokens, syntax tree,
// value helpers and the function table. Nodes own their children by value;
// a parsed tree is never modified after parse_tree() returns.
#pragma once
#include "conman/utf8.hpp"
#include "conman/error.hpp"

#include <fmt/format.h>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace conman::tmpl {

using json = nlohmann::json;

template <typename... Args>
[[noreturn]] void tfail(fmt::format_string<Args...> f, Args&&... args) {
    throw Error(ErrorKind::Usage, "template: " + fmt::format(f, std::forward<Args>(args)...));
}

// ---- lexer --------------------------------------------------------------

enum class Tok {
    Text, Open, Close, Ident, Keyword, Field, Var, Dot, String, Number, Bool, Nil,
    Pipe, LParen, RParen, Declare, Assign, Comma, Other, Error, Eof
};

struct Token {
    Tok type;
    std::string text;           // Field: name without the dot; String: unquoted
    bool space_before = false;  // a blank separated it from the previous token
    json value;                 // Number/String/Bool literal value
};

// Never throws: a lexical error becomes a Tok::Error token (message in text)
// followed by Eof, so the parser reports problems in source order.
std::vector<Token> lex(std::string_view src);

// ---- syntax tree --------------------------------------------------------

struct Pipeline;

struct Expr {
    enum Kind { Dot, Field, Var, Func, Paren, Literal, Nil } kind = Dot;
    std::string text;                // source form, for messages
    std::string name;                // Var: "$x"; Func: function name
    std::vector<std::string> chain;  // field names applied after the base
    json literal;
    std::shared_ptr<const Pipeline> pipe;  // Paren
};

struct Command {
    std::vector<Expr> args;
};

struct Pipeline {
    std::vector<std::string> decl;  // "$x" or "$i", "$v"
    bool assign = false;            // "=" instead of ":="
    std::vector<Command> cmds;
};

struct Node {
    enum Kind { Text, Action, If, Range, With, Break, Continue } kind = Text;
    std::string text;
    Pipeline pipe;
    std::vector<Node> body;
    std::vector<Node> else_body;
};

using List = std::vector<Node>;

std::shared_ptr<const List> parse_tree(std::string_view src);
void execute(const List& root, const json& data, std::string& out);

// Limits of one execution. Go runs a template as long as it takes; here
// {{range 100000000}}, nested ranges or a string doubled by printf thirty
// times stop with an error instead of running for minutes or exhausting
// memory. Real --format output stays far below them. Fuzz builds
// (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, libFuzzer's convention) use
// smaller ones so every input finishes within the fuzzer's timeout.
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
inline constexpr size_t kMaxSteps = 10000;             // nodes walked, operands evaluated, range iterations
inline constexpr size_t kMaxBytes = size_t(1) << 20;   // any string value, and the output
#else
inline constexpr size_t kMaxSteps = 1000000;
inline constexpr size_t kMaxBytes = size_t(64) << 20;
#endif

// ---- values -------------------------------------------------------------

std::string type_name(const json& v);
bool truthy(const json& v);
// Go's fmt %v: strings raw, [a b], map[k:v], null as <nil>.
std::string print_value(const json& v);
std::string format_float(double v);        // %v of a float64
std::string json_encode(const json& v);    // encoding/json.Marshal
std::string go_quote(std::string_view s, char q = '"');  // strconv.Quote
std::string go_sprintf(std::string_view format, const std::vector<json>& args);
// Decodes one UTF-8 sequence at s[i]; an invalid byte yields U+FFFD, length 1.
size_t utf8_decode(std::string_view s, size_t i, char32_t& cp, bool* bad = nullptr);
size_t rune_count(std::string_view s);

// ---- functions ----------------------------------------------------------

bool func_defined(std::string_view name);
// All functions but "and"/"or", which the evaluator short-circuits.
json call_func(std::string_view name, std::vector<json>& args);

}  // namespace conman::tmpl
