// --env-file parsing and the merging of environment lists (image defaults,
// env files, -e flags): pure string handling, kept apart from create so the
// fuzz target for env files links without the rest of the engine.
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "conman/engine.hpp"
#include "conman/error.hpp"

namespace conman {

namespace {

std::string env_key(const std::string& kv) { return kv.substr(0, kv.find('=')); }

// KEY alone takes the value from conman's environment, and is dropped when unset.
std::optional<std::string> expand_env_entry(const std::string& e) {
    if (e.find('=') != std::string::npos) return e;
    const char* v = std::getenv(e.c_str());
    if (!v) return std::nullopt;
    return e + "=" + v;
}

std::string trim(const std::string& s) {
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return "";
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

}  // namespace

std::vector<std::string> parse_env_file(const std::string& content, const std::string& filename) {
    std::vector<std::string> out;
    size_t start = 0;
    int lineno = 0;
    while (start < content.size()) {
        size_t end = content.find('\n', start);
        if (end == std::string::npos) end = content.size();
        std::string line = trim(content.substr(start, end - start));
        start = end + 1;
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        std::string key = env_key(line);
        if (key.empty() || key.find_first_of(" \t") != std::string::npos)
            fail(ErrorKind::Usage, "invalid environment variable in {} line {}: \"{}\"", filename, lineno, line);
        if (auto e = expand_env_entry(line)) out.push_back(*e);
    }
    return out;
}

std::vector<std::string> merge_env(const std::vector<std::string>& base, const std::vector<std::string>& add) {
    std::vector<std::string> out = base;
    for (auto& raw : add) {
        if (raw.empty() || raw[0] == '=') fail(ErrorKind::Usage, "invalid environment variable \"{}\"", raw);
        auto e = expand_env_entry(raw);
        if (!e) continue;
        std::string k = env_key(*e);
        bool replaced = false;
        for (auto& cur : out) {
            if (env_key(cur) == k) {
                cur = *e;
                replaced = true;
            }
        }
        if (!replaced) out.push_back(*e);
    }
    return out;
}

}  // namespace conman
