// Filesystem helpers. Every write of a state file goes through atomic_write:
// a temp file in the same directory, fsync, rename, fsync of the directory,
// so a crash leaves either the old or the new content, never a torn file.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace conman {

// durable=false skips the fsyncs: for files that are regenerated on every
// create (bundle, /etc files) and worthless after a crash anyway.
void atomic_write(const std::string& path, std::string_view data, int mode = 0600, bool durable = true);
std::string read_file(const std::string& path);                 // throws (NotFound on ENOENT)
std::optional<std::string> read_file_if_exists(const std::string& path);
void mkdir_p(const std::string& path, int mode = 0700);
// Removes a tree without following symlinks; missing is fine.
void remove_all(const std::string& path);
bool path_exists(const std::string& path);
std::vector<std::string> list_dir(const std::string& path);   // names, no . and ..; missing -> empty
std::string dirname_of(const std::string& path);
std::string join_path(const std::string& a, const std::string& b);
// Resolves a path relative to the cwd into an absolute one (no symlink resolution).
std::string absolute_path(const std::string& path);

}  // namespace conman
