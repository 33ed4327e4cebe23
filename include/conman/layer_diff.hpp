// The difference between two directory trees in overlay form: what commit
// needs for a vfs container, whose root filesystem is a full copy rather
// than an overlay with an upper dir. Part of the image module.
#pragma once
#include <string>

namespace conman {

// Fills out_dir (existing, empty) so that applying it on top of base gives
// changed: entries that are new or differ (type, mode, owner, size, mtime,
// link target, device number) are copied with their metadata and xattrs,
// directories whose content changed are recreated with changed's
// attributes, and entries gone from changed become whiteouts (0/0 character
// devices). Hardlinks inside changed stay hardlinks. Both trees are read
// through fds opened with O_NOFOLLOW, so symlinks in them are never
// followed; base and changed are only read.
void diff_trees(const std::string& base, const std::string& changed, const std::string& out_dir);

}  // namespace conman
