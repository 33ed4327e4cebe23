// vfs rootfs driver: a flattened copy, layer after layer. Every access below
// the target goes through directory fds opened with O_NOFOLLOW one component
// at a time, so a symlink in the tree (from any layer) is never traversed.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <map>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/storage.hpp"

namespace conman {

namespace {

std::string fd_path(int fd) { return fmt::format("/proc/self/fd/{}", fd); }

bool is_overlay_xattr(std::string_view n) {
    return n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.");
}

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

std::vector<std::string> names_in(int dirfd) {
    int dup = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) throw_sys(errno, "dup");
    DIR* d = ::fdopendir(dup);
    if (!d) {
        ::close(dup);
        throw_sys(errno, "fdopendir");
    }
    ::rewinddir(d);
    std::vector<std::string> out;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") out.emplace_back(n);
    }
    ::closedir(d);
    std::sort(out.begin(), out.end());
    return out;
}

UniqueFd open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
    int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open {}", shown);
    return UniqueFd(fd);
}

// An xattr holder: an open fd (files, dirs we hold open) or a path whose
// final component is never followed (symlinks, devices, sources).
struct XRef {
    int fd = -1;
    std::string path;
    ssize_t list(char* b, size_t n) const { return fd >= 0 ? ::flistxattr(fd, b, n) : ::llistxattr(path.c_str(), b, n); }
    ssize_t get(const char* k, void* v, size_t n) const {
        return fd >= 0 ? ::fgetxattr(fd, k, v, n) : ::lgetxattr(path.c_str(), k, v, n);
    }
    int set(const char* k, const void* v, size_t n) const {
        return fd >= 0 ? ::fsetxattr(fd, k, v, n, 0) : ::lsetxattr(path.c_str(), k, v, n, 0);
    }
    int remove(const char* k) const { return fd >= 0 ? ::fremovexattr(fd, k) : ::lremovexattr(path.c_str(), k); }
};

std::vector<std::string> xattr_names(const XRef& x, const std::string& shown) {
    ssize_t len = x.list(nullptr, 0);
    if (len < 0) {
        if (errno == ENOTSUP) return {};
        throw_sys(errno, "listing xattrs of {}", shown);
    }
    std::vector<char> buf(static_cast<size_t>(len) + 1);
    len = x.list(buf.data(), buf.size());
    if (len < 0) throw_sys(errno, "listing xattrs of {}", shown);
    std::vector<std::string> out;
    for (ssize_t i = 0; i < len; i += static_cast<ssize_t>(std::strlen(buf.data() + i)) + 1) {
        std::string n = buf.data() + i;
        if (!is_overlay_xattr(n)) out.push_back(n);
    }
    return out;
}

// Makes dst's xattrs (overlay.* aside) exactly src's.
void sync_xattrs(const XRef& src, const XRef& dst, const std::string& src_shown, const std::string& shown) {
    auto want = xattr_names(src, src_shown);
    for (auto& n : xattr_names(dst, shown)) {
        if (std::find(want.begin(), want.end(), n) == want.end() && dst.remove(n.c_str()) < 0)
            throw_sys(errno, "removing xattr {} of {}", n, shown);
    }
    for (auto& n : want) {
        ssize_t vl = src.get(n.c_str(), nullptr, 0);
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, src_shown);
        std::vector<char> v(static_cast<size_t>(vl) + 1);
        vl = src.get(n.c_str(), v.data(), v.size());
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, src_shown);
        if (dst.set(n.c_str(), v.data(), static_cast<size_t>(vl)) < 0)
            throw_sys(errno, "setting xattr {} on {}", n, shown);
    }
}

