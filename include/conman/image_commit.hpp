// Entering an image into the store (part of the image module): the last step
// of a pull, and the whole of load, import and commit. Layers are unpacked
// into staging under the store's tmp/ without any lock; only the final
// renames and the record take the store lock, so a failure or a kill before
// that leaves no record and no layer, and two writers of one image both
// succeed and store it once.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "conman/context.hpp"
#include "conman/image_store.hpp"
#include "conman/manifest.hpp"

namespace conman {

// A private directory under the store's tmp/, removed when it goes out of
// scope, whether the work in it was committed (renamed away) or failed. It
// is locked while it lives: cleanups skip it (see staging_in_use).
class StagingDir {
public:
    StagingDir(const ImageStore& store, const std::string& what)
        : path_(store.make_tmp(what)), lock_(lock_staging(path_)) {}
    ~StagingDir();
    StagingDir(const StagingDir&) = delete;
    StagingDir& operator=(const StagingDir&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
    UniqueFd lock_;
};

// One layer the store lacked, staged: blob_tmp is the verified blob,
// dir_tmp/diff the unpacked layer.
struct StagedLayer {
    size_t index = 0;  // in the manifest
    std::string chain_id, blob_tmp, dir_tmp;
    int64_t size = 0;  // unpacked bytes
};

// An image whose manifest, config and missing layers are ready.
struct StagedImage {
    std::string manifest_digest, manifest_media_type, manifest_body;
    Manifest manifest;
    std::string config_body;
    ImageConfig config;
    std::vector<StagedLayer> layers;
    // The config and manifest already written (and synced) into staging by
    // stage_small_blobs, or "": commit_image then writes them itself.
    std::string config_tmp, manifest_tmp;
    std::string repo_digest;          // "NAME@sha256:..." added to the record's digests, or ""
    std::vector<std::string> names;   // full names moved to this image
};

// Writes img's config and manifest into staging and sets config_tmp and
// manifest_tmp, so that their fsyncs happen off the commit's critical path
// (run it on a thread while the layers download).
void stage_small_blobs(StagedImage& img, const std::string& staging);

// Images need root for now: unpacking a layer sets owners, which an ordinary
// user can do only inside a user namespace (not done yet). Throws a clear
// Usage error naming `what` when not root.
void require_image_privileges(const std::string& what);

// Renames the staged layers and blobs into place and writes the record,
// under the store lock. Layers or blobs that appeared meanwhile are kept.
ImageRecord commit_image(const ImageStore& store, const StagedImage& img);

// Runs fn(0..n-1) on up to `threads` threads; the first exception is
// rethrown once all threads stopped (later items are skipped after it).
void parallel_for(size_t n, size_t threads, const std::function<void(size_t)>& fn);

// An image from local files (load, import, commit).
struct LocalImage {
    // The manifest's exact bytes; empty: an OCI manifest is written for the
    // config and the layers (media types from the blobs' magic bytes).
    std::string manifest_body, manifest_media_type;
    std::string config_body;                // exact bytes (the image ID is their digest)
    std::vector<std::string> layer_paths;   // one blob file per layer, in order
    std::vector<std::string> names;         // full names moved to this image
    std::string what;                       // names the source in errors ("archive x.tar")
};

// Verifies every blob against the manifest (digest, size) and every layer
// against the config's diff_ids, unpacks the layers the store lacks, and
// commits. The layer files are copied, never moved or changed.
ImageRecord store_local_image(const Context& ctx, const LocalImage& img);

// The OCI media type for a layer blob by its first bytes: tar+gzip,
// tar+zstd or plain tar.
std::string layer_media_type_of(const std::string& blob_path);

}  // namespace conman
