// Pieces shared by import and commit (image module): new image configs, the
// history entries they append, and the Docker schema2 manifest for
// `commit --format docker`. Plain functions over JSON and files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/image_store.hpp"

namespace conman {

// "2026-11-23T08:19:20.298304783Z": RFC 3339 in UTC, as image configs carry it.
std::string rfc3339_utc(int64_t ns);

// A config with this host's os/architecture/variant, created at created_ns,
// an empty run config, no layers and no history.
nlohmann::json new_image_config(int64_t created_ns);

// Appends diff_id to rootfs.diff_ids and one history entry for it.
void append_layer(nlohmann::json& cfg, const std::string& diff_id, int64_t created_ns, const std::string& created_by,
                  const std::string& comment, const std::string& author);

// The sha256 digest and size of a file.
LayerBlob describe_blob(const std::string& path);

// A Docker schema2 manifest for config_body and the layers (media types
// mapped to Docker's where it has one).
std::string docker_manifest(const std::string& config_body, const std::vector<LayerBlob>& layers);

}  // namespace conman
