// Image archives and local image building: save, load, import and commit.
// All four run inside the image module (they need libarchive), reached from
// the CLI with image_module_call and the entry names below; these structs are
// what crosses the boundary. Every image they create enters the store
// through store_local_image (image_commit.hpp), so a failure leaves no image,
// no layer and no blob behind.
#pragma once
#include <string>
#include <vector>

namespace conman {

inline constexpr const char* kSaveEntry = "conman_image_save_v1";
inline constexpr const char* kLoadEntry = "conman_image_load_v1";
inline constexpr const char* kImportEntry = "conman_image_import_v1";
inline constexpr const char* kCommitEntry = "conman_image_commit_v1";

// save: formats docker-archive (default), oci-archive, oci-dir, docker-dir.
struct SaveRequest {
    std::vector<std::string> images;  // as typed; with !multi_image the rest are extra tags of the first
    std::string format = "docker-archive";
    std::string output;               // file or directory; "" = out_fd (archives only)
    int out_fd = 1;
    bool multi_image = false;         // -m: every name is an image (docker-archive only)
};
struct SaveResult {
    int images = 0;
};

// load: a docker-archive or oci-archive, plain or gzip/zstd/xz/bzip2-compressed.
struct LoadRequest {
    std::string input;  // "" = in_fd
    int in_fd = 0;
};
struct LoadResult {
    std::vector<std::string> loaded;  // full names, or "sha256:<id>" for an image without one
};

// import: a root filesystem tarball becomes a one-layer image.
struct ImportRequest {
    std::string source;                // file path, "-" (in_fd) or an http(s) URL
    int in_fd = 0;
    std::string reference;             // name to give it, "" = none
    std::vector<std::string> changes;  // --change
    std::string message;               // -m: history comment
};

// commit: a container's changes become a new layer on its image.
struct CommitRequest {
    std::string container;
    std::string reference;             // "" = no name
    std::vector<std::string> changes;  // --change
    std::string author, message;
    std::string format = "oci";        // oci or docker (manifest and config media types)
    bool squash = false;               // one layer holding the whole filesystem
    bool quiet = false;
    int progress_fd = 2;
};

struct ImageResult {
    std::string id;
};

}  // namespace conman
