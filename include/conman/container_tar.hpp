// Tar streams of a container's files (image module: libarchive). Used by
// `cp CONTAINER:SRC -`, `cp - CONTAINER:DEST` and `export`. Both directions
// reach the container's files only through container_path.hpp: the tree is
// read and written with *at(2) calls below directory fds, never following a
// symlink of the container's, and every path is resolved inside the root.
#pragma once
#include <cstdint>
#include <string>

#include "conman/container_path.hpp"

namespace conman {

struct TarOutRequest {
    std::string root;  // host path of the root filesystem
    std::string path;  // inside root; a symlink here is followed, within root
    std::string name;  // name of the top entry; "" = only what is inside the directory
    int fd = -1;       // where the tar goes (not owned)
    bool set_owner = false;  // every entry owned by `owner` instead of its own
    Owner owner;
};

struct TarInRequest {
    std::string root;  // host path of the root filesystem
    std::string dest;  // an existing directory inside root
    int fd = -1;       // the tar stream, plain or compressed (not owned)
    bool set_owner = false;  // every entry owned by `owner` instead of the tar's
    Owner owner;
    bool overwrite = false;  // directories may replace non-directories and back
};

struct TarResult {
    int64_t entries = 0;
};

// Module side (container_tar_out.cpp, container_tar_in.cpp).
TarResult write_tree_tar(const TarOutRequest& r);
TarResult read_tree_tar(const TarInRequest& r);

}  // namespace conman
