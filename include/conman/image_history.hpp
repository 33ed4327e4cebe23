// `conman history`: an image's history entries (from its config) matched to
// its layers the way podman does it, newest first. Entries with empty_layer
// have size 0; the newest entry carries the image's ID, an entry whose layer
// is the top layer of another local image carries that image's ID, the
// others show "<missing>".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "conman/context.hpp"

namespace conman {

struct HistoryEntry {
    std::string id;  // full image ID or "<missing>"
    int64_t created = 0;  // ns since the epoch, 0 when unknown
    std::string created_by, comment;
    int64_t size = 0;                // the layer's unpacked size
    std::vector<std::string> tags;   // names of the images whose top layer this is
};

std::vector<HistoryEntry> image_history(const Context& ctx, const std::string& ref);

}  // namespace conman
