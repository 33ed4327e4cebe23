// overlay rootfs driver: one kernel overlay mount per container.
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <optional>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/process.hpp"
#include "conman/storage.hpp"

namespace conman {

namespace {

// Messages the kernel left in an fs_context ("e overlayfs: ..."), one line.
std::string fs_log(int fsfd) {
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fsfd, buf, sizeof buf - 1);
        if (n <= 0) break;
        if (!out.empty()) out += "; ";
        out.append(buf, static_cast<size_t>(n));
        while (!out.empty() && out.back() == '\n') out.pop_back();
    }
    return out;
}

[[noreturn]] void fs_fail(int err, int fsfd, const std::string& what) {
    std::string log = fs_log(fsfd);
    if (log.empty()) throw_sys(err, "{}", what);
    throw Error(ErrorKind::System, fmt::format("{}: {} ({})", what, std::strerror(err), log), err);
}

// New mount API, one "lowerdir+" per layer (Linux 6.8+). Returns false, having
// mounted nothing, when the kernel does not know lowerdir+ or fsopen.
bool mount_new_api(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                   const std::string& target) {
    UniqueFd fs(::fsopen("overlay", FSOPEN_CLOEXEC));
    if (!fs) {
        if (errno == ENOSYS) return false;
        throw_sys(errno, "fsopen overlay");
    }
    for (size_t i = 0; i < lowers.size(); ++i) {
        if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "lowerdir+", lowers[i].c_str(), 0) < 0) {
            // Before 6.8 the parameter is unknown: EINVAL on the first one.
            if (i == 0 && errno == EINVAL) return false;
            fs_fail(errno, fs.get(), fmt::format("overlay lower layer {}", lowers[i]));
        }
    }
    // Rootless (in the user's namespace): whiteouts and opaque marks are user.* xattrs.
    if (host_identity().rootless && ::fsconfig(fs.get(), FSCONFIG_SET_FLAG, "userxattr", nullptr, 0) < 0)
        fs_fail(errno, fs.get(), fmt::format("overlay userxattr for {}", target));
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "upperdir", upper.c_str(), 0) < 0)
        fs_fail(errno, fs.get(), fmt::format("overlay upperdir {}", upper));
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, "workdir", work.c_str(), 0) < 0)
        fs_fail(errno, fs.get(), fmt::format("overlay workdir {}", work));
    if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0)
        fs_fail(errno, fs.get(), fmt::format("creating overlay for {}", target));
    UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, 0));
    if (!mnt) fs_fail(errno, fs.get(), fmt::format("fsmount overlay for {}", target));
    if (::move_mount(mnt.get(), "", AT_FDCWD, target.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
        throw_sys(errno, "mounting overlay on {}", target);
    return true;
}

// Backslash-escapes what the overlay option parser splits on.
std::string escape_opt(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (c == ':' || c == ',' || c == '\\') out += '\\';
        out += c;
    }
    return out;
}

std::string legacy_options(const std::vector<std::string>& lowers, const std::string& upper,
                           const std::string& work) {
    std::string o = "lowerdir=";
    for (size_t i = 0; i < lowers.size(); ++i) o += (i ? ":" : "") + escape_opt(lowers[i]);
    o += ",upperdir=" + escape_opt(upper) + ",workdir=" + escape_opt(work);
    return host_identity().rootless ? o + ",userxattr" : o;
}

