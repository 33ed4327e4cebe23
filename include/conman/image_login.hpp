// Logging in to a registry: which auth.json key a `login`/`logout` argument
// names (podman's rules), and the credential check, which runs in the image
// module (conman_image_login_v1 in src/image_login.cpp) because it needs
// libcurl. Storing the credentials is the CLI's job (auth_file.hpp).
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "conman/context.hpp"
#include "conman/credentials.hpp"

namespace conman {

// A login/logout argument: "quay.io", "https://index.docker.io/v1/",
// "127.0.0.1:5000", or a namespaced "quay.io/team/app".
struct LoginTarget {
    std::string key;         // the auth.json key: "docker.io", "quay.io/team/app"
    std::string registry;    // the host part, docker.io aliases folded: "docker.io"
    std::string repository;  // "team/app" for a namespaced key, else ""
};
// URLs keep only their host[:port]; registry-1.docker.io and index.docker.io
// become docker.io. Throws Error(Usage) for an empty argument, a path whose
// first component is no host, or one with a tag or digest.
LoginTarget parse_login_target(std::string_view arg);
// The argument of login/logout, or when it is "" the first of
// registries.conf's unqualified-search-registries (podman's rule).
LoginTarget login_target_or_default(const std::string& arg, const char* verb);

// What crosses into the image module for a credential check.
struct LoginRequest {
    std::string registry;    // LoginTarget::registry
    std::string repository;  // LoginTarget::repository ("" = registry-wide)
    Credentials creds;
    std::optional<bool> tls_verify;  // unset: registries.conf decides
    std::string cert_dir;            // "" = certs.d defaults
};
struct LoginResult {
    bool ok = false;
};

// Throws Error "logging in to REGISTRY: invalid username or password" when
// the registry (or its token server) refuses creds; other failures name the
// registry too. Runs in the image module.
void check_login(const Context& ctx, const LoginRequest& req);

}  // namespace conman
