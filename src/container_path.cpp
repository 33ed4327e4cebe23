// Paths inside a container's root filesystem: see container_path.hpp.
#include "conman/container_path.hpp"

#include <algorithm>
#include <cerrno>
#include <deque>
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman {

namespace {

constexpr int kMaxSymlinks = 40;  // the kernel's limit

UniqueFd open_path_at(int dirfd, const char* name, const std::string& shown) {
    int fd = ::openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open {}", shown);
    return UniqueFd(fd);
}

void push_components(std::deque<std::string>& q, const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) j = path.size();
        parts.push_back(path.substr(i, j - i));
        i = j + 1;
    }
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) q.push_front(*it);
}

bool only_dots_left(const std::deque<std::string>& q) {
    for (auto& c : q) {
        if (!c.empty() && c != ".") return false;
    }
    return true;
}

}  // namespace

UniqueFd open_root(const std::string& root) {
    int fd = ::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open root filesystem {}", root);
    return UniqueFd(fd);
}

InRoot resolve_in_root(int root_fd, const std::string& path, bool follow_final, const std::string& shown) {
    struct Level {
        UniqueFd fd;
        std::string name;
    };
    std::vector<Level> stack;
    stack.push_back({open_path_at(root_fd, ".", shown), ""});
    std::deque<std::string> q;
    push_components(q, path);
    int links = 0;
    auto joined = [&](const std::string& last) {
        std::string p;
        for (size_t i = 1; i < stack.size(); ++i) p += "/" + stack[i].name;
        if (!last.empty()) p += "/" + last;
        return p.empty() ? std::string("/") : p;
    };
    auto here = [&](std::string name) {
        InRoot r;
        r.path = joined(name);
        r.parent = std::move(stack.back().fd);
        r.name = std::move(name);
        return r;
    };
    while (!q.empty()) {
        std::string c = std::move(q.front());
        q.pop_front();
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (stack.size() > 1) stack.pop_back();
            continue;
        }
        bool last = only_dots_left(q);
        // A trailing "/" or "/." asks for a directory: the name must be followed.
        bool trailing = !q.empty();
        if (last && !trailing && !follow_final) return here(c);
        struct stat st;
        if (::fstatat(stack.back().fd.get(), c.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno == ENOENT && last) return here(c);
            if (errno == ENOENT) fail(ErrorKind::NotFound, "{}: no such file or directory", shown);
            throw_sys(errno, "{}", shown);
        }
        if (S_ISLNK(st.st_mode)) {
            if (++links > kMaxSymlinks) throw_sys(ELOOP, "{}", shown);
            std::vector<char> buf(static_cast<size_t>(st.st_size) + 2);
            ssize_t n = ::readlinkat(stack.back().fd.get(), c.c_str(), buf.data(), buf.size() - 1);
            if (n < 0) throw_sys(errno, "readlink {}", shown);
            std::string target(buf.data(), static_cast<size_t>(n));
            if (!target.empty() && target[0] == '/') stack.resize(1);
            push_components(q, target);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            UniqueFd fd = open_path_at(stack.back().fd.get(), c.c_str(), shown);
            stack.push_back({std::move(fd), c});
            continue;
        }
        if (last && !trailing) return here(c);
        fail(ErrorKind::NotFound, "{}: not a directory", shown);
    }
    if (stack.size() == 1) return here("");
    Level top = std::move(stack.back());
    stack.pop_back();
    return here(top.name);
}

bool stat_at(const InRoot& at, struct stat& st) {
    int r = at.name.empty() ? ::fstat(at.parent.get(), &st)
                            : ::fstatat(at.parent.get(), at.name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
    if (r == 0) return true;
    if (errno == ENOENT) return false;
    throw_sys(errno, "stat {}", at.path);
}

UniqueFd open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
    int fd = ::openat(dirfd, name.empty() ? "." : name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open {}", shown);
    return UniqueFd(fd);
}

UniqueFd open_dir_at(const InRoot& at, const std::string& shown) { return open_dir_at(at.parent.get(), at.name, shown); }

std::vector<std::string> dir_names(int dirfd, const std::string& shown) {
    int dup = ::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dup < 0) throw_sys(errno, "open {}", shown);
    DIR* d = ::fdopendir(dup);
    if (!d) {
        int err = errno;
        ::close(dup);
        throw_sys(err, "opendir {}", shown);
    }
    std::vector<std::string> out;
    errno = 0;
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n != "." && n != "..") out.emplace_back(n);
    }
    int err = errno;
    ::closedir(d);
    if (err) throw_sys(err, "reading directory {}", shown);
    std::sort(out.begin(), out.end());
    return out;
}

void remove_tree_at(int dirfd, const std::string& name, const std::string& shown) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return;
        throw_sys(errno, "stat {}", shown);
    }
    if (S_ISDIR(st.st_mode)) {
        UniqueFd d = open_dir_at(dirfd, name, shown);
        for (auto& n : dir_names(d.get(), shown)) remove_tree_at(d.get(), n, shown + "/" + n);
    }
    if (::unlinkat(dirfd, name.c_str(), S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0 && errno != ENOENT)
        throw_sys(errno, "remove {}", shown);
}

bool make_room(int dirfd, const std::string& name, bool new_is_dir, bool overwrite, const std::string& shown) {
    struct stat st;
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return false;
        throw_sys(errno, "stat {}", shown);
    }
    if (S_ISDIR(st.st_mode)) {
        if (new_is_dir) return true;
        if (!overwrite)
            fail(ErrorKind::Conflict, "cannot overwrite directory \"{}\" with a non-directory: use --overwrite", shown);
        remove_tree_at(dirfd, name, shown);
        return false;
    }
    if (new_is_dir && !overwrite)
        fail(ErrorKind::Conflict, "cannot overwrite non-directory \"{}\" with a directory: use --overwrite", shown);
    if (::unlinkat(dirfd, name.c_str(), 0) < 0 && errno != ENOENT) throw_sys(errno, "remove {}", shown);
    return false;
}

void set_owner_mode_times(int dirfd, const std::string& name, mode_t type, Owner owner, mode_t perm,
                          const timespec& atime, const timespec& mtime, const std::string& shown) {
    timespec ts[2] = {atime, mtime};
    if (name.empty()) {
        if (::fchown(dirfd, owner.uid, owner.gid) < 0) throw_sys(errno, "chown {}", shown);
        if (::fchmod(dirfd, perm & 07777) < 0) throw_sys(errno, "chmod {}", shown);
        if (::futimens(dirfd, ts) < 0) throw_sys(errno, "set times of {}", shown);
        return;
    }
    if (::fchownat(dirfd, name.c_str(), owner.uid, owner.gid, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "chown {}", shown);
    // AT_SYMLINK_NOFOLLOW: a name swapped for a symlink meanwhile fails
    // instead of changing whatever the link points to.
    if (!S_ISLNK(type) && ::fchmodat(dirfd, name.c_str(), perm & 07777, AT_SYMLINK_NOFOLLOW) < 0)
        throw_sys(errno, "chmod {}", shown);
    if (::utimensat(dirfd, name.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0) throw_sys(errno, "set times of {}", shown);
}

std::string path_base(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    if (p == "/") return "";
    auto slash = p.rfind('/');
    return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string path_parent(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    auto slash = p.rfind('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return p.substr(0, slash);
}

}  // namespace conman
