// Image history: see image_history.hpp.
#include "conman/image_history.hpp"

#include <cstdlib>
#include <map>
#include <set>

#include "conman/engine_images.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_store.hpp"
#include "conman/manifest.hpp"

namespace conman {

std::vector<HistoryEntry> image_history(const Context& ctx, const std::string& ref) {
    ImageStore store(ctx);
    ImageRecord r = require_image(ctx, ref);
    auto body = read_file_if_exists(store.blob_path(r.config_digest));
    if (!body) fail(ErrorKind::NotFound, "image {}: its config blob is missing", r.id.substr(0, 12));
    ImageConfig cfg = parse_image_config(*body);

    // Images by their top layer: the layer's history entry shows that image.
    std::map<std::string, std::vector<ImageRecord>> tops;
    for (auto& img : store.list()) {
        if (!img.chain_ids.empty()) tops[img.chain_ids.back()].push_back(img);
    }
    std::set<std::string> used;
    std::vector<HistoryEntry> out;
    long layer = static_cast<long>(r.chain_ids.size()) - 1;
    for (long x = static_cast<long>(cfg.history.size()) - 1; x >= 0; --x) {
        const auto& h = cfg.history[static_cast<size_t>(x)];
        HistoryEntry e;
        e.id = "<missing>";
        e.created = h.created;
        e.created_by = h.created_by;
        e.comment = h.comment;
        if (x == static_cast<long>(cfg.history.size()) - 1) {
            e.id = r.id;
            used.insert(r.id);
        }
        if (layer >= 0) {
            const std::string& chain = r.chain_ids[static_cast<size_t>(layer)];
            if (!h.empty_layer) {
                auto sz = read_file_if_exists(store.layer_dir(chain) + "/size");
                e.size = sz ? std::atoll(sz->c_str()) : 0;
            }
            if (auto it = tops.find(chain); it != tops.end()) {
                const ImageRecord* pick = &it->second.front();
                for (auto& img : it->second) {
                    if (img.id == r.id) pick = &img;
                    e.tags.insert(e.tags.end(), img.names.begin(), img.names.end());
                }
                if (used.insert(pick->id).second) e.id = pick->id;
            }
            if (!h.empty_layer) --layer;
        }
        out.push_back(std::move(e));
    }
    return out;
}

}  // namespace conman
