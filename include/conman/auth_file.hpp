// Registry credentials in the containers auth.json format, shared with podman
// and skopeo:  {"auths": {"HOST[/path]": {"auth": "base64(user:pass)",
// "identitytoken": "..."}}}. Keys and fields conman does not know are kept
// when the file is rewritten.
//
// Lookup (get) tries, most specific first, "host/ns/repo", "host/ns", "host";
// keys are compared after dropping an "http(s)://" scheme (and, with a scheme,
// everything after the host) and treating docker.io, index.docker.io and
// registry-1.docker.io as one host, so Docker's "https://index.docker.io/v1/"
// key serves docker.io. An exact key beats an equivalent spelling. When our
// file has nothing for the registry, Docker's config.json ($DOCKER_CONFIG/
// config.json, else ~/.docker/config.json) is consulted read-only.
// Entries without "auth" or "identitytoken" (credential helpers) are ignored.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "conman/credentials.hpp"

namespace conman {

// RFC 4648 base64 with padding (the standard alphabet).
std::string base64_encode(std::string_view data);
// nullopt for anything that is not canonical padded base64: bad characters,
// whitespace, missing or misplaced "=", a length that is not a multiple of 4.
std::optional<std::string> base64_decode(std::string_view text);

// Owns the parsed document of one auth file. Loading happens in the
// constructor; nothing is written until save().
class AuthFile {
public:
    // $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, else
    // /run/containers/<uid>/auth.json.
    static std::string default_path();
    // $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json ("" without HOME).
    static std::string default_docker_config();

    // Reads `path` if it exists (missing = empty). Throws Error(Usage) naming
    // the file when it is not valid JSON or "auths" is not an object.
    explicit AuthFile(std::string path);
    ~AuthFile();
    AuthFile(AuthFile&&) noexcept;
    AuthFile& operator=(AuthFile&&) noexcept;

    const std::string& path() const { return path_; }
    // Which Docker config to fall back to; "" disables the fallback.
    // Defaults to default_docker_config().
    void set_docker_config(std::string path) { docker_config_ = std::move(path); }

    // registry: "docker.io", "quay.io", "127.0.0.1:5000" (a docker.io spelling is fine);
    // repository: "library/busybox" or "" for a registry-wide lookup.
    // Throws Error(Usage) naming the file and key when an entry's "auth" is malformed.
    std::optional<Credentials> get(std::string_view registry, std::string_view repository = "") const;
    // Stores credentials under the key exactly as given ("quay.io" or "quay.io/ns").
    void set(const std::string& registry, const Credentials& creds);
    // Removes the key and every equivalent spelling of it; false if none was there.
    bool remove(const std::string& registry);
    // Removes every entry of "auths" (other top-level keys stay); returns how many.
    size_t remove_all();
    // atomic_write with mode 0600; missing parent directories are made 0700.
    void save() const;

private:
    struct Doc;
    std::string path_;
    std::string docker_config_;
    std::unique_ptr<Doc> doc_;
};

}  // namespace conman
