// Image layers: unpacking a layer blob into an overlay-form diff directory and
// packing a diff directory back into an OCI layer tar.
//
// Overlay form: a whiteout is a 0/0 character device with the hidden name, an
// opaque directory carries the xattr trusted.overlay.opaque=y (user.overlay.opaque
// when rootless). OCI form: `.wh.NAME` and `.wh..wh..opq` entries.
//
// Entry names: one or more leading "./" are stripped, as are "." components
// and repeated slashes. Absolute names, ".." components, writes through a
// symlink, hardlinks that do not name an earlier entry of the same layer and
// whiteouts through a symlink are rejected: the whole layer fails.
// Nothing here keeps state between calls; every fd and child process is owned
// by the call that made it and is gone when it returns or throws.
#pragma once
#include <cstdint>
#include <string>

namespace conman {

struct LayerStats {
    std::string diff_id;  // "sha256:..." of the whole decompressed stream, tar padding included
    int64_t size = 0;     // decompressed bytes
};

// The unpack server is the single-threaded process that forks the unpacking
// children. start_unpack_server starts it if this process has one thread and
// no server yet; call it before starting threads that call extract_layer (a
// first extract_layer call in a single-threaded process starts it too).
// stop_unpack_server ends it; call it when no extract_layer call is running.
void start_unpack_server();
void stop_unpack_server() noexcept;

// Starts the unpack server for the scope of a pull or load, stops it at the end.
struct UnpackServerScope {
    UnpackServerScope() { start_unpack_server(); }
    ~UnpackServerScope() { stop_unpack_server(); }
    UnpackServerScope(const UnpackServerScope&) = delete;
    UnpackServerScope& operator=(const UnpackServerScope&) = delete;
};

// Unpacks a layer blob (gzip with any number of members, zstd with any number
// of frames incl. skippable ones, or plain tar: decided by magic bytes) into
// dest_dir, which must exist and be empty. The writing happens in a child
// process chrooted into dest_dir. Numeric uid/gid, modes (incl. suid/sgid/sticky),
// mtimes, xattrs, hardlinks, symlinks (as is), devices and fifos are kept;
// overlay.* xattrs from the tar are dropped. If expected_diff_id is not empty
// it must match. On any failure dest_dir is emptied and Error is thrown,
// naming the layer, the entry and the reason.
LayerStats extract_layer(const std::string& blob_path, const std::string& dest_dir,
                         const std::string& expected_diff_id, bool rootless_xattrs = false);

// The diff_id (sha256 of the decompressed stream) of a blob, without unpacking.
std::string compute_diff_id(const std::string& blob_path);

// Packs an overlay-form directory into an OCI layer tar at out_path (gzip when
// asked): whiteout devices become `.wh.NAME`, opaque dirs get `.wh..wh..opq`.
// Entries are in a fixed order (depth first, names sorted bytewise), owners
// numeric only, hardlinks kept. The returned diff_id is of the uncompressed tar.
LayerStats write_layer_tar(const std::string& dir, const std::string& out_path, bool gzip);

}  // namespace conman
