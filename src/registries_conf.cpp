#include "conman/registries_conf.hpp"

#include "conman/utf8.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fs.hpp"

namespace conman {

namespace {

// ---- TOML subset -----------------------------------------------------------

struct Value {
    enum Kind { String, Bool, Int, Array } kind = String;
    std::string str;
    bool boolean = false;
    int64_t integer = 0;
    std::vector<Value> array;
    int line = 0;
};

struct Table {
    std::vector<std::string> path;
    bool is_array = false;  // [[...]]
    int line = 0;
    std::vector<std::pair<std::string, Value>> keys;
};

class TomlParser {
public:
    TomlParser(std::string_view text, std::string_view file) : s_(text), file_(file) {}

    // The root table first, then one Table per header, in file order.
    std::vector<Table> parse() {
        std::vector<Table> tables(1);
        tables[0].line = 1;
        while (true) {
            skip_blank();
            if (pos_ >= s_.size()) break;
            if (peek() == '[') {
                tables.push_back(parse_header());
            } else {
                int line = line_;
                std::string key = parse_key();
                skip_ws();
                if (peek() != '=') error("expected \"=\" after key \"{}\"", key);
                ++pos_;
                skip_ws();
                Value v = parse_value();
                end_of_line();
                auto& keys = tables.back().keys;
                for (auto& kv : keys)
                    if (kv.first == key) error_at(line, "duplicate key \"{}\"", key);
                keys.emplace_back(std::move(key), std::move(v));
            }
        }
        return tables;
    }

    template <typename... Args>
    [[noreturn]] void error_at(int line, fmt::format_string<Args...> f, Args&&... args) const {
        fail(ErrorKind::Usage, "{}:{}: {}", file_, line, fmt::format(f, std::forward<Args>(args)...));
    }

private:
    std::string_view s_;
    std::string_view file_;
    size_t pos_ = 0;
    int line_ = 1;

    template <typename... Args>
    [[noreturn]] void error(fmt::format_string<Args...> f, Args&&... args) const {
        error_at(line_, f, std::forward<Args>(args)...);
    }

    char peek(size_t ahead = 0) const { return pos_ + ahead < s_.size() ? s_[pos_ + ahead] : '\0'; }

    void skip_ws() {
        while (peek() == ' ' || peek() == '\t') ++pos_;
    }
    void skip_comment() {
        if (peek() == '#')
            while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
    }
    bool take_newline() {
        if (peek() == '\r' && peek(1) == '\n') ++pos_;
        if (peek() != '\n') return false;
        ++pos_;
        ++line_;
        return true;
    }
    // Whitespace, comments and newlines (between statements and inside arrays).
    void skip_blank() {
        while (true) {
            skip_ws();
            skip_comment();
            if (!take_newline()) return;
        }
    }
    void end_of_line() {
        skip_ws();
        skip_comment();
        if (pos_ < s_.size() && !take_newline()) error("unexpected \"{}\" after value", peek());
    }

    static bool bare_key_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    }

    std::string parse_key() {
        if (peek() == '"' || peek() == '\'') return parse_string();
        size_t start = pos_;
        while (bare_key_char(peek())) ++pos_;
        if (pos_ == start) error("expected a key, found \"{}\"", peek());
        std::string key(s_.substr(start, pos_ - start));
        skip_ws();
        if (peek() == '.') error("dotted keys are not supported");
        return key;
    }

    Table parse_header() {
        Table t;
        t.line = line_;
        ++pos_;
        if (peek() == '[') {
            t.is_array = true;
            ++pos_;
        }
        while (true) {
            skip_ws();
            t.path.push_back(parse_key_in_header());
            skip_ws();
            if (peek() == '.') {
                ++pos_;
                continue;
            }
            break;
        }
        if (peek() != ']' || (t.is_array && peek(1) != ']')) error("expected \"{}\" to close the table header", t.is_array ? "]]" : "]");
        pos_ += t.is_array ? 2 : 1;
        end_of_line();
        return t;
    }

    std::string parse_key_in_header() {
        if (peek() == '"' || peek() == '\'') return parse_string();
        size_t start = pos_;
        while (bare_key_char(peek())) ++pos_;
        if (pos_ == start) error("expected a table name, found \"{}\"", peek());
        return std::string(s_.substr(start, pos_ - start));
    }

    // Arrays are parsed recursively; nesting past this is refused rather than
    // overflowing the stack (registries.conf never nests more than one level).
    static constexpr int kMaxArrayDepth = 100;
    int array_depth_ = 0;

