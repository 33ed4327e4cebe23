// cp and export below the CLI. Plain file and directory copies run here in
// the engine (fd-relative, see container_path.hpp); tar streams (SRC or DEST
// "-", export) go through the image module (container_tar.hpp), which has
// libarchive.
//
// Ownership (podman's rules): files copied into a container are owned by the
// container's user (its --user/image USER, root by default) while archive is
// set, the default; with archive off they keep the owners they had. Files
// copied out of a container, to the host or into a tar on stdout, are owned
// by the user running conman.
#pragma once
#include <string>

#include "conman/context.hpp"

namespace conman {

struct CopyOptions {
    std::string src, dest;   // [CONTAINER:]PATH or "-", as typed
    bool archive = true;     // -a/--archive
    bool overwrite = false;  // --overwrite: a directory may replace a non-directory and back
};

// One side of cp: a container path (container set), a host path, or "-".
struct CopyArg {
    std::string container;  // "" for the host
    std::string path;
    bool stream = false;
};
// Docker's syntax: "-" is the stream; a word that starts with "/" or "." is a
// host path; otherwise "NAME:PATH" names a container when NAME has no "/".
CopyArg parse_copy_arg(const std::string& s);

void copy_files(const Context& ctx, const CopyOptions& o, int in_fd = 0, int out_fd = 1);

// Writes the container's whole file system as a tar to fd (podman export).
void export_container(const Context& ctx, const std::string& ref, int fd);

}  // namespace conman
