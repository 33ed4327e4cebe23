#include "conman/auth_file.hpp"

#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/userns.hpp"

namespace conman {

using nlohmann::json;

// ---- base64 ----------------------------------------------------------------

namespace {
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}
}  // namespace

std::string base64_encode(std::string_view data) {
    std::string out;
    out.reserve((data.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= data.size(); i += 3) {
        uint32_t v = static_cast<uint8_t>(data[i]) << 16 | static_cast<uint8_t>(data[i + 1]) << 8 | static_cast<uint8_t>(data[i + 2]);
        out += b64_alphabet[v >> 18];
        out += b64_alphabet[(v >> 12) & 63];
        out += b64_alphabet[(v >> 6) & 63];
        out += b64_alphabet[v & 63];
    }
    size_t rest = data.size() - i;
    if (rest) {
        uint32_t v = static_cast<uint8_t>(data[i]) << 16;
        if (rest == 2) v |= static_cast<uint8_t>(data[i + 1]) << 8;
        out += b64_alphabet[v >> 18];
        out += b64_alphabet[(v >> 12) & 63];
        out += rest == 2 ? b64_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                ++pad;
                v[k] = 0;
                continue;
            }
            if (pad) return std::nullopt;  // data after "="
            v[k] = b64_value(c);
            if (v[k] < 0) return std::nullopt;
        }
        uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
        out += static_cast<char>(n >> 16);
        if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
        if (pad < 1) out += static_cast<char>(n & 0xFF);
    }
    return out;
}

// ---- auth.json -------------------------------------------------------------

struct AuthFile::Doc {
    json j = json::object();
};

