#include "conman/www_auth.hpp"

#include <cctype>
#include <optional>

namespace conman {

std::string WwwAuthChallenge::param(const std::string& key) const {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
}

namespace {

// RFC 7230 tchar.
bool is_tchar(char c) {
    if (std::isalnum(static_cast<unsigned char>(c))) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

class Lexer {
public:
    explicit Lexer(std::string_view s) : s_(s) {}
    bool eof() const { return i_ >= s_.size(); }
    char peek() const { return eof() ? '\0' : s_[i_]; }
    void skip_ws() {
        while (!eof() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    }
    // Skips whitespace and commas (empty list elements are allowed).
    void skip_separators() {
        while (!eof() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == ',')) ++i_;
    }
    std::string_view token() {
        size_t start = i_;
        while (!eof() && is_tchar(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }
    // Unquoted value. Lenient: registries put ':' and '/' in unquoted
    // scopes, which are not tchars, so take everything up to ',' or space.
    std::string_view bare_value() {
        size_t start = i_;
        while (!eof() && s_[i_] != ',' && s_[i_] != ' ' && s_[i_] != '\t' && s_[i_] != '"') ++i_;
        return s_.substr(start, i_ - start);
    }
    // token68: tchar plus '/', ending in optional '='.
    std::string_view token68() {
        size_t start = i_;
        while (!eof() && (is_tchar(s_[i_]) || s_[i_] == '/')) ++i_;
        while (!eof() && s_[i_] == '=') ++i_;
        return s_.substr(start, i_ - start);
    }
    std::optional<std::string> quoted() {
        ++i_;  // opening quote
        std::string out;
        while (!eof()) {
            char c = s_[i_++];
            if (c == '"') return out;
            if (c == '\\') {
                if (eof()) return std::nullopt;
                c = s_[i_++];
            }
            out += c;
        }
        return std::nullopt;
    }
    size_t pos() const { return i_; }
    void seek(size_t p) { i_ = p; }

private:
    std::string_view s_;
    size_t i_ = 0;
};

// After a token at the current position: is it "key =" (a param) rather than
// the next scheme?
bool looks_like_param(Lexer& lx) {
    size_t save = lx.pos();
    bool param = false;
    if (!lx.token().empty()) {
        lx.skip_ws();
        if (lx.peek() == '=') {
            // "token68==" style ends in '=' followed by ',' or end: not a param.
            lx.seek(lx.pos() + 1);
            lx.skip_ws();
            param = !lx.eof() && lx.peek() != '=' && lx.peek() != ',';
        }
    }
    lx.seek(save);
    return param;
}

}  // namespace

std::vector<WwwAuthChallenge> parse_www_authenticate(std::string_view header) {
    std::vector<WwwAuthChallenge> out;
    Lexer lx(header);
    lx.skip_separators();
    while (!lx.eof()) {
        std::string_view scheme = lx.token();
        if (scheme.empty()) return {};
        WwwAuthChallenge ch;
        ch.scheme = lower(scheme);
        lx.skip_ws();
        // Either a token68 or a list of params, or nothing.
        if (!lx.eof() && lx.peek() != ',' && !looks_like_param(lx)) {
            if (lx.token68().empty()) return {};
            lx.skip_ws();
            if (!lx.eof() && lx.peek() != ',') return {};
        }
        for (;;) {
            lx.skip_separators();
            if (lx.eof() || !looks_like_param(lx)) break;
            std::string key = lower(lx.token());
            lx.skip_ws();
            lx.seek(lx.pos() + 1);  // '='
            lx.skip_ws();
            std::string value;
            if (lx.peek() == '"') {
                auto q = lx.quoted();
                if (!q) return {};
                value = std::move(*q);
            } else {
                value = std::string(lx.bare_value());
                if (value.empty()) return {};
            }
            ch.params[key] = std::move(value);
            lx.skip_ws();
            if (!lx.eof() && lx.peek() != ',') return {};
        }
        out.push_back(std::move(ch));
        lx.skip_separators();
    }
    return out;
}

}  // namespace conman
