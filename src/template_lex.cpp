// Lexer for the Go text/template subset: text, {{ }} actions with trim
// markers, comments, and the tokens inside actions.
#include "template_ast.hpp"

#include <charconv>
#include <cstdlib>

namespace conman::tmpl {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_word(char c) {
    auto u = static_cast<unsigned char>(c);
    return std::isalnum(u) || c == '_' || u >= 0x80;
}
bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* const kKeywords[] = {"if", "else", "end", "range", "with", "break",
                                 "continue", "define", "template", "block"};

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}

    std::vector<Token> run() {
        while (!done_) lex_text();
        out_.push_back({Tok::Eof, "", false, {}});
        return std::move(out_);
    }

private:
    std::string_view s_;
    size_t pos_ = 0;
    bool trim_next_ = false;  // the previous action ended with " -}}"
    bool space_ = false;
    bool done_ = false;
    std::vector<Token> out_;

    bool at(std::string_view p) const { return s_.substr(pos_, p.size()) == p; }
    char peek(size_t k = 0) const { return pos_ + k < s_.size() ? s_[pos_ + k] : '\0'; }

    void emit(Tok t, std::string text, json value = {}) {
        out_.push_back({t, std::move(text), space_, std::move(value)});
        space_ = false;
    }
    void error(std::string msg) {
        emit(Tok::Error, std::move(msg));
        done_ = true;
    }
    // A right delimiter here, possibly with a trim marker: " -}}".
    bool right_delim(bool consume) {
        if (at("}}")) {
            if (consume) pos_ += 2;
            return true;
        }
        if (is_blank(peek()) && peek(1) == '-' && s_.substr(pos_ + 2, 2) == "}}") {
            if (consume) {
                pos_ += 4;
                trim_next_ = true;
            }
            return true;
        }
        return false;
    }

    void lex_text() {
        size_t open = s_.find("{{", pos_);
        std::string_view text = s_.substr(pos_, open == std::string_view::npos ? s_.npos : open - pos_);
        if (trim_next_) {
            while (!text.empty() && is_blank(text.front())) text.remove_prefix(1);
            trim_next_ = false;
        }
        bool left_trim = open != std::string_view::npos && open + 3 < s_.size() &&
                         s_[open + 2] == '-' && is_blank(s_[open + 3]);
        if (left_trim)
            while (!text.empty() && is_blank(text.back())) text.remove_suffix(1);
        if (!text.empty()) emit(Tok::Text, std::string(text));
        if (open == std::string_view::npos) {
            done_ = true;
            return;
        }
        pos_ = open + 2 + (left_trim ? 2 : 0);
        if (at("/*")) return lex_comment();
        emit(Tok::Open, "{{");
        lex_action();
    }

    void lex_comment() {
        size_t end = s_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) return error("unclosed comment");
        pos_ = end + 2;
        if (!right_delim(true)) error("comment ends before closing delimiter");
    }

    void lex_action() {
        while (!done_) {
            if (pos_ >= s_.size()) return error("unclosed action");
            if (right_delim(false)) {
                space_ = false;
                right_delim(true);
                emit(Tok::Close, "}}");
                return;
            }
            char c = peek();
            if (is_blank(c)) {
                ++pos_;
                space_ = true;
            } else {
                lex_token(c);
            }
        }
    }

    void lex_token(char c) {
        switch (c) {
        case '|': ++pos_; return emit(Tok::Pipe, "|");
        case '(': ++pos_; return emit(Tok::LParen, "(");
        case ')': ++pos_; return emit(Tok::RParen, ")");
        case ',': ++pos_; return emit(Tok::Comma, ",");
        case '=': ++pos_; return emit(Tok::Assign, "=");
        case '"': return lex_quoted();
        case '`': return lex_raw();
        case '\'': return lex_char();
        case '$': return lex_word(Tok::Var, 1);
        default: break;
        }
        if (c == ':' && peek(1) == '=') {
            pos_ += 2;
            return emit(Tok::Declare, ":=");
        }
        if (c == '.') {
            if (is_digit(peek(1))) return lex_number();
            if (is_word(peek(1))) return lex_word(Tok::Field, 1);
            ++pos_;
            return emit(Tok::Dot, ".");
        }
        if (is_digit(c) || ((c == '+' || c == '-') && (is_digit(peek(1)) || peek(1) == '.')))
            return lex_number();
        if (is_word(c)) return lex_word(Tok::Ident, 0);
        // "{{.ID}" is better reported as unclosed than as a stray "}".
        if (s_.find("}}", pos_) == std::string_view::npos) return error("unclosed action");
        // Let the parser name it: unexpected "}" in operand.
        char32_t cp;
        size_t n = utf8_decode(s_, pos_, cp);
        emit(Tok::Other, std::string(s_.substr(pos_, n)));
        pos_ += n;
    }

    bool at_terminator() const {
        char c = peek();
        return c == '\0' || is_blank(c) || c == '.' || c == ',' || c == '|' || c == ':' ||
               c == ')' || c == '(' || c == '=' || c == '}';
    }

    // Identifiers, fields (skip=1 for the dot, not kept) and variables
    // (skip=1 for '$', kept).
    void lex_word(Tok t, size_t skip) {
        size_t start = pos_;
        pos_ += skip;
        while (pos_ < s_.size() && is_word(s_[pos_])) ++pos_;
        std::string word(s_.substr(start, pos_ - start));
        if (!at_terminator()) return error(fmt::format("bad character {}", go_quote(std::string(1, peek()), '\'')));
        if (t == Tok::Field) return emit(t, word.substr(1));
        if (t == Tok::Ident) {
            if (word == "true" || word == "false") return emit(Tok::Bool, word, word == "true");
            if (word == "nil") return emit(Tok::Nil, word);
            for (const char* k : kKeywords)
                if (word == k) return emit(Tok::Keyword, word);
        }
        emit(t, word);
    }

    void lex_number() {
        size_t start = pos_;
        if (peek() == '+' || peek() == '-') ++pos_;
        auto run = [&](std::string_view set) {
            while (pos_ < s_.size() && set.find(s_[pos_]) != std::string_view::npos) ++pos_;
        };
        std::string_view digits = "0123456789_";
        bool hex = false;
        if (peek() == '0' && (peek(1) == 'x' || peek(1) == 'X')) {
            pos_ += 2;
            digits = "0123456789abcdefABCDEF_";
            hex = true;
        } else if (peek() == '0' && (peek(1) == 'o' || peek(1) == 'O' || peek(1) == 'b' || peek(1) == 'B')) {
            pos_ += 2;
        }
        run(digits);
        if (peek() == '.') {
            ++pos_;
            run(digits);
        }
        if ((!hex && (peek() == 'e' || peek() == 'E')) || (hex && (peek() == 'p' || peek() == 'P'))) {
            ++pos_;
            if (peek() == '+' || peek() == '-') ++pos_;
            run("0123456789_");
        }
        std::string text(s_.substr(start, pos_ - start));
        if (is_word(peek())) {
            while (is_word(peek())) ++pos_;
            return error("bad number syntax: " + std::string(s_.substr(start, pos_ - start)));
        }
        json v = parse_number(text);
        if (v.is_null()) return error("bad number syntax: " + text);
        emit(Tok::Number, text, std::move(v));
    }

    static json parse_number(std::string text) {
        std::erase(text, '_');
        bool neg = !text.empty() && text[0] == '-';
        std::string_view body(text);
        if (!body.empty() && (body[0] == '-' || body[0] == '+')) body.remove_prefix(1);
        int base = 10;
        bool is_float = false;
        if (body.size() > 1 && body[0] == '0' && std::isalpha(static_cast<unsigned char>(body[1]))) {
            char p = static_cast<char>(std::tolower(static_cast<unsigned char>(body[1])));
            base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
            if (base == 16 && body.find_first_of(".pP") != std::string_view::npos) is_float = true;
            if (!is_float) body.remove_prefix(2);
        } else if (body.find_first_of(".eE") != std::string_view::npos) {
            is_float = true;
        } else if (body.size() > 1 && body[0] == '0') {
            base = 8;
        }
        if (base == 0 || body.empty()) return {};
        if (is_float) {
            char* end = nullptr;
            double d = std::strtod(text.c_str(), &end);
            if (end != text.c_str() + text.size()) return {};
            return d;
        }
        uint64_t u = 0;
        auto r = std::from_chars(body.data(), body.data() + body.size(), u, base);
        if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return {};
        if (!neg) {
            if (u <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(u);
            return u;
        }
        if (u > static_cast<uint64_t>(INT64_MAX) + 1) return {};
        return static_cast<int64_t>(0 - u);
    }

    // Go escapes: \a \b \f \n \r \t \v \\ \" \' \xHH \uHHHH \UHHHHHHHH \ooo.
    bool unescape_one(std::string& out) {
        char c = peek();
        ++pos_;
        switch (c) {
        case 'a': out += '\a'; return true;
        case 'b': out += '\b'; return true;
        case 'f': out += '\f'; return true;
        case 'n': out += '\n'; return true;
        case 'r': out += '\r'; return true;
        case 't': out += '\t'; return true;
        case 'v': out += '\v'; return true;
        case '\\': case '"': case '\'': out += c; return true;
        default: break;
        }
        int len = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
        int base = 16;
        if (c >= '0' && c <= '7') {
            len = 3;
            base = 8;
            --pos_;
        }
        if (len == 0 || pos_ + len > s_.size()) return false;
        uint32_t v = 0;
        auto r = std::from_chars(s_.data() + pos_, s_.data() + pos_ + len, v, base);
        if (r.ptr != s_.data() + pos_ + len) return false;
        pos_ += len;
        if (c == 'x' || base == 8) {
            if (v > 255) return false;
            out += static_cast<char>(v);
        } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) return false;
            utf8_append(out, v);
        }
        return true;
    }

    void lex_quoted() {
        ++pos_;
        std::string val;
        for (;;) {
            char c = peek();
            if (pos_ >= s_.size() || c == '\n') return error("unterminated quoted string");
            ++pos_;
            if (c == '"') break;
            if (c != '\\') {
                val += c;
            } else if (!unescape_one(val)) {
                return error("invalid escape in quoted string");
            }
        }
        emit(Tok::String, val, val);
    }

    void lex_raw() {
        size_t end = s_.find('`', pos_ + 1);
        if (end == std::string_view::npos) return error("unterminated raw quoted string");
        std::string val(s_.substr(pos_ + 1, end - pos_ - 1));
        std::erase(val, '\r');  // Go drops carriage returns from raw strings
        pos_ = end + 1;
        emit(Tok::String, val, val);
    }

    void lex_char() {
        ++pos_;
        std::string val;
        if (peek() == '\\') {
            ++pos_;
            if (!unescape_one(val)) return error("invalid escape in character constant");
        } else if (pos_ < s_.size() && peek() != '\'' && peek() != '\n') {
            char32_t cp;
            size_t n = utf8_decode(s_, pos_, cp);
            val = s_.substr(pos_, n);
            pos_ += n;
        }
        if (peek() != '\'' || val.empty()) return error("unterminated character constant");
        ++pos_;
        char32_t cp;
        size_t n = utf8_decode(val, 0, cp);
        if (n != val.size()) return error("malformed character constant");
        emit(Tok::Number, "'" + val + "'", static_cast<int64_t>(cp));
    }
};

}  // namespace

std::vector<Token> lex(std::string_view src) { return Lexer(src).run(); }

}  // namespace conman::tmpl
