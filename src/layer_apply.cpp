// The unpacking child: tar stream in, overlay-form diff dir out.
// It is forked by the single-threaded unpack server (layer_fork_server.cpp),
// so it may allocate freely; it leaves with _exit and its errors travel as
// strings on the report pipe, not as exceptions.
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <set>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "conman/archive_io.hpp"
#include "conman/crash_point.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

constexpr int kDiskFlags = ARCHIVE_EXTRACT_OWNER | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_TIME |
                           ARCHIVE_EXTRACT_XATTR | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                           ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
constexpr std::string_view kWh = ".wh.";
constexpr std::string_view kOpaque = ".wh..wh..opq";
constexpr std::string_view kWhMeta = ".wh..wh.";

std::string archive_err(archive* a) { return archive_error_text(a); }

bool is_overlay_xattr(std::string_view n) {
    return n.starts_with("trusted.overlay.") || n.starts_with("user.overlay.");
}

// Splits a tar name into clean components: "./" prefixes, "." components and
// repeated slashes go away. Absolute names and ".." are refused, not clamped.
bool normalize(std::string_view s, std::string& out, std::string& why) {
    out.clear();
    if (s.starts_with('/')) {
        why = "absolute path";
        return false;
    }
    size_t i = 0;
    while (i <= s.size()) {
        size_t j = s.find('/', i);
        if (j == std::string_view::npos) j = s.size();
        std::string_view c = s.substr(i, j - i);
        if (c == "..") {
            why = "path escapes the layer";
            return false;
        }
        if (!c.empty() && c != ".") {
            if (!out.empty()) out += '/';
            out += c;
        }
        i = j + 1;
    }
    return true;
}

struct RootAttrs {
    bool set = false;
    mode_t mode = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    timespec mtime{};
};

class Unpacker {
public:
    explicit Unpacker(bool rootless)
        : rootless_(rootless), opaque_xattr_(rootless ? "user.overlay.opaque" : "trusted.overlay.opaque") {}
    ~Unpacker() {
        if (in_) archive_read_free(in_);
        if (out_) archive_write_free(out_);
    }
    std::string run(int data_fd);

private:
    bool fail(std::string_view raw, std::string reason) {
        err_ = fmt::format("entry {:?}: {}", raw, reason);
        return false;
    }
    bool entry(archive_entry* e);
    bool whiteout(std::string_view raw, const std::string& name, size_t slash, archive_entry* e);
    bool regular(std::string_view raw, const std::string& name, archive_entry* e);
    bool copy_data(std::string_view raw);
    std::string check_parents(const std::string& name, bool create);
    void forget_below(const std::string& name);
    void drop_overlay_xattrs(archive_entry* e);
    bool finish_root();

    bool rootless_;
    const char* opaque_xattr_;
    archive* in_ = nullptr;
    archive* out_ = nullptr;
    std::set<std::string> dirs_;                     // real directories written by this layer
    std::unordered_map<std::string, mode_t> seen_;  // entries written, with their file type
    RootAttrs root_;
    size_t entries_ = 0;
    std::string err_;
};

std::string Unpacker::run(int data_fd) {
    in_ = archive_read_new();
    out_ = archive_write_disk_new();
    if (!in_ || !out_) return "out of memory";
    archive_read_support_format_tar(in_);
    if (archive_read_open_fd(in_, data_fd, 128 * 1024) != ARCHIVE_OK) return "reading tar: " + archive_err(in_);
    // No archive_write_disk_set_standard_lookup: owners stay numeric, never
    // mapped through the host's passwd/group.
    archive_write_disk_set_options(out_, kDiskFlags);
    for (;;) {
        archive_entry* e = nullptr;
        int r = archive_read_next_header(in_, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) return "reading tar: " + archive_err(in_);
        if (!entry(e)) return err_;
        if (++entries_ == 2) crash_point("unpack:mid-layer");  // the unpacker dies with a layer half written
    }
    // Close applies the deferred directory modes and times.
    if (archive_write_close(out_) != ARCHIVE_OK) return "finishing directories: " + archive_err(out_);
    if (!finish_root()) return err_;
    return {};
}