    Value parse_value() {
        Value v;
        v.line = line_;
        char c = peek();
        if (c == '"' || c == '\'') {
            v.str = parse_string();
        } else if (c == '[') {
            if (array_depth_ == kMaxArrayDepth) error("arrays nested more than {} levels deep", kMaxArrayDepth);
            ++array_depth_;
            v.kind = Value::Array;
            ++pos_;
            while (true) {
                skip_blank();
                if (peek() == ']') break;
                if (pos_ >= s_.size()) error_at(v.line, "unterminated array");
                v.array.push_back(parse_value());
                skip_blank();
                if (peek() == ',') {
                    ++pos_;
                } else if (pos_ >= s_.size()) {
                    error_at(v.line, "unterminated array");
                } else if (peek() != ']') {
                    error("expected \",\" or \"]\" in array");
                }
            }
            ++pos_;
            --array_depth_;
        } else if (c == '{') {
            error("inline tables are not supported");
        } else if (s_.substr(pos_, 4) == "true" && !bare_key_char(peek(4))) {
            v.kind = Value::Bool;
            v.boolean = true;
            pos_ += 4;
        } else if (s_.substr(pos_, 5) == "false" && !bare_key_char(peek(5))) {
            v.kind = Value::Bool;
            pos_ += 5;
        } else if (c == '+' || c == '-' || (c >= '0' && c <= '9')) {
            v.kind = Value::Int;
            v.integer = parse_int();
        } else if (pos_ >= s_.size() || c == '\n' || c == '\r' || c == '#') {
            error("missing value");
        } else {
            error("invalid value starting with \"{}\"", c);
        }
        return v;
    }

    int64_t parse_int() {
        bool neg = peek() == '-';
        if (peek() == '+' || peek() == '-') ++pos_;
        size_t start = pos_;
        uint64_t n = 0;
        while (peek() >= '0' && peek() <= '9') {
            n = n * 10 + static_cast<uint64_t>(peek() - '0');
            if (n > static_cast<uint64_t>(INT64_MAX)) error("integer out of range");
            ++pos_;
        }
        if (pos_ == start || bare_key_char(peek()) || peek() == '.') error("invalid number");
        return neg ? -static_cast<int64_t>(n) : static_cast<int64_t>(n);
    }

    std::string parse_string() {
        char quote = peek();
        if (peek(1) == quote && peek(2) == quote) error("multi-line strings are not supported");
        ++pos_;
        std::string out;
        while (true) {
            if (pos_ >= s_.size() || peek() == '\n') error("unterminated string");
            char c = s_[pos_++];
            if (c == quote) return out;
            if (c == '\\' && quote == '"') {
                append_escape(out);
            } else {
                out += c;
            }
        }
    }

    void append_escape(std::string& out) {
        char e = peek();
        ++pos_;
        switch (e) {
        case 'b': out += '\b'; return;
        case 't': out += '\t'; return;
        case 'n': out += '\n'; return;
        case 'f': out += '\f'; return;
        case 'r': out += '\r'; return;
        case '"': out += '"'; return;
        case '\\': out += '\\'; return;
        case 'u': utf8_append(out, parse_hex(4)); return;
        case 'U': utf8_append(out, parse_hex(8)); return;
        default: error("invalid escape \"\\{}\" in string", e);
        }
    }

    uint32_t parse_hex(int digits) {
        uint32_t v = 0;
        for (int i = 0; i < digits; ++i) {
            char c = peek();
            int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
            if (d < 0) error("invalid unicode escape in string");
            v = v * 16 + static_cast<uint32_t>(d);
            ++pos_;
        }
        if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) error("invalid unicode escape in string");
        return v;
    }
};

// ---- registries.conf semantics --------------------------------------------

class ConfBuilder {
public:
    ConfBuilder(const TomlParser& p) : p_(p) {}

    RegistriesConf build(const std::vector<Table>& tables) {
        check_duplicate_tables(tables);
        for (const Table& t : tables) apply(t);
        if (v1_line_ && v2_line_)
            p_.error_at(std::max(v1_line_, v2_line_), "mixing v1 [registries.*] tables with v2 settings is not supported");
        return std::move(conf_);
    }

private:
    const TomlParser& p_;
    RegistriesConf conf_;
    int v1_line_ = 0, v2_line_ = 0;

    void check_duplicate_tables(const std::vector<Table>& tables) {
        for (size_t i = 1; i < tables.size(); ++i)
            for (size_t j = 1; j < i; ++j)
                if (tables[i].path == tables[j].path && (!tables[i].is_array || !tables[j].is_array))
                    p_.error_at(tables[i].line, "table [{}] is defined more than once", fmt::join(tables[i].path, "."));
    }

