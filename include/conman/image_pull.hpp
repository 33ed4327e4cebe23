// Pulling an image: resolve the name (registries.conf), fetch the manifest
// (choosing this host's platform from an index), the config and the layers
// (in parallel, verified by size, digest and diff_id), unpack each layer
// into staging, and commit everything at once under the image-store lock.
// A failed or interrupted pull leaves no image record and no layer.
#pragma once
#include <optional>
#include <string>

#include "conman/context.hpp"
#include "conman/image_store.hpp"

namespace conman {

struct PullOptions {
    std::optional<bool> tls_verify;  // --tls-verify; unset: registries.conf decides
    std::string authfile;            // --authfile; "" = the default auth.json
    std::string platform;            // --platform os/arch[/variant]; "" = this host
    std::string cert_dir;            // --cert-dir; "" = the certs.d directories
    bool quiet = false;              // -q: no progress output
    int progress_fd = 2;             // where progress goes
};

// What crosses into the image module for a pull.
struct PullRequest {
    std::string input;
    PullOptions options;
};

// Pulls input (a name, short name or name@digest) and returns its record.
// Runs in the image module, loaded on first use (image_pull_loader.cpp).
ImageRecord pull_image(const Context& ctx, const std::string& input, const PullOptions& o);
// The same, in this process's own copy of the pull code (module and tests).
ImageRecord pull_image_here(const Context& ctx, const std::string& input, const PullOptions& o);

// --pull policies for run/create.
enum class PullPolicy { Missing, Always, Never, Newer };
PullPolicy parse_pull_policy(const std::string& s);  // throws Usage
// The local image for ref, pulling it as the policy says.
ImageRecord ensure_image(const Context& ctx, const std::string& ref, PullPolicy policy, const PullOptions& o);

}  // namespace conman
