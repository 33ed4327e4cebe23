// The image store under <root>/images: content-addressed blobs, unpacked
// layers keyed by ChainID (shared between images), and one record per
// image (keyed by its config digest) with its names and repo digests.
//
//   blobs/sha256/<hex>          manifests, configs, compressed layers
//   layers/<chain hex>/diff/    a layer unpacked in overlay form
//   l/<short>                   short links to layer diffs for overlay mounts
//   records/<image id>.json     ImageRecord (atomic writes)
//   tmp/                        staging; anything here is unfinished work
//   lock                        taken exclusively to commit or remove
//
// Everything becomes visible by rename(2) only once complete, so an
// interrupted pull leaves nothing but tmp/ debris (cleared by the next
// pull). ImageStore owns no fds; callers hold lock() while changing it.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/context.hpp"
#include "conman/fd.hpp"
#include "conman/lock.hpp"

namespace conman {

struct LayerBlob {
    std::string digest, media_type;
    int64_t size = 0;
};

struct ImageRecord {
    std::string id;                    // config digest hex (64)
    std::vector<std::string> names;    // "docker.io/library/busybox:latest"
    std::vector<std::string> digests;  // "docker.io/library/busybox@sha256:<manifest or index>"
    std::string manifest_digest;       // the platform manifest we unpacked
    std::string manifest_media_type;
    std::string config_digest;
    std::vector<std::string> chain_ids;  // bottom layer first
    std::vector<std::string> diff_ids;
    std::vector<LayerBlob> layer_blobs;  // as in the manifest, same order
    int64_t created = 0;                 // from the config
    int64_t pulled = 0;                  // when it came into the store
    int64_t size = 0;                    // unpacked bytes
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(LayerBlob, digest, media_type, size)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ImageRecord, id, names, digests, manifest_digest,
                                                manifest_media_type, config_digest, chain_ids, diff_ids,
                                                layer_blobs, created, pulled, size)

class ImageStore {
public:
    explicit ImageStore(const Context& ctx);

    FileLock lock() const;  // exclusive, bounded

    std::vector<ImageRecord> list() const;  // newest first; corrupt records are skipped
    std::optional<ImageRecord> by_id(const std::string& id) const;
    // A record file for id exists, readable or not (a damaged one by_id hides).
    bool has_record_file(const std::string& id) const;
    // Resolves what a user typed: a full or short ID ("sha256:" optional),
    // a name (normalised: busybox -> docker.io/library/busybox:latest), or
    // name@digest. nullopt when nothing matches; throws on an ambiguous ID prefix.
    std::optional<ImageRecord> find(const std::string& ref) const;
    void save(const ImageRecord& r) const;
    void remove_record(const std::string& id) const;
    // Moves name to image id, taking it away from any other image.
    void assign_name(const std::string& name, const std::string& id) const;

    std::string blob_path(const std::string& digest) const;
    bool has_blob(const std::string& digest) const;
    std::string layer_dir(const std::string& chain_id) const;  // .../layers/<hex>
    std::string layer_diff(const std::string& chain_id) const;  // .../layers/<hex>/diff
    bool has_layer(const std::string& chain_id) const;
    std::string links_dir() const { return root_ + "/l"; }
    std::string tmp_dir() const { return root_ + "/tmp"; }
    // A fresh private directory under tmp/ (removed by the caller or the next cleanup).
    std::string make_tmp(const std::string& what) const;
    // Layers and blobs no image record refers to any more (call under lock()).
    std::vector<std::string> unused_layers() const;
    std::vector<std::string> unused_blobs() const;
    void remove_layer(const std::string& chain_id) const;
    void remove_blob(const std::string& digest) const;
    // Removes leftovers of interrupted work in tmp/ older than max_age_s.
    void clean_tmp(int64_t max_age_s) const;
    const std::string& root() const { return root_; }

private:
    std::string root_;
};

// Staging in tmp/ is locked (flock on the directory) while its work runs, so
// that cleanups can tell live work from debris of a killed one.
UniqueFd lock_staging(const std::string& path);
bool staging_in_use(const std::string& path);

// Normalises an image name the way records store it; "" when s is not a name.
std::string normalize_image_name(const std::string& s);
// The name for an image made here (tag, commit, import): as above, except
// that a name without a registry goes under localhost/ (podman's rule), not
// docker.io/library/. find() looks short names up under both.
std::string local_image_name(const std::string& s);

}  // namespace conman
