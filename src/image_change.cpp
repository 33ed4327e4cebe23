// --change instructions: parsing and applying (see image_change.hpp).
#include "conman/image_change.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "conman/error.hpp"
#include "conman/runtime.hpp"

namespace conman {

namespace {

using json = nlohmann::json;

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

struct Bad {
    std::string_view text;
    template <typename... Args>
    [[noreturn]] void operator()(fmt::format_string<Args...> f, Args&&... args) const {
        fail(ErrorKind::Usage, "invalid change \"{}\": {}", text, fmt::format(f, std::forward<Args>(args)...));
    }
};

// A JSON array of strings, or nullopt when value is not JSON-array shaped.
std::optional<std::vector<std::string>> json_strings(std::string_view value, const Bad& bad) {
    if (value.empty() || value.front() != '[') return std::nullopt;
    json j = json::parse(value, nullptr, false);
    if (j.is_discarded() || !j.is_array()) bad("not a valid JSON array");
    std::vector<std::string> out;
    for (auto& e : j) {
        if (!e.is_string()) bad("the JSON array must hold strings only");
        out.push_back(e.get<std::string>());
    }
    return out;
}

// CMD and ENTRYPOINT: exec form (JSON array) or shell form.
std::vector<std::string> command_form(std::string_view value, const Bad& bad) {
    if (auto a = json_strings(value, bad)) return *a;
    if (value.empty()) return {};
    return {"/bin/sh", "-c", std::string(value)};
}

// ENV and LABEL: KEY=VALUE words, or the older "KEY VALUE" form (one pair,
// the value being the rest of the line).
std::vector<std::pair<std::string, std::string>> key_values(std::string_view value, const Bad& bad, bool is_env) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t first_blank = 0;
    while (first_blank < value.size() && !is_blank(value[first_blank])) ++first_blank;
    std::string_view first = value.substr(0, first_blank);
    if (first.find('=') == std::string_view::npos) {
        std::string_view rest = trim(value.substr(first_blank));
        if (rest.empty()) bad("expected KEY=VALUE or KEY VALUE");
        out.emplace_back(std::string(first), std::string(rest));
    } else {
        for (auto& w : split_quoted_words(value)) {
            auto eq = w.find('=');
            if (eq == std::string::npos) bad("\"{}\" is not KEY=VALUE", w);
            out.emplace_back(w.substr(0, eq), w.substr(eq + 1));
        }
    }
    for (auto& [k, v] : out) {
        if (k.empty()) bad("a key is empty");
        if (is_env && k.find_first_of("= \t") != std::string::npos) bad("invalid variable name \"{}\"", k);
    }
    return out;
}

std::vector<std::string> exposed_ports(std::string_view value, const Bad& bad) {
    std::vector<std::string> out;
    for (auto& w : split_quoted_words(value)) {
        std::string port = w, proto = "tcp";
        if (auto slash = w.find('/'); slash != std::string::npos) {
            port = w.substr(0, slash);
            proto = w.substr(slash + 1);
            std::transform(proto.begin(), proto.end(), proto.begin(), ::tolower);
        }
        if (proto != "tcp" && proto != "udp" && proto != "sctp") bad("unknown protocol \"{}\" in \"{}\"", proto, w);
        if (port.empty() || port.size() > 5 || !std::all_of(port.begin(), port.end(), ::isdigit) ||
            std::stoi(port) < 1 || std::stoi(port) > 65535)
            bad("\"{}\" is not a port number (1-65535)", port);
        out.push_back(std::to_string(std::stoi(port)) + "/" + proto);
    }
    return out;
}

// Resolves ".", ".." and repeated slashes of an absolute path.
std::string clean_abs_path(const std::string& p) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= p.size()) {
        size_t j = p.find('/', i);
        if (j == std::string::npos) j = p.size();
        std::string c = p.substr(i, j - i);
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
        } else if (!c.empty() && c != ".") {
            parts.push_back(c);
        }
        i = j + 1;
    }
    std::string out;
    for (auto& c : parts) out += "/" + c;
    return out.empty() ? "/" : out;
}

json& run_config(json& image_config) {
    if (!image_config.is_object()) image_config = json::object();
    json& c = image_config["config"];
    if (!c.is_object()) c = json::object();
    return c;
}

json& object_at(json& c, const char* key) {
    json& o = c[key];
    if (!o.is_object()) o = json::object();
    return o;
}

}  // namespace

std::vector<std::string> split_quoted_words(std::string_view s) {
    std::vector<std::string> out;
    std::string cur;
    bool in_word = false;
    char quote = 0;
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (quote) {
            if (c == quote) quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) cur += s[++i];
            else cur += c;
        } else if (is_blank(c)) {
            if (in_word) out.push_back(std::move(cur));
            cur.clear();
            in_word = false;
        } else {
            in_word = true;
            if (c == '"' || c == '\'') quote = c;
            else if (c == '\\' && i + 1 < s.size()) cur += s[++i];
            else cur += c;
        }
    }
    if (quote) fail(ErrorKind::Usage, "unterminated {} quote in \"{}\"", quote, s);
    if (in_word) out.push_back(std::move(cur));
    return out;
}