bool Unpacker::entry(archive_entry* e) {
    const char* rawp = archive_entry_pathname(e);
    if (!rawp) return fail("", "entry without a usable name");
    // A copy: libarchive may rewrite its pathname buffer (a trailing "/"
    // becomes a NUL) before an error message is made from it.
    const std::string raw_name = rawp;
    std::string_view raw = raw_name;
    std::string name, why;
    if (!normalize(raw, name, why)) return fail(raw, why);
    if (name.empty()) {  // the layer root itself ("./"): keep its attributes for the end
        if (archive_entry_filetype(e) != AE_IFDIR) return fail(raw, "layer root is not a directory");
        root_ = {true, static_cast<mode_t>(archive_entry_perm(e)), static_cast<uid_t>(archive_entry_uid(e)),
                 static_cast<gid_t>(archive_entry_gid(e)),
                 {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
        return true;
    }
    size_t slash = name.rfind('/');
    std::string_view base = slash == std::string::npos ? std::string_view(name) : std::string_view(name).substr(slash + 1);
    if (base.starts_with(kWh)) return whiteout(raw, name, slash, e);
    // A user namespace may not make device nodes: skip them, as rootless
    // podman does (the runtime bind-mounts /dev's devices anyway).
    mode_t type = archive_entry_filetype(e);
    if (rootless_ && (type == AE_IFCHR || type == AE_IFBLK)) return true;
    return regular(raw, name, e);
}

bool Unpacker::whiteout(std::string_view raw, const std::string& name, size_t slash, archive_entry* e) {
    std::string parent = slash == std::string::npos ? std::string() : name.substr(0, slash);
    std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
    if (base != kOpaque && base.starts_with(kWhMeta)) return true;  // .wh..wh.plnk and friends: metadata, skipped
    if (auto why = check_parents(name, true); !why.empty()) return fail(raw, why);
    if (base == kOpaque) {
        const char* dir = parent.empty() ? "." : parent.c_str();
        if (::lsetxattr(dir, opaque_xattr_, "y", 1, 0) < 0)
            return fail(raw, fmt::format("setting {}: {}", opaque_xattr_, std::strerror(errno)));
        return true;
    }
    std::string hidden = base.substr(kWh.size());
    if (hidden.empty()) return fail(raw, "whiteout without a name");
    if (hidden == "." || hidden == "..") return fail(raw, "whiteout escapes its directory");
    std::string path = parent.empty() ? hidden : parent + "/" + hidden;
    struct stat st;
    if (::fstatat(AT_FDCWD, path.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;  // same-layer entry wins
    if (::mknodat(AT_FDCWD, path.c_str(), S_IFCHR | 0000, makedev(0, 0)) < 0)
        return fail(raw, fmt::format("creating whiteout: {}", std::strerror(errno)));
    // The marker's time, so that unpacking the same layer twice gives the same tree.
    timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                      {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    if (::utimensat(AT_FDCWD, path.c_str(), ts, AT_SYMLINK_NOFOLLOW) < 0)
        return fail(raw, fmt::format("setting whiteout times: {}", std::strerror(errno)));
    seen_[path] = S_IFCHR;
    return true;
}

bool Unpacker::regular(std::string_view raw, const std::string& name, archive_entry* e) {
    if (auto why = check_parents(name, false); !why.empty()) return fail(raw, why);
    std::string target;
    if (const char* hl = archive_entry_hardlink(e)) {
        std::string why;
        if (!normalize(hl, target, why)) return fail(raw, fmt::format("hardlink target {:?}: {}", hl, why));
        auto it = seen_.find(target);
        if (target.empty() || it == seen_.end())
            return fail(raw, fmt::format("hardlink target {:?} is not an earlier entry of this layer", hl));
        if (S_ISDIR(it->second)) return fail(raw, fmt::format("hardlink target {:?} is a directory", hl));
        if (auto w = check_parents(target, false); !w.empty()) return fail(raw, "hardlink target: " + w);
        archive_entry_copy_hardlink(e, target.c_str());
    }
    archive_entry_copy_pathname(e, name.c_str());
    drop_overlay_xattrs(e);
    mode_t type = archive_entry_filetype(e);
    if (!target.empty()) type = seen_[target];
    // Every status but OK counts: ARCHIVE_FAILED would let libarchive skip the
    // entry, and a WARN means an owner, mode, time or xattr was not applied.
    if (archive_write_header(out_, e) != ARCHIVE_OK) return fail(raw, archive_err(out_));
    if (archive_entry_size(e) > 0 && !copy_data(raw)) return false;
    if (archive_write_finish_entry(out_) != ARCHIVE_OK) return fail(raw, archive_err(out_));
    seen_[name] = type;
    if (S_ISDIR(type)) dirs_.insert(name);
    else forget_below(name);
    return true;
}

bool Unpacker::copy_data(std::string_view raw) {
    for (;;) {
        const void* buf;
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(in_, &buf, &size, &off);
        if (r == ARCHIVE_EOF) return true;
        if (r != ARCHIVE_OK) return fail(raw, "reading data: " + archive_err(in_));
        if (archive_write_data_block(out_, buf, size, off) != ARCHIVE_OK)
            return fail(raw, "writing data: " + archive_err(out_));
    }
}

// Checks every parent of name, shortest first, without following symlinks:
// each must be a real directory or missing (then created when asked). Returns
// the reason for refusal, empty when fine.
std::string Unpacker::check_parents(const std::string& name, bool create) {
    for (size_t pos = name.find('/'); pos != std::string::npos; pos = name.find('/', pos + 1)) {
        std::string prefix = name.substr(0, pos);
        if (dirs_.count(prefix)) continue;
        struct stat st;
        if (::fstatat(AT_FDCWD, prefix.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
            if (errno != ENOENT) return fmt::format("checking {:?}: {}", prefix, std::strerror(errno));
            if (!create) return {};  // libarchive creates the rest, below a checked real directory
            if (::mkdirat(AT_FDCWD, prefix.c_str(), 0755) < 0)
                return fmt::format("creating {:?}: {}", prefix, std::strerror(errno));
            seen_[prefix] = S_IFDIR;
        } else if (S_ISLNK(st.st_mode)) {
            return fmt::format("path goes through symlink {:?}", prefix);
        } else if (!S_ISDIR(st.st_mode)) {
            return fmt::format("parent {:?} is not a directory", prefix);
        }
        dirs_.insert(prefix);
    }
    return {};
}

// name is no longer a directory: nothing below it may be trusted as one.
void Unpacker::forget_below(const std::string& name) {
    dirs_.erase(name);
    std::string lo = name + "/", hi = name + "0";  // '0' follows '/' in ASCII
    dirs_.erase(dirs_.lower_bound(lo), dirs_.lower_bound(hi));
}

// overlay.* xattrs in a tar would steer overlayfs itself (opaque, redirect,
// metacopy): only whiteout entries may produce them.
void Unpacker::drop_overlay_xattrs(archive_entry* e) {
    if (archive_entry_xattr_count(e) == 0) return;
    std::vector<std::pair<std::string, std::string>> keep;
    bool dropped = false;
    archive_entry_xattr_reset(e);
    const char* n;
    const void* v;
    size_t sz;
    while (archive_entry_xattr_next(e, &n, &v, &sz) == ARCHIVE_OK) {
        if (is_overlay_xattr(n)) dropped = true;
        else keep.emplace_back(n, std::string(static_cast<const char*>(v), sz));
    }
    if (!dropped) return;
    archive_entry_xattr_clear(e);
    for (auto& [k, val] : keep) archive_entry_xattr_add_entry(e, k.c_str(), val.data(), val.size());
}

bool Unpacker::finish_root() {
    if (!root_.set) return true;
    if (::lchown(".", root_.uid, root_.gid) < 0 || ::chmod(".", root_.mode & 07777) < 0)
        return fail("./", fmt::format("setting owner/mode of the layer root: {}", std::strerror(errno)));
    timespec ts[2] = {root_.mtime, root_.mtime};
    if (::utimensat(AT_FDCWD, ".", ts, AT_SYMLINK_NOFOLLOW) < 0)
        return fail("./", fmt::format("setting times of the layer root: {}", std::strerror(errno)));
    return true;
}

}  // namespace

[[noreturn]] void unpack_child_main(const char* dest, int data_fd, int err_fd, bool rootless_xattrs) {
    std::string err;
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    try {
        // chroot clamps anything libarchive or this code might get wrong to
        // dest. Without CAP_SYS_CHROOT (unprivileged, no user namespace) the
        // name checks and libarchive's SECURE flags still hold the line.
        if (::chdir(dest) < 0) {
            err = fmt::format("chdir {}: {}", dest, std::strerror(errno));
        } else if (::chroot(".") < 0 && errno != EPERM) {
            err = fmt::format("chroot {}: {}", dest, std::strerror(errno));
        } else {
            ::umask(022);
            err = Unpacker(rootless_xattrs).run(data_fd);
        }
    } catch (const std::exception& e) {
        err = e.what();
    } catch (...) {
        err = "unknown failure";
    }
    if (err.size() > 4000) err.resize(4000);
    err.insert(0, err.empty() ? "0" : "1");
    {
        const char* p = err.data();
        size_t left = err.size();
        while (left > 0) {
            ssize_t n = ::write(err_fd, p, left);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) break;
            p += n;
            left -= static_cast<size_t>(n);
        }
    }
    ::_exit(err.size() > 1 ? 1 : 0);
}

}  // namespace conman
