// containers-registries.conf(5): which registries to search for short names,
// short-name aliases, and per-registry insecure/blocked settings.
//
// The reader understands the TOML subset these files use: comments, "..." and
// '...' strings, booleans, integers, arrays (may span lines), [table],
// [[array of tables]] and key = value (bare or quoted keys, no dotted keys,
// no inline tables). Both file versions are read:
//   v2: unqualified-search-registries = [...], [[registry]] prefix/location/
//       insecure/blocked, [[registry.mirror]] location/insecure, [aliases]
//   v1: [registries.search|insecure|block] registries = [...]
// Mixing v1 and v2 tables in one file is an error, as in containers/image.
// Unknown keys are ignored; known keys with the wrong type are errors.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "conman/image_ref.hpp"

namespace conman {

struct RegistryEntry {
    std::string prefix;    // "quay.io", "quay.io/ns", "*.example.com"; defaults to location
    std::string location;  // where to pull from; defaults to prefix
    bool insecure = false;
    bool blocked = false;
    std::vector<std::string> mirrors;  // mirror locations, in file order (not used for pulls yet)
    bool operator==(const RegistryEntry&) const = default;
};

struct RegistriesConf {
    std::vector<std::string> unqualified_search;
    bool has_unqualified_search = false;  // the key was present (an empty list clears earlier files)
    std::vector<RegistryEntry> registries;
    std::map<std::string, std::string> aliases;  // short name -> fully qualified name

    // The entry whose prefix matches `ref` ("host", "host/ns/repo", "host/repo:tag") with the
    // longest prefix. A prefix matches when it equals ref or is followed in ref by "/" or "@"
    // (or ":" when the prefix already has a path, i.e. a tag). "*.example.com" matches any
    // subdomain host of example.com. nullptr when none matches.
    const RegistryEntry* find(std::string_view ref) const;
    bool insecure(std::string_view ref) const;
    bool blocked(std::string_view ref) const;

    // References to try, in order, for a user's input. A name with a registry is just parsed.
    // A short name matching an alias (by name, without tag/digest) becomes the alias target
    // with the input's tag/digest. Otherwise each unqualified-search registry is tried in
    // order; with none configured conman falls back to docker.io (Docker's behaviour).
    std::vector<ImageRef> candidates(std::string_view input) const;

    // Applies a later file on top: registries with the same prefix are replaced, aliases
    // overridden, unqualified-search-registries replaced when the later file sets it.
    void merge(RegistriesConf later);
};

// Throws Error(Usage) "FILENAME:LINE: reason" for malformed input.
RegistriesConf parse_registries_conf(std::string_view text, std::string_view filename);

// $CONTAINERS_REGISTRIES_CONF alone when set. Otherwise the user's
// $XDG_CONFIG_HOME/containers/registries.conf (~/.config/...) for non-root when it
// exists, else /etc/containers/registries.conf; then the *.conf drop-ins of
// /etc/containers/registries.conf.d and, for non-root, the user's registries.conf.d,
// each directory in name order. Missing files are fine.
RegistriesConf load_registries_conf();

}  // namespace conman