ConfigChange parse_config_change(std::string_view text) {
    Bad bad{text};
    std::string_view t = trim(text);
    size_t n = 0;
    while (n < t.size() && std::isalpha(static_cast<unsigned char>(t[n]))) ++n;
    std::string word(t.substr(0, n));
    std::transform(word.begin(), word.end(), word.begin(), ::toupper);
    if (word.empty()) bad("expected an instruction such as CMD, ENV or LABEL");
    std::string_view value;
    if (n < t.size()) {
        if (t[n] != '=' && !is_blank(t[n])) bad("expected INSTRUCTION VALUE");
        value = trim(t.substr(n + 1));
    }
    using K = ConfigChange::Kind;
    static const std::pair<const char*, K> kinds[] = {
        {"CMD", K::Cmd},         {"ENTRYPOINT", K::Entrypoint}, {"ENV", K::Env},   {"EXPOSE", K::Expose},
        {"LABEL", K::Label},     {"ONBUILD", K::Onbuild},       {"STOPSIGNAL", K::StopSignal},
        {"USER", K::User},       {"VOLUME", K::Volume},         {"WORKDIR", K::Workdir},
    };
    auto it = std::find_if(std::begin(kinds), std::end(kinds), [&](auto& k) { return word == k.first; });
    if (it == std::end(kinds))
        bad("unknown instruction {} (use CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME or WORKDIR)",
            word);
    ConfigChange ch;
    ch.kind = it->second;
    if (value.empty() && ch.kind != K::Cmd && ch.kind != K::Entrypoint) bad("{} needs a value", word);
    switch (ch.kind) {
    case K::Cmd:
    case K::Entrypoint: ch.values = command_form(value, bad); break;
    case K::Env: ch.pairs = key_values(value, bad, true); break;
    case K::Label: ch.pairs = key_values(value, bad, false); break;
    case K::Expose: ch.values = exposed_ports(value, bad); break;
    case K::Volume: {
        auto a = json_strings(value, bad);
        ch.values = a ? *a : split_quoted_words(value);
        for (auto& v : ch.values)
            if (v.empty()) bad("a volume path is empty");
        break;
    }
    case K::StopSignal:
        try {
            parse_signal(std::string(value));
        } catch (const Error&) {
            bad("\"{}\" is not a signal", value);
        }
        ch.values = {std::string(value)};
        break;
    case K::User:
    case K::Workdir:
    case K::Onbuild: ch.values = {std::string(value)}; break;
    }
    return ch;
}

std::vector<ConfigChange> parse_config_changes(const std::vector<std::string>& texts) {
    std::vector<ConfigChange> out;
    for (auto& t : texts) out.push_back(parse_config_change(t));
    return out;
}

void apply_config_changes(json& image_config, const std::vector<ConfigChange>& changes) {
    using K = ConfigChange::Kind;
    for (const auto& ch : changes) {
        json& c = run_config(image_config);
        switch (ch.kind) {
        case K::Cmd:
        case K::Entrypoint: {
            const char* key = ch.kind == K::Cmd ? "Cmd" : "Entrypoint";
            if (ch.values.empty()) c.erase(key);
            else c[key] = ch.values;
            break;
        }
        case K::Env: {
            std::vector<std::string> env;
            if (c.contains("Env") && c["Env"].is_array())
                for (auto& e : c["Env"])
                    if (e.is_string()) env.push_back(e.get<std::string>());
            for (auto& [k, v] : ch.pairs) {
                auto same = [&k](const std::string& e) { return e.substr(0, e.find('=')) == k; };
                auto it = std::find_if(env.begin(), env.end(), same);
                if (it != env.end()) *it = k + "=" + v;
                else env.push_back(k + "=" + v);
            }
            c["Env"] = env;
            break;
        }
        case K::Label: {
            json& labels = object_at(c, "Labels");
            for (auto& [k, v] : ch.pairs) labels[k] = v;
            break;
        }
        case K::Expose: {
            json& ports = object_at(c, "ExposedPorts");
            for (auto& p : ch.values) ports[p] = json::object();
            break;
        }
        case K::Volume: {
            json& vols = object_at(c, "Volumes");
            for (auto& v : ch.values) vols[v] = json::object();
            break;
        }
        case K::StopSignal: c["StopSignal"] = ch.values[0]; break;
        case K::User: c["User"] = ch.values[0]; break;
        case K::Workdir: {
            const std::string& w = ch.values[0];
            std::string base = c.contains("WorkingDir") && c["WorkingDir"].is_string() ? c["WorkingDir"].get<std::string>() : "";
            c["WorkingDir"] = clean_abs_path(w[0] == '/' ? w : (base.empty() ? "/" : base) + "/" + w);
            break;
        }
        case K::Onbuild: {
            json& ob = c["OnBuild"];
            if (!ob.is_array()) ob = json::array();
            ob.push_back(ch.values[0]);
            break;
        }
        }
    }
}

}  // namespace conman