constexpr char kB62[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// A 6-char name for a layer path (35 bits of its sha256, from window `w`), as a
// symlink in links_dir. Reused when it already points at path; on a clash
// the next window of the hash is tried.
std::string short_link(const std::string& links_dir, const std::string& path) {
    std::string h = sha256_hex(path);
    for (size_t w = 0; w + 12 <= h.size(); w += 12) {
        uint64_t v = std::stoull(h.substr(w, 12), nullptr, 16);
        std::string name;
        for (int i = 0; i < 6; ++i, v /= 62) name += kB62[v % 62];
        std::string link = links_dir + "/" + name;
        char buf[4096];
        ssize_t n = ::readlink(link.c_str(), buf, sizeof buf);
        if (n >= 0 && std::string_view(buf, static_cast<size_t>(n)) == path) return name;
        if (n >= 0) continue;  // taken by another layer
        if (errno != ENOENT) throw_sys(errno, "readlink {}", link);
        std::string tmp = fmt::format("{}/.tmp-{}-{}", links_dir, name, ::getpid());
        ::unlink(tmp.c_str());
        if (::symlink(path.c_str(), tmp.c_str()) < 0) throw_sys(errno, "symlink {}", tmp);
        if (::rename(tmp.c_str(), link.c_str()) < 0) {
            int e = errno;
            ::unlink(tmp.c_str());
            throw_sys(e, "rename {}", link);
        }
        return name;
    }
    fail(ErrorKind::Runtime, "no free short link name for {} in {}", path, links_dir);
}

// mount(2) with paths relative to links_dir: the chdir happens in a forked
// child so this process's cwd (shared by all its threads) never moves.
void mount_from(const std::string& dir, const std::string& target, const std::string& opts) {
    pid_t pid = ::fork();
    if (pid < 0) throw_sys(errno, "fork");
    if (pid == 0) {
        int rc = 0;
        if (::chdir(dir.c_str()) < 0 || ::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) < 0)
            rc = errno;
        ::_exit(rc);
    }
    Child c(pid, pidfd_open(pid));
    int st = *c.wait();
    if (!WIFEXITED(st)) fail(ErrorKind::System, "mounting overlay on {}: helper died", target);
    if (int e = WEXITSTATUS(st)) throw_sys(e, "mounting overlay on {} (short links in {})", target, dir);
}

void mount_legacy(const std::vector<std::string>& lowers, const std::string& upper, const std::string& work,
                  const std::string& target, const std::string& links_dir) {
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    std::string opts = legacy_options(lowers, upper, work);
    if (opts.size() < page) {
        if (::mount("overlay", target.c_str(), "overlay", 0, opts.c_str()) < 0)
            throw_sys(errno, "mounting overlay on {}", target);
        return;
    }
    std::string links = absolute_path(links_dir);
    mkdir_p(links, 0755);
    std::vector<std::string> names;
    for (auto& l : lowers) names.push_back(short_link(links, l));
    std::string short_opts = legacy_options(names, upper, work);
    if (short_opts.size() >= page)
        fail(ErrorKind::Usage, "mounting overlay on {}: {} layers do not fit in one mount(2) page", target,
             lowers.size());
    mount_from(links, target, short_opts);
}

}  // namespace

void mount_overlay(const std::vector<std::string>& lowers_top_first, const std::string& upper,
                   const std::string& work, const std::string& target, const std::string& links_dir,
                   OverlayApi api) {
    if (lowers_top_first.empty()) fail(ErrorKind::Usage, "mounting overlay on {}: no lower layers", target);
    std::vector<std::string> lowers;
    for (auto& l : lowers_top_first) lowers.push_back(absolute_path(l));
    std::string up = absolute_path(upper), wk = absolute_path(work), tgt = absolute_path(target);
    mkdir_p(up, 0755);
    mkdir_p(wk, 0700);
    if (api == OverlayApi::Auto && mount_new_api(lowers, up, wk, tgt)) return;
    mount_legacy(lowers, up, wk, tgt, links_dir);
}

void unmount(const std::string& target) {
    if (::umount2(target.c_str(), UMOUNT_NOFOLLOW) == 0) return;
    if (errno == EINVAL || errno == ENOENT) return;  // not a mount point, or gone
    if (errno == EBUSY && ::umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return;
    throw_sys(errno, "unmounting {}", target);
}

bool overlay_supported(const std::string& probe_dir) {
    static std::mutex mu;
    static std::optional<bool> cached;
    std::lock_guard lock(mu);
    if (cached) return *cached;
    std::string base = fmt::format("{}/overlay-probe-{}", absolute_path(probe_dir), ::getpid());
    bool ok = false;
    try {
        remove_all(base);
        for (const char* d : {"l1", "l2", "m"}) mkdir_p(base + "/" + d, 0755);
        mount_overlay({base + "/l1", base + "/l2"}, base + "/u", base + "/w", base + "/m", base + "/links");
        unmount(base + "/m");
        ok = true;
    } catch (const Error&) {
        ok = false;
    }
    try {
        remove_all(base);
    } catch (const Error&) {
    }
    cached = ok;
    return ok;
}

}  // namespace conman