    std::string want_string(const std::string& where, const Value& v) {
        if (v.kind != Value::String) p_.error_at(v.line, "{} must be a string", where);
        return v.str;
    }
    bool want_bool(const std::string& where, const Value& v) {
        if (v.kind != Value::Bool) p_.error_at(v.line, "{} must be a boolean", where);
        return v.boolean;
    }
    std::vector<std::string> want_strings(const std::string& where, const Value& v) {
        if (v.kind != Value::Array) p_.error_at(v.line, "{} must be an array of strings", where);
        std::vector<std::string> out;
        for (const Value& e : v.array) {
            if (e.kind != Value::String) p_.error_at(e.line, "{} must be an array of strings", where);
            out.push_back(e.str);
        }
        return out;
    }

    void apply(const Table& t) {
        const auto& p = t.path;
        if (p.empty()) {
            apply_root(t);
        } else if (p[0] == "registry") {
            if (!t.is_array) p_.error_at(t.line, "[{}] must be an array of tables ([[{}]])", fmt::join(p, "."), fmt::join(p, "."));
            if (p.size() == 1) {
                apply_registry(t);
            } else if (p.size() == 2 && p[1] == "mirror") {
                apply_mirror(t);
            }
        } else if (p[0] == "aliases" && p.size() == 1) {
            if (t.is_array) p_.error_at(t.line, "[[aliases]] must be a table ([aliases])");
            for (const auto& [k, v] : t.keys) conf_.aliases[k] = want_string("alias \"" + k + "\"", v);
        } else if (p[0] == "registries" && p.size() == 2) {
            apply_v1(t);
        }
    }

    void apply_root(const Table& t) {
        for (const auto& [k, v] : t.keys) {
            if (k == "unqualified-search-registries") {
                conf_.unqualified_search = want_strings(k, v);
                conf_.has_unqualified_search = true;
                v2_line_ = v2_line_ ? v2_line_ : v.line;
            }
        }
    }

    static std::string trim_slash(std::string s) {
        while (s.size() > 1 && s.back() == '/') s.pop_back();
        return s;
    }

    void apply_registry(const Table& t) {
        v2_line_ = v2_line_ ? v2_line_ : t.line;
        RegistryEntry e;
        for (const auto& [k, v] : t.keys) {
            if (k == "prefix") e.prefix = trim_slash(want_string("registry.prefix", v));
            else if (k == "location") e.location = trim_slash(want_string("registry.location", v));
            else if (k == "insecure") e.insecure = want_bool("registry.insecure", v);
            else if (k == "blocked") e.blocked = want_bool("registry.blocked", v);
            else if (k == "mirror-by-digest-only") want_bool("registry.mirror-by-digest-only", v);
        }
        if (e.prefix.empty() && e.location.empty()) p_.error_at(t.line, "[[registry]] needs a prefix or a location");
        if (e.prefix.empty()) e.prefix = e.location;
        bool wildcard = e.prefix.rfind("*.", 0) == 0;
        if (e.prefix.find('*') != std::string::npos && (!wildcard || e.prefix.find('*', 1) != std::string::npos ||
                                                        e.prefix.find('/') != std::string::npos))
            p_.error_at(t.line, "registry prefix \"{}\": a wildcard is only allowed as a leading \"*.\" of a host", e.prefix);
        if (e.location.empty() && !wildcard) e.location = e.prefix;
        for (const auto& o : conf_.registries)
            if (o.prefix == e.prefix) p_.error_at(t.line, "registry prefix \"{}\" is defined more than once", e.prefix);
        conf_.registries.push_back(std::move(e));
    }

    void apply_mirror(const Table& t) {
        if (conf_.registries.empty()) p_.error_at(t.line, "[[registry.mirror]] must follow a [[registry]]");
        std::string location;
        for (const auto& [k, v] : t.keys) {
            if (k == "location") location = trim_slash(want_string("registry.mirror.location", v));
            else if (k == "insecure") want_bool("registry.mirror.insecure", v);
        }
        if (location.empty()) p_.error_at(t.line, "[[registry.mirror]] needs a location");
        conf_.registries.back().mirrors.push_back(std::move(location));
    }

    RegistryEntry& entry_for(const std::string& host) {
        for (auto& e : conf_.registries)
            if (e.prefix == host) return e;
        conf_.registries.push_back(RegistryEntry{host, host, false, false, {}});
        return conf_.registries.back();
    }

    void apply_v1(const Table& t) {
        const std::string& which = t.path[1];
        if (which != "search" && which != "insecure" && which != "block") return;
        v1_line_ = v1_line_ ? v1_line_ : t.line;
        for (const auto& [k, v] : t.keys) {
            if (k != "registries") continue;
            std::vector<std::string> hosts = want_strings("registries." + which + ".registries", v);
            if (which == "search") {
                conf_.unqualified_search = hosts;
                conf_.has_unqualified_search = true;
            }
            for (const auto& h : hosts) {
                if (which == "insecure") entry_for(h).insecure = true;
                if (which == "block") entry_for(h).blocked = true;
            }
        }
    }
};

std::string_view host_of(std::string_view ref) { return ref.substr(0, ref.find('/')); }