// Removes dirfd/name and everything below it, following no symlink. Missing is fine.
void remove_at(int dirfd, const std::string& name, const std::string& shown) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return;
        throw_sys(errno, "lstat {}", shown);
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd d = open_dir_at(dirfd, name, shown);
        for (auto& n : names_in(d.get())) remove_at(d.get(), n, shown + "/" + n);
    }
    if (::unlinkat(dirfd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
        throw_sys(errno, "removing {}", shown);
}

// Owner before mode (chown clears setuid bits), xattrs after owner (chown
// clears security.capability), times last.
void set_attrs_fd(int fd, const struct stat& st, const XRef& xsrc, const std::string& src_shown,
                  const std::string& shown) {
    if (::fchown(fd, st.st_uid, st.st_gid) < 0) throw_sys(errno, "chown {}", shown);
    if (::fchmod(fd, st.st_mode & 07777) < 0) throw_sys(errno, "chmod {}", shown);
    sync_xattrs(xsrc, XRef{fd, {}}, src_shown, shown);
    timespec ts[2] = {st.st_atim, st.st_mtim};
    if (::futimens(fd, ts) < 0) throw_sys(errno, "setting times of {}", shown);
}

class Applier {
public:
    Applier(int root, std::string target) : root_(root), target_(std::move(target)) {}
    void dir(int sfd, int dfd, const std::string& rel, const std::string& src_dir);

private:
    void node(int sfd, int dfd, const std::string& name, const struct stat& st, const std::string& rel,
              const std::string& src_path);
    void copy_file(int sfd, int dfd, const std::string& name, const struct stat& st, const std::string& rel,
                   const std::string& src_path);
    bool link_earlier(int dfd, const std::string& name, const struct stat& st, const std::string& rel);
    std::string shown(const std::string& rel) const { return target_ + "/" + rel; }

    int root_;
    std::string target_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // source inode -> first copy (rel to target)
};

void Applier::dir(int sfd, int dfd, const std::string& rel, const std::string& src_dir) {
    for (auto& name : names_in(sfd)) {
        std::string crel = rel.empty() ? name : rel + "/" + name;
        std::string src_path = src_dir + "/" + name;
        struct stat st, dst;
        if (::fstatat(sfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "lstat {}", src_path);
        if (is_whiteout(st)) {
            remove_at(dfd, name, shown(crel));
            continue;
        }
        bool exists = ::fstatat(dfd, name.c_str(), &dst, AT_SYMLINK_NOFOLLOW) == 0;
        if (!exists && errno != ENOENT) throw_sys(errno, "lstat {}", shown(crel));
        if (!S_ISDIR(st.st_mode)) {
            if (exists) remove_at(dfd, name, shown(crel));
            node(sfd, dfd, name, st, crel, src_path);
            continue;
        }
        if (exists && !S_ISDIR(dst.st_mode)) {
            remove_at(dfd, name, shown(crel));
            exists = false;
        }
        if (!exists && ::mkdirat(dfd, name.c_str(), 0700) < 0) throw_sys(errno, "mkdir {}", shown(crel));
        UniqueFd cs = open_dir_at(sfd, name, src_path);
        UniqueFd cd = open_dir_at(dfd, name, shown(crel));
        char v[2];
        bool opaque = ::fgetxattr(cs.get(), "trusted.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y';
        opaque = opaque || (::fgetxattr(cs.get(), "user.overlay.opaque", v, sizeof v) == 1 && v[0] == 'y');
        if (exists && opaque) {  // hide the lower layers' children; this layer's come next
            for (auto& n : names_in(cd.get())) remove_at(cd.get(), n, shown(crel + "/" + n));
        }
        dir(cs.get(), cd.get(), crel, src_path);
        set_attrs_fd(cd.get(), st, XRef{cs.get(), {}}, src_path, shown(crel));
    }
}

void Applier::node(int sfd, int dfd, const std::string& name, const struct stat& st, const std::string& rel,
                   const std::string& src_path) {
    const std::string sh = shown(rel);
    if (S_ISREG(st.st_mode)) {
        if (st.st_nlink > 1 && link_earlier(dfd, name, st, rel)) return;
        copy_file(sfd, dfd, name, st, rel, src_path);
        if (st.st_nlink > 1) links_.try_emplace({st.st_dev, st.st_ino}, rel);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        std::vector<char> buf(static_cast<size_t>(st.st_size) + 2);
        ssize_t n = ::readlinkat(sfd, name.c_str(), buf.data(), buf.size() - 1);
        if (n < 0) throw_sys(errno, "readlink {}", src_path);
        buf[static_cast<size_t>(n)] = '\0';
        if (::symlinkat(buf.data(), dfd, name.c_str()) < 0) throw_sys(errno, "symlink {}", sh);
    } else if (::mknodat(dfd, name.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) {
        throw_sys(errno, "mknod {}", sh);
    }
    if (::fchownat(dfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "chown {}", sh);
    // Devices and fifos are not symlinks, and we just made them: fchmodat is safe.
    if (!S_ISLNK(st.st_mode) && ::fchmodat(dfd, name.c_str(), st.st_mode & 07777, 0) < 0)
        throw_sys(errno, "chmod {}", sh);
    // The dir fd's magic link is an inner component here; the name is not followed.
    sync_xattrs(XRef{-1, fd_path(sfd) + "/" + name}, XRef{-1, fd_path(dfd) + "/" + name}, src_path, sh);
    timespec ts[2] = {st.st_atim, st.st_mtim};
    if (::utimensat(dfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "setting times of {}", sh);
}

void Applier::copy_file(int sfd, int dfd, const std::string& name, const struct stat& st, const std::string& rel,
                        const std::string& src_path) {
    int in_raw = ::openat(sfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in_raw < 0) throw_sys(errno, "open {}", src_path);
    UniqueFd in(in_raw);
    int out_raw = ::openat(dfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out_raw < 0) throw_sys(errno, "create {}", shown(rel));
    UniqueFd out(out_raw);
    off_t left = st.st_size;
    while (left > 0) {
        ssize_t n = ::copy_file_range(in.get(), nullptr, out.get(), nullptr, static_cast<size_t>(left), 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
            std::vector<char> buf(256 * 1024);
            n = ::read(in.get(), buf.data(), buf.size());
            if (n > 0) write_all(out.get(), std::string_view(buf.data(), static_cast<size_t>(n)));
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "copying {}", src_path);
        }
        if (n == 0) break;  // shrank underneath us
        left -= n;
    }
    set_attrs_fd(out.get(), st, XRef{in.get(), {}}, src_path, shown(rel));
}

// Hardlinks to the first copy of the same source inode in this layer. The
// first copy is reached from the target root with no symlink allowed.
bool Applier::link_earlier(int dfd, const std::string& name, const struct stat& st, const std::string& rel) {
    auto it = links_.find({st.st_dev, st.st_ino});
    if (it == links_.end()) return false;
    const std::string& first = it->second;
    auto slash = first.rfind('/');
    std::string parent = slash == std::string::npos ? "." : first.substr(0, slash);
    std::string base = slash == std::string::npos ? first : first.substr(slash + 1);
    open_how how{};
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    int pfd = static_cast<int>(::syscall(SYS_openat2, root_, parent.c_str(), &how, sizeof how));
    if (pfd < 0) throw_sys(errno, "open {}", shown(parent));
    UniqueFd p(pfd);
    if (::linkat(p.get(), base.c_str(), dfd, name.c_str(), 0) < 0) throw_sys(errno, "link {}", shown(rel));
    return true;
}

}  // namespace

void vfs_create(const std::vector<std::string>& lowers_bottom_first, const std::string& target) {
    mkdir_p(target, 0755);
    if (!list_dir(target).empty()) fail(ErrorKind::Usage, "vfs target {}: not empty", target);
    try {
        UniqueFd root = open_dir_at(AT_FDCWD, target, target);
        for (auto& layer : lowers_bottom_first) {
            UniqueFd src = open_dir_at(AT_FDCWD, layer, layer);
            struct stat st;
            if (::fstat(src.get(), &st) < 0) throw_sys(errno, "stat {}", layer);
            Applier(root.get(), target).dir(src.get(), root.get(), "", layer);
            set_attrs_fd(root.get(), st, XRef{src.get(), {}}, layer, target);
        }
    } catch (const Error& e) {
        try {
            for (auto& n : list_dir(target)) remove_all(join_path(target, n));
        } catch (...) {
        }
        throw e.prefixed(fmt::format("building vfs rootfs {}", target));
    }
}

}  // namespace conman
