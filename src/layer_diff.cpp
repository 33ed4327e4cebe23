// diff_trees (see layer_diff.hpp): a walk over both trees with directory
// fds, writing new and changed entries, and whiteouts, into out_dir.
#include "conman/layer_diff.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>
#include <vector>

#include "conman/error.hpp"
#include "conman/fd.hpp"

namespace conman {

namespace {

UniqueFd open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open {}", shown);
    return UniqueFd(fd);
}

std::vector<std::string> names_in(int dirfd, const std::string& shown) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) throw_sys(errno, "open {}", shown);
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        throw_sys(errno, "opendir {}", shown);
    }
    std::vector<std::string> out;
    errno = 0;
    while (dirent* de = ::readdir(d)) {
        std::string_view n = de->d_name;
        if (n != "." && n != "..") out.emplace_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

bool is_overlay_xattr(std::string_view n) { return n.starts_with("trusted.overlay.") || n.starts_with("user.overlay."); }

// Copies the xattrs (overlay.* aside) of one open file or directory to another.
void copy_xattrs(int src, int dst, const std::string& shown) {
    ssize_t len = ::flistxattr(src, nullptr, 0);
    if (len < 0 && (errno == ENOTSUP || errno == EOPNOTSUPP)) return;
    if (len < 0) throw_sys(errno, "listing xattrs of {}", shown);
    if (len == 0) return;
    std::vector<char> names(static_cast<size_t>(len));
    len = ::flistxattr(src, names.data(), names.size());
    if (len < 0) throw_sys(errno, "listing xattrs of {}", shown);
    for (ssize_t i = 0; i < len; i += static_cast<ssize_t>(std::strlen(names.data() + i)) + 1) {
        const char* n = names.data() + i;
        if (is_overlay_xattr(n)) continue;
        ssize_t vl = ::fgetxattr(src, n, nullptr, 0);
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, shown);
        std::vector<char> v(static_cast<size_t>(vl) + 1);
        vl = ::fgetxattr(src, n, v.data(), v.size());
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, shown);
        if (::fsetxattr(dst, n, v.data(), static_cast<size_t>(vl), 0) < 0) throw_sys(errno, "setting xattr {} for {}", n, shown);
    }
}

std::string readlink_at(int dirfd, const std::string& name, const std::string& shown) {
    std::vector<char> buf(4096);
    for (;;) {
        ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "readlink {}", shown);
        if (static_cast<size_t>(n) < buf.size()) return std::string(buf.data(), static_cast<size_t>(n));
        buf.resize(buf.size() * 2);
    }
}

