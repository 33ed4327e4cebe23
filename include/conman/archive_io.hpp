// Image archives on the wire (image module only: libarchive). Reading puts
// an archive's regular files into a private staging directory under flat
// generated names (f0, f1, ...): no name from the archive ever reaches the
// filesystem, so nothing can be written outside staging whatever the entries
// say. Names, symlinks and hardlinks are kept in memory and resolved there.
// Writing goes to a tar stream on an fd or into a directory.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct archive;

namespace conman {

// libarchive's message for a's last error, with the system error behind it
// when libarchive kept one and its message does not say it ("Write failed:
// No space left on device").
std::string archive_error_text(struct archive* a);

class ArchiveFiles {
public:
    // Reads a tar stream (plain or compressed with anything libarchive knows)
    // from fd. Entry names are normalised ("./" and "." dropped); absolute
    // names, ".." components, and types other than files, directories,
    // symlinks and hardlinks are refused. `what` names the archive in errors.
    // Throws Error(Usage) for a bad or truncated archive.
    static ArchiveFiles read(int fd, const std::string& staging_dir, const std::string& what);

    // The staged file for name, following the archive's symlinks (relative
    // ones, within the archive, at most 40); nullopt when there is none.
    std::optional<std::string> path(const std::string& name) const;
    // Like path(), but a missing file is an error naming the archive and entry.
    std::string require(const std::string& name) const;
    // The content of name (required), refused beyond max bytes.
    std::string read_small(const std::string& name, int64_t max = 32 << 20) const;
    const std::string& what() const { return what_; }

private:
    std::string what_;
    std::map<std::string, std::string> files_;     // name -> staged path
    std::map<std::string, std::string> symlinks_;  // name -> target as written
};

// Where an archive being written goes.
class ArchiveSink {
public:
    virtual ~ArchiveSink() = default;
    virtual void dir(const std::string& name) = 0;
    virtual void bytes(const std::string& name, std::string_view data) = 0;
    virtual void file(const std::string& name, const std::string& path) = 0;  // copies path's content
    virtual void symlink(const std::string& name, const std::string& target) = 0;
    virtual void finish() = 0;  // the tar's end blocks; nothing for a directory
};

// A tar stream (pax, owner 0:0, mtime 0, so equal content gives equal bytes) on fd (not owned).
std::unique_ptr<ArchiveSink> tar_sink(int fd, const std::string& what);
// Files below dir, which must exist.
std::unique_ptr<ArchiveSink> dir_sink(const std::string& dir);

}  // namespace conman
