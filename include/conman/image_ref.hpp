// Image references: "[registry[:port]/]path[:tag][@digest]", parsed and
// normalised the way Docker and podman do (distribution/reference grammar).
//
// Grammar, in short:
//   path components  lowercase [a-z0-9]+ joined by ".", "_", "__" or runs of "-",
//                    separated by "/"; an uppercase repository is an error
//   registry         the first component when it is "localhost", contains "."
//                    or ":", or has an uppercase letter; "index.docker.io" is
//                    rewritten to "docker.io"
//   tag              [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest           "sha256:" + 64 lowercase hex (the only algorithm conman verifies)
//   name             registry/repository, at most 255 characters
//
// Short-name policy: parse_image_ref() puts a reference without a registry on
// docker.io ("busybox" -> "docker.io/library/busybox"), as Docker does. The
// puller first asks RegistriesConf::candidates() (registries_conf.hpp), which
// applies [aliases] and unqualified-search-registries when registries.conf
// sets them and otherwise yields exactly this docker.io reference.
// "library/" is added only on docker.io and only to one-component paths:
// "127.0.0.1:5000/busybox" and "127.0.0.1:5000/library/busybox" differ.
#pragma once
#include <string>
#include <string_view>

namespace conman {

struct ImageRef {
    std::string registry;    // "docker.io", "quay.io", "127.0.0.1:5000", "[::1]:5000"
    std::string repository;  // "library/busybox"
    std::string tag;         // "latest" when neither tag nor digest was given; "" for digest-only
    std::string digest;      // "sha256:<64 hex>" or ""; with both set, pulls go by digest

    std::string name() const;      // "docker.io/library/busybox"
    std::string string() const;    // name:tag, name@digest or name:tag@digest
    std::string api_host() const;  // "registry-1.docker.io" for docker.io, else registry
    bool operator==(const ImageRef&) const = default;
};

// Throws Error(Usage) naming the input and the reason: bad tag, bad digest,
// uppercase repository, name too long, a bare 64-hex image ID, ...
ImageRef parse_image_ref(std::string_view s);

// True when the input names its registry (the first "/"-component is a
// host by the rules above). Does not validate the rest.
bool has_explicit_registry(std::string_view input);

// True for exactly 64 lowercase hex characters: a full image ID. Shorter ID
// prefixes are resolved by the image store, not here.
bool looks_like_image_id(std::string_view s);

}  // namespace conman