bool same_time(const struct timespec& a, const struct timespec& b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

class Differ {
public:
    Differ(std::string changed_root, int out_root) : root_(std::move(changed_root)), out_root_(out_root) {}
    // Returns whether anything was written below out.
    bool dir(int base, int changed, int out, const std::string& rel);

private:
    bool entry(int base, int changed, int out, const std::string& rel, const std::string& name);
    void copy(int changed, int out, const std::string& rel, const std::string& name, const struct stat& st);
    void copy_file(int changed, int out, const std::string& rel, const std::string& name, const struct stat& st);
    void finish_attrs(int out, const std::string& name, const struct stat& st, const std::string& shown);
    std::string shown(const std::string& rel) const { return root_ + "/" + rel; }

    std::string root_;
    int out_root_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // changed's inode -> its first copy (relative)
};

// Owner, then mode (chown clears setuid), then times, without following links.
void Differ::finish_attrs(int out, const std::string& name, const struct stat& st, const std::string& shown) {
    if (::fchownat(out, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "chown {}", shown);
    if (!S_ISLNK(st.st_mode) && ::fchmodat(out, name.c_str(), st.st_mode & 07777, 0) < 0) throw_sys(errno, "chmod {}", shown);
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(out, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "set times of {}", shown);
}

void Differ::copy_file(int changed, int out, const std::string& rel, const std::string& name, const struct stat& st) {
    if (st.st_nlink > 1) {
        auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, rel);
        if (!fresh) {
            if (::linkat(out_root_, it->second.c_str(), out, name.c_str(), 0) < 0) throw_sys(errno, "link {}", shown(rel));
            return;
        }
    }
    int in_raw = ::openat(changed, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in_raw < 0) throw_sys(errno, "open {}", shown(rel));
    UniqueFd in(in_raw);
    int out_raw = ::openat(out, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out_raw < 0) throw_sys(errno, "create the copy of {}", shown(rel));
    UniqueFd o(out_raw);
    std::vector<char> buf(1 << 20);
    for (;;) {
        long n = read_some(in.get(), buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "read {}", shown(rel));
        if (n == 0) break;
        write_all(o.get(), std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    copy_xattrs(in.get(), o.get(), shown(rel));
}

void Differ::copy(int changed, int out, const std::string& rel, const std::string& name, const struct stat& st) {
    switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
        if (::mkdirat(out, name.c_str(), 0700) < 0) throw_sys(errno, "mkdir {}", shown(rel));
        UniqueFd c = open_dir_at(changed, name, shown(rel));
        UniqueFd o = open_dir_at(out, name, shown(rel));
        dir(-1, c.get(), o.get(), rel);
        copy_xattrs(c.get(), o.get(), shown(rel));
        break;
    }
    case S_IFREG: copy_file(changed, out, rel, name, st); break;
    case S_IFLNK:
        if (::symlinkat(readlink_at(changed, name, shown(rel)).c_str(), out, name.c_str()) < 0)
            throw_sys(errno, "symlink {}", shown(rel));
        break;
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
        if (::mknodat(out, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) throw_sys(errno, "mknod {}", shown(rel));
        break;
    default: return;  // sockets are not part of an image
    }
    if (S_ISREG(st.st_mode) && st.st_nlink > 1 && links_[{st.st_dev, st.st_ino}] != rel) return;  // a second link
    finish_attrs(out, name, st, shown(rel));
}

bool Differ::entry(int base, int changed, int out, const std::string& rel, const std::string& name) {
    struct stat st, bst;
    if (::fstatat(changed, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return false;  // removed while we looked: the whiteout pass sees it
        throw_sys(errno, "stat {}", shown(rel));
    }
    bool in_base = base >= 0 && ::fstatat(base, name.c_str(), &bst, AT_SYMLINK_NOFOLLOW) == 0;
    if (!in_base || (st.st_mode & S_IFMT) != (bst.st_mode & S_IFMT)) {
        copy(changed, out, rel, name, st);
        return true;
    }
    bool attrs_differ = st.st_mode != bst.st_mode || st.st_uid != bst.st_uid || st.st_gid != bst.st_gid;
    if (S_ISDIR(st.st_mode)) {
        if (::mkdirat(out, name.c_str(), 0700) < 0) throw_sys(errno, "mkdir {}", shown(rel));
        UniqueFd b = open_dir_at(base, name, shown(rel));
        UniqueFd c = open_dir_at(changed, name, shown(rel));
        UniqueFd o = open_dir_at(out, name, shown(rel));
        bool inner = dir(b.get(), c.get(), o.get(), rel);
        if (!inner && !attrs_differ) {
            if (::unlinkat(out, name.c_str(), AT_REMOVEDIR) < 0) throw_sys(errno, "rmdir {}", shown(rel));
            return false;
        }
        copy_xattrs(c.get(), o.get(), shown(rel));
        finish_attrs(out, name, st, shown(rel));
        return true;
    }
    bool differs = attrs_differ || st.st_size != bst.st_size || !same_time(st.st_mtim, bst.st_mtim) ||
                   st.st_rdev != bst.st_rdev;
    if (!differs && S_ISLNK(st.st_mode))
        differs = readlink_at(changed, name, shown(rel)) != readlink_at(base, name, shown(rel));
    if (!differs) return false;
    copy(changed, out, rel, name, st);
    return true;
}

bool Differ::dir(int base, int changed, int out, const std::string& rel) {
    bool any = false;
    auto now = names_in(changed, shown(rel));
    for (auto& n : now) any |= entry(base, changed, out, rel.empty() ? n : rel + "/" + n, n);
    if (base < 0) return any;
    std::set<std::string> present(now.begin(), now.end());
    for (auto& n : names_in(base, shown(rel))) {
        if (present.count(n)) continue;
        struct stat st;
        if (::fstatat(changed, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) continue;  // appeared meanwhile
        if (::mknodat(out, n.c_str(), S_IFCHR | 0600, makedev(0, 0)) < 0) throw_sys(errno, "whiteout for {}", shown(rel.empty() ? n : rel + "/" + n));
        any = true;
    }
    return any;
}

}  // namespace

void diff_trees(const std::string& base, const std::string& changed, const std::string& out_dir) {
    UniqueFd b = open_fd(base, O_RDONLY | O_DIRECTORY);
    UniqueFd c = open_fd(changed, O_RDONLY | O_DIRECTORY);
    UniqueFd o = open_fd(out_dir, O_RDONLY | O_DIRECTORY);
    Differ(changed, o.get()).dir(b.get(), c.get(), o.get(), "");
}

}  // namespace conman