namespace {

std::string_view canonical_host(std::string_view host) {
    if (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
    return host;
}

// "https://index.docker.io/v1/" -> "docker.io"; "quay.io/ns/" -> "quay.io/ns".
std::string normalize_key(std::string_view key) {
    bool scheme = false;
    for (std::string_view p : {"http://", "https://"}) {
        if (key.substr(0, p.size()) == p) {
            key.remove_prefix(p.size());
            scheme = true;
        }
    }
    if (scheme) key = key.substr(0, key.find('/'));
    while (!key.empty() && key.back() == '/') key.remove_suffix(1);
    size_t slash = key.find('/');
    std::string_view host = key.substr(0, slash);
    std::string out(canonical_host(host));
    if (slash != std::string_view::npos) out += key.substr(slash);
    return out;
}

std::string json_error(const json::exception& e) {
    std::string_view w = e.what();
    if (size_t close = w.find("] "); w.substr(0, 1) == "[" && close != std::string_view::npos) w.remove_prefix(close + 2);
    return std::string(w);
}

json load_doc(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text || text->find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
    json j;
    try {
        j = json::parse(*text);
    } catch (const json::exception& e) {
        fail(ErrorKind::Usage, "auth file {}: invalid JSON: {}", path, json_error(e));
    }
    if (!j.is_object()) fail(ErrorKind::Usage, "auth file {}: top level must be a JSON object", path);
    if (j.contains("auths") && !j["auths"].is_object()) fail(ErrorKind::Usage, "auth file {}: \"auths\" must be an object", path);
    return j;
}

std::string string_field(const json& entry, const char* field, const std::string& file, const std::string& key) {
    auto it = entry.find(field);
    if (it == entry.end() || it->is_null()) return "";
    if (!it->is_string()) fail(ErrorKind::Usage, "auth file {}: entry \"{}\": \"{}\" must be a string", file, key, field);
    return it->get<std::string>();
}

std::optional<Credentials> decode_entry(const json& entry, const std::string& file, const std::string& key) {
    if (!entry.is_object()) fail(ErrorKind::Usage, "auth file {}: entry \"{}\" must be an object", file, key);
    Credentials c;
    std::string auth = string_field(entry, "auth", file, key);
    c.identity_token = string_field(entry, "identitytoken", file, key);
    if (!auth.empty()) {
        auto decoded = base64_decode(auth);
        if (!decoded) fail(ErrorKind::Usage, "auth file {}: entry \"{}\": \"auth\" is not valid base64", file, key);
        size_t colon = decoded->find(':');
        if (colon == std::string::npos)
            fail(ErrorKind::Usage, "auth file {}: entry \"{}\": \"auth\" must encode \"user:password\"", file, key);
        c.username = decoded->substr(0, colon);
        c.password = decoded->substr(colon + 1);
    }
    if (c.empty() && c.password.empty()) return std::nullopt;
    return c;
}

std::optional<Credentials> lookup(const json& doc, const std::string& file, std::string_view registry,
                                  std::string_view repository) {
    auto auths = doc.find("auths");
    if (auths == doc.end() || !auths->is_object()) return std::nullopt;
    std::string scope(canonical_host(registry));
    if (!repository.empty()) scope += "/" + std::string(repository);
    // Most specific first: host/ns/repo, host/ns, host.
    while (true) {
        if (auto it = auths->find(scope); it != auths->end()) {
            if (auto c = decode_entry(*it, file, it.key())) return c;
        }
        for (auto it = auths->begin(); it != auths->end(); ++it) {
            if (it.key() != scope && normalize_key(it.key()) == scope) {
                if (auto c = decode_entry(*it, file, it.key())) return c;
            }
        }
        size_t slash = scope.rfind('/');
        if (slash == std::string::npos) return std::nullopt;
        scope.resize(slash);
    }
}

std::string env_or_empty(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

}  // namespace

std::string AuthFile::default_path() {
    if (std::string p = env_or_empty("REGISTRY_AUTH_FILE"); !p.empty()) return p;
    if (std::string p = env_or_empty("XDG_RUNTIME_DIR"); !p.empty()) return p + "/containers/auth.json";
    if (host_identity().uid == 0) return "/run/containers/0/auth.json";
    // An ordinary user without XDG_RUNTIME_DIR (su, cron, ssh without a
    // session): their runtime dir if it exists, else their config dir.
    if (std::string run = fmt::format("/run/user/{}", host_identity().uid); path_exists(run)) return run + "/containers/auth.json";
    std::string home = env_or_empty("HOME");
    return (home.empty() ? std::string("/tmp") : home) + "/.config/containers/auth.json";
}

std::string AuthFile::default_docker_config() {
    if (std::string d = env_or_empty("DOCKER_CONFIG"); !d.empty()) return d + "/config.json";
    if (std::string h = env_or_empty("HOME"); !h.empty()) return h + "/.docker/config.json";
    return "";
}

AuthFile::AuthFile(std::string path)
    : path_(std::move(path)), docker_config_(default_docker_config()), doc_(std::make_unique<Doc>()) {
    doc_->j = load_doc(path_);
}

AuthFile::~AuthFile() = default;
AuthFile::AuthFile(AuthFile&&) noexcept = default;
AuthFile& AuthFile::operator=(AuthFile&&) noexcept = default;

std::optional<Credentials> AuthFile::get(std::string_view registry, std::string_view repository) const {
    if (auto c = lookup(doc_->j, path_, registry, repository)) return c;
    if (docker_config_.empty() || docker_config_ == path_) return std::nullopt;
    return lookup(load_doc(docker_config_), docker_config_, registry, repository);
}

void AuthFile::set(const std::string& registry, const Credentials& creds) {
    json& entry = doc_->j["auths"][registry];
    if (!entry.is_object()) entry = json::object();
    if (!creds.username.empty() || !creds.password.empty())
        entry["auth"] = base64_encode(creds.username + ":" + creds.password);
    else
        entry.erase("auth");
    if (!creds.identity_token.empty())
        entry["identitytoken"] = creds.identity_token;
    else
        entry.erase("identitytoken");
}

bool AuthFile::remove(const std::string& registry) {
    auto auths = doc_->j.find("auths");
    if (auths == doc_->j.end() || !auths->is_object()) return false;
    std::string want = normalize_key(registry);
    bool removed = false;
    for (auto it = auths->begin(); it != auths->end();) {
        if (it.key() == registry || normalize_key(it.key()) == want) {
            it = auths->erase(it);
            removed = true;
        } else {
            ++it;
        }
    }
    return removed;
}

size_t AuthFile::remove_all() {
    auto auths = doc_->j.find("auths");
    if (auths == doc_->j.end() || !auths->is_object()) return 0;
    size_t n = auths->size();
    *auths = json::object();
    return n;
}

void AuthFile::save() const {
    json out = doc_->j;
    if (!out.contains("auths")) out["auths"] = json::object();
    mkdir_p(dirname_of(path_), 0700);
    atomic_write(path_, out.dump(1, '\t') + "\n", 0600);
}

}  // namespace conman
