// Image verbs below the CLI: tag, untag, remove, prune, inspect. Changes
// take the image-store lock, then (for the in-use check) the container
// store's shared lock: always in that order.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/context.hpp"
#include "conman/image_store.hpp"

namespace conman {

ImageRecord require_image(const Context& ctx, const std::string& ref);  // throws NotFound
void tag_image(const Context& ctx, const std::string& ref, const std::string& new_name);
void untag_image(const Context& ctx, const std::string& ref, const std::vector<std::string>& names);

struct RemovedImage {
    std::vector<std::string> untagged;  // names removed
    std::string deleted;                // image ID, "" when only a name was removed
};
// Removes a name, or the whole image when ref is its ID or its last name.
// force: also removes containers that use it (podman's rmi -f).
RemovedImage remove_image(const Context& ctx, const std::string& ref, bool force);
// Dangling images (no names) not used by containers; all: every unused one.
std::vector<std::string> prune_images(const Context& ctx, bool all);
// podman's image inspect shape.
nlohmann::json image_inspect_json(const Context& ctx, const ImageRecord& r);

}  // namespace conman