// Length of the match of `prefix` against `ref`, or -1.
long match_len(std::string_view prefix, std::string_view ref) {
    if (prefix.rfind("*.", 0) == 0) {
        std::string_view host = host_of(ref);
        std::string_view suffix = prefix.substr(1);  // ".example.com"
        if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix)
            return static_cast<long>(prefix.size());
        return -1;
    }
    if (ref.size() < prefix.size() || ref.substr(0, prefix.size()) != prefix) return -1;
    if (ref.size() == prefix.size()) return static_cast<long>(prefix.size());
    char next = ref[prefix.size()];
    // A bare host does not match "host:port": that is another registry.
    if (next == '/' || next == '@' || (next == ':' && prefix.find('/') != std::string_view::npos))
        return static_cast<long>(prefix.size());
    return -1;
}

bool is_regular_file(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

void merge_file(RegistriesConf& conf, const std::string& path) {
    auto text = read_file_if_exists(path);
    if (text) conf.merge(parse_registries_conf(*text, path));
}

void merge_dropins(RegistriesConf& conf, const std::string& dir) {
    std::vector<std::string> names = list_dir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& n : names) {
        if (n.size() <= 5 || n.substr(n.size() - 5) != ".conf") continue;
        std::string path = join_path(dir, n);
        if (is_regular_file(path)) merge_file(conf, path);
    }
}

std::string user_config_dir() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    if (xdg && *xdg) return join_path(xdg, "containers");
    const char* home = std::getenv("HOME");
    if (home && *home) return join_path(join_path(home, ".config"), "containers");
    return "";
}

}  // namespace

const RegistryEntry* RegistriesConf::find(std::string_view ref) const {
    const RegistryEntry* best = nullptr;
    long best_len = -1;
    for (const auto& e : registries) {
        long n = match_len(e.prefix, ref);
        if (n > best_len) {
            best = &e;
            best_len = n;
        }
    }
    return best;
}

bool RegistriesConf::insecure(std::string_view ref) const {
    const RegistryEntry* e = find(ref);
    return e && e->insecure;
}

bool RegistriesConf::blocked(std::string_view ref) const {
    const RegistryEntry* e = find(ref);
    return e && e->blocked;
}

std::vector<ImageRef> RegistriesConf::candidates(std::string_view input) const {
    ImageRef docker_default = parse_image_ref(input);  // validates the input whatever happens next
    if (has_explicit_registry(input)) return {docker_default};
    std::string_view name = input.substr(0, input.find('@'));
    if (size_t colon = name.rfind(':'); colon != std::string_view::npos) name = name.substr(0, colon);
    std::string_view suffix = input.substr(name.size());  // ":tag", "@digest" or both
    if (auto it = aliases.find(std::string(name)); it != aliases.end()) {
        if (!has_explicit_registry(it->second))
            fail(ErrorKind::Usage, "alias \"{}\" -> \"{}\": the target must name a registry", it->first, it->second);
        return {parse_image_ref(it->second + std::string(suffix))};
    }
    if (unqualified_search.empty()) return {docker_default};
    std::vector<ImageRef> out;
    for (const auto& reg : unqualified_search) out.push_back(parse_image_ref(reg + "/" + std::string(input)));
    return out;
}

void RegistriesConf::merge(RegistriesConf later) {
    if (later.has_unqualified_search) {
        unqualified_search = std::move(later.unqualified_search);
        has_unqualified_search = true;
    }
    for (auto& e : later.registries) {
        auto it = std::find_if(registries.begin(), registries.end(), [&](const RegistryEntry& o) { return o.prefix == e.prefix; });
        if (it != registries.end()) *it = std::move(e);
        else registries.push_back(std::move(e));
    }
    for (auto& [k, v] : later.aliases) aliases[k] = std::move(v);
}

RegistriesConf parse_registries_conf(std::string_view text, std::string_view filename) {
    TomlParser parser(text, filename);
    std::vector<Table> tables = parser.parse();
    return ConfBuilder(parser).build(tables);
}

RegistriesConf load_registries_conf() {
    RegistriesConf conf;
    if (const char* env = std::getenv("CONTAINERS_REGISTRIES_CONF"); env && *env) {
        merge_file(conf, env);
        return conf;
    }
    std::string user_dir = host_identity().rootless ? user_config_dir() : "";
    std::string user_file = user_dir.empty() ? "" : join_path(user_dir, "registries.conf");
    merge_file(conf, !user_file.empty() && path_exists(user_file) ? user_file : "/etc/containers/registries.conf");
    merge_dropins(conf, "/etc/containers/registries.conf.d");
    if (!user_dir.empty()) merge_dropins(conf, join_path(user_dir, "registries.conf.d"));
    return conf;
}

}  // namespace conman
