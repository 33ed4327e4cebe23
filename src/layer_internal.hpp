// Internal to the layer_*.cpp files: the decompressing blob reader and the
// unpacking child's entry point.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "conman/fd.hpp"
#include "conman/process.hpp"

namespace conman {

// Reads a layer blob and yields the decompressed tar stream. The format is
// picked from the first bytes: gzip (1f 8b), zstd (28 b5 2f fd), else plain.
// gzip members and zstd frames (skippable ones too) are read back to back.
// Owns the blob fd and the decompressor state until it dies.
class LayerReader {
public:
    explicit LayerReader(const std::string& path);
    ~LayerReader();
    LayerReader(const LayerReader&) = delete;
    LayerReader& operator=(const LayerReader&) = delete;

    // Fills up to len bytes; returns 0 at the end of the stream. Throws
    // Error on corrupt or truncated compressed data.
    size_t read(char* buf, size_t len);
    const char* format() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Runs in the forked child: chroots into dest (cwd becomes its root), reads a
// tar stream from data_fd and writes it in overlay form. Reports on err_fd,
// "0" for success or "1" and the error message, and exits. Never returns.
// A report that is empty means the child died before it could say.
[[noreturn]] void unpack_child_main(const char* dest, int data_fd, int err_fd, bool rootless_xattrs);

// Starts unpack_child_main(dest, data_fd, err_fd, ...) in a new process,
// forked by the unpack server. Without one (threads already ran when it was
// first needed), forks directly and returns the child, which the caller owns.
// The caller closes its copies of data_fd and err_fd afterwards.
Child fork_unpacker(const std::string& dest, int data_fd, int err_fd, bool rootless_xattrs);

// The xattr names of one file, sorted bytewise, without overlay's own
// (trusted.overlay.*, user.overlay.*), for packing it into a tar. list is
// flistxattr or llistxattr bound to the file; a file system without xattrs
// (ENOTSUP) has none. shown names the file in errors.
std::vector<std::string> packable_xattr_names(const std::function<ssize_t(char*, size_t)>& list,
                                              const std::string& shown);

// "layer sha256:HEX" for blobs stored as .../sha256/HEX, else "layer PATH".
std::string layer_label(const std::string& blob_path);

}  // namespace conman
