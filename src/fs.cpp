#include "conman/fs.hpp"

#include <cerrno>
#include <climits>
#include <dirent.h>
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fd.hpp"

namespace conman {

std::string dirname_of(const std::string& path) {
    auto pos = path.find_last_of('/');
    if (pos == std::string::npos) return ".";
    if (pos == 0) return "/";
    return path.substr(0, pos);
}

std::string join_path(const std::string& a, const std::string& b) {
    if (a.empty()) return b;
    if (a.back() == '/') return a + b;
    return a + "/" + b;
}

std::string absolute_path(const std::string& path) {
    if (!path.empty() && path[0] == '/') return path;
    char buf[PATH_MAX];
    if (!::getcwd(buf, sizeof buf)) throw_sys(errno, "getcwd");
    return join_path(buf, path);
}

void atomic_write(const std::string& path, std::string_view data, int mode, bool durable) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    std::string tmp = fmt::format("{}.tmp-{:x}", path, rng());
    {
        UniqueFd fd = open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL, mode);
        try {
            if (!try_write_all(fd.get(), data)) throw_sys(errno, "writing {}", path);
            if (durable && ::fsync(fd.get()) < 0) throw_sys(errno, "fsync {}", path);
        } catch (...) {
            ::unlink(tmp.c_str());
            throw;
        }
    }
    if (::rename(tmp.c_str(), path.c_str()) < 0) {
        int e = errno;
        ::unlink(tmp.c_str());
        throw_sys(e, "rename {} to {}", tmp, path);
    }
    if (!durable) return;
    UniqueFd dir(::open(dirname_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir) ::fsync(dir.get());
}

std::optional<std::string> read_file_if_exists(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
        throw_sys(errno, "open {}", path);
    }
    UniqueFd owned(fd);
    return read_all(fd);
}

std::string read_file(const std::string& path) {
    auto s = read_file_if_exists(path);
    if (!s) throw Error(ErrorKind::NotFound, fmt::format("open {}: No such file or directory", path), ENOENT);
    return *s;
}

void mkdir_p(const std::string& path, int mode) {
    if (path.empty()) return;
    if (::mkdir(path.c_str(), mode) == 0 || errno == EEXIST) {
        struct stat st;
        if (errno == EEXIST && (::stat(path.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)))
            throw_sys(ENOTDIR, "mkdir {}", path);
        return;
    }
    if (errno != ENOENT) throw_sys(errno, "mkdir {}", path);
    mkdir_p(dirname_of(path), mode);
    if (::mkdir(path.c_str(), mode) < 0 && errno != EEXIST) throw_sys(errno, "mkdir {}", path);
}

namespace {
void remove_at(int dirfd, const char* name) {
    if (::unlinkat(dirfd, name, 0) == 0 || errno == ENOENT) return;
    if (errno != EISDIR && errno != EPERM) throw_sys(errno, "remove {}", name);
    int fd = ::openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return;
        throw_sys(errno, "open {}", name);
    }
    DIR* d = ::fdopendir(fd);
    if (!d) {
        ::close(fd);
        throw_sys(errno, "opendir {}", name);
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        remove_at(::dirfd(d), e->d_name);
    }
    ::closedir(d);
    if (::unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT) throw_sys(errno, "remove {}", name);
}
}  // namespace

void remove_all(const std::string& path) {
    try {
        remove_at(AT_FDCWD, path.c_str());
    } catch (const Error& e) {
        throw e.prefixed(fmt::format("removing {}", path));
    }
}

bool path_exists(const std::string& path) {
    struct stat st;
    return ::lstat(path.c_str(), &st) == 0;
}

std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (!d) {
        if (errno == ENOENT) return out;
        throw_sys(errno, "opendir {}", path);
    }
    while (dirent* e = ::readdir(d)) {
        std::string_view n = e->d_name;
        if (n == "." || n == "..") continue;
        out.emplace_back(n);
    }
    ::closedir(d);
    return out;
}

}  // namespace conman
