// Pushing a stored image to a registry: the blobs the store already holds
// (layers as pulled or built, the config, and the manifest's exact bytes),
// so the manifest digest on the registry is the one in the image's record.
// Blobs the registry already has are not uploaded again. Runs in the image
// module (conman_image_push_v1 in src/image_push.cpp).
#pragma once
#include <optional>
#include <string>

#include "conman/context.hpp"
#include "conman/credentials.hpp"

namespace conman {

struct PushOptions {
    std::optional<bool> tls_verify;      // --tls-verify; unset: registries.conf decides
    std::string authfile;                // --authfile; "" = the default auth.json
    std::string cert_dir;                // --cert-dir; "" = certs.d defaults
    std::optional<Credentials> creds;    // --creds: used instead of the auth file
    bool quiet = false;                  // -q: no progress output
    int progress_fd = 2;
};

// What crosses into the image module for a push.
struct PushRequest {
    std::string image;        // what the user typed: name, ID or name@digest
    std::string destination;  // "docker://HOST/REPO:TAG", "HOST/REPO[:TAG|@DIGEST]" or "" (the image's name)
    PushOptions options;
};
struct PushResult {
    std::string destination;      // the reference pushed to, normalised
    std::string manifest_digest;  // "sha256:..." of the manifest on the registry
};

// The destination reference a push goes to (transport prefix removed); ""
// when none was given. Throws Error(Usage) for another transport.
std::string push_destination_ref(const std::string& destination);

// Engine side: runs the push in the image module.
PushResult push_image(const Context& ctx, const std::string& image, const std::string& destination,
                      const PushOptions& o);
// The same, in this process's own copy of the push code (module and tests).
PushResult push_image_here(const Context& ctx, const std::string& image, const std::string& destination,
                           const PushOptions& o);

}  // namespace conman
