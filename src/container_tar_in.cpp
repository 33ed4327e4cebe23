// Unpacking a tar stream into a directory of a container's root filesystem
// (image module): `cp - CONTAINER:DEST`. Each entry's directory is resolved
// inside the root (the container's own symlinks resolve within it, as they
// would for a process in the container) and the entry itself is created with
// *at(2) calls that never follow its final component. Names with ".." are
// refused; leading "/" and "./" are dropped, so every entry lands below DEST.
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <fcntl.h>
#include <unistd.h>
#include <vector>

#include "conman/container_tar.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/image_module.hpp"

namespace conman {

namespace {

struct ReadPtr {
    archive* a = archive_read_new();
    ~ReadPtr() { archive_read_free(a); }
};

const char* arch_err(archive* a) { return archive_error_string(a) ? archive_error_string(a) : "unknown error"; }

// "./a//b/" -> "a/b"; "" for the archive's own root; throws on "..".
std::string clean_name(const char* raw) {
    std::string in = raw ? raw : "";
    std::string out;
    size_t i = 0;
    while (i <= in.size()) {
        size_t j = in.find('/', i);
        if (j == std::string::npos) j = in.size();
        std::string c = in.substr(i, j - i);
        i = j + 1;
        if (c.empty() || c == ".") continue;
        if (c == "..") fail(ErrorKind::Usage, "tar entry \"{}\": \"..\" is not allowed in names", in);
        out += (out.empty() ? "" : "/") + c;
    }
    return out;
}

class Unpacker {
public:
    Unpacker(const TarInRequest& r) : r_(r), root_(open_root(r.root)) {}
    void run(archive* a);
    int64_t count() const { return count_; }

private:
    std::string full(const std::string& rel) const { return rel.empty() ? r_.dest : r_.dest + "/" + rel; }
    UniqueFd ensure_dir(const std::string& rel);
    void one(archive* a, archive_entry* e, const std::string& name);
    void write_data(archive* a, int fd, const std::string& shown);

    const TarInRequest& r_;
    UniqueFd root_;
    int64_t count_ = 0;
    struct DirTime {
        std::string path;
        timespec mtime;
    };
    std::vector<DirTime> dirs_;
};

// An O_PATH fd for the directory dest/rel, creating what is missing (mode
// 0755, owned like the entries) the way tar does for implied parents.
UniqueFd Unpacker::ensure_dir(const std::string& rel) {
    std::string path = full(rel);
    InRoot at;
    try {
        at = resolve_in_root(root_.get(), path, true, path);
    } catch (const Error& e) {
        if (e.kind() != ErrorKind::NotFound || rel.empty()) throw;
        ensure_dir(path_parent(rel) == "." ? "" : path_parent(rel));
        at = resolve_in_root(root_.get(), path, true, path);
    }
    struct stat st;
    if (!stat_at(at, st)) {
        if (::mkdirat(at.parent.get(), at.name.c_str(), 0755) < 0 && errno != EEXIST) throw_sys(errno, "mkdir {}", path);
        Owner o = r_.set_owner ? r_.owner : Owner{};
        if (::fchownat(at.parent.get(), at.name.c_str(), o.uid, o.gid, AT_SYMLINK_NOFOLLOW) < 0)
            throw_sys(errno, "chown {}", path);
    } else if (!S_ISDIR(st.st_mode)) {
        fail(ErrorKind::Conflict, "{}: not a directory", at.path);
    }
    int fd = ::openat(at.parent.get(), at.name.empty() ? "." : at.name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) throw_sys(errno, "open {}", path);
    return UniqueFd(fd);
}

void Unpacker::write_data(archive* a, int fd, const std::string& shown) {
    const void* buf;
    size_t size;
    la_int64_t offset;
    for (;;) {
        int r = archive_read_data_block(a, &buf, &size, &offset);
        if (r == ARCHIVE_EOF) return;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail(ErrorKind::Usage, "tar data of {}: {}", shown, arch_err(a));
        if (::lseek(fd, offset, SEEK_SET) < 0) throw_sys(errno, "seek {}", shown);
        write_all(fd, std::string_view(static_cast<const char*>(buf), size));
    }
}

void Unpacker::one(archive* a, archive_entry* e, const std::string& name) {
    std::string shown = full(name);
    std::string parent_rel = path_parent(name) == "." ? "" : path_parent(name);
    std::string base = path_base(name);
    UniqueFd pfd = ensure_dir(parent_rel);
    int p = pfd.get();
    Owner owner = r_.set_owner ? r_.owner : Owner{static_cast<uint32_t>(archive_entry_uid(e)), static_cast<uint32_t>(archive_entry_gid(e))};
    mode_t perm = archive_entry_perm(e);
    timespec mtime{archive_entry_mtime(e), archive_entry_mtime_nsec(e)};
    if (const char* hl = archive_entry_hardlink(e)) {
        std::string target = clean_name(hl);
        InRoot t = resolve_in_root(root_.get(), full(target), false, full(target));
        struct stat st;
        if (!stat_at(t, st) || S_ISDIR(st.st_mode))
            fail(ErrorKind::Usage, "tar entry {}: its hardlink target {} is not an earlier file", name, target);
        make_room(p, base, false, r_.overwrite, shown);
        if (::linkat(t.parent.get(), t.name.c_str(), p, base.c_str(), 0) < 0) throw_sys(errno, "link {}", shown);
        return;
    }
    mode_t type = archive_entry_filetype(e);
    switch (type) {
    case AE_IFDIR: {
        if (!make_room(p, base, true, r_.overwrite, shown) && ::mkdirat(p, base.c_str(), 0700) < 0)
            throw_sys(errno, "mkdir {}", shown);
        set_owner_mode_times(p, base, S_IFDIR, owner, perm, mtime, mtime, shown);
        dirs_.push_back({shown, mtime});
        return;
    }
    case AE_IFREG: {
        make_room(p, base, false, r_.overwrite, shown);
        UniqueFd fd(::openat(p, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!fd) throw_sys(errno, "create {}", shown);
        write_data(a, fd.get(), shown);
        if (::ftruncate(fd.get(), archive_entry_size(e)) < 0) throw_sys(errno, "truncate {}", shown);
        set_owner_mode_times(fd.get(), "", S_IFREG, owner, perm, mtime, mtime, shown);
        return;
    }
    case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        make_room(p, base, false, r_.overwrite, shown);
        // Stored as written: we never follow it, the container may.
        if (::symlinkat(target ? target : "", p, base.c_str()) < 0) throw_sys(errno, "symlink {}", shown);
        set_owner_mode_times(p, base, S_IFLNK, owner, perm, mtime, mtime, shown);
        return;
    }
    case AE_IFCHR:
    case AE_IFBLK:
    case AE_IFIFO: {
        make_room(p, base, false, r_.overwrite, shown);
        if (::mknodat(p, base.c_str(), type | 0600, archive_entry_rdev(e)) < 0) throw_sys(errno, "mknod {}", shown);
        set_owner_mode_times(p, base, type, owner, perm, mtime, mtime, shown);
        return;
    }
    default:
        return;  // sockets and unknown types: nothing to create
    }
}

void Unpacker::run(archive* a) {
    for (;;) {
        archive_entry* e = nullptr;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) fail(ErrorKind::Usage, "reading the tar stream: {}", arch_err(a));
        std::string name = clean_name(archive_entry_pathname(e));
        if (name.empty()) continue;  // the archive's "./": DEST itself keeps its attributes
        one(a, e, name);
        ++count_;
    }
    // Directory times last: creating their children changed them.
    for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
        InRoot at = resolve_in_root(root_.get(), it->path, false, it->path);
        timespec ts[2] = {it->mtime, it->mtime};
        struct stat st;
        if (stat_at(at, st) && S_ISDIR(st.st_mode) && !at.name.empty())
            ::utimensat(at.parent.get(), at.name.c_str(), ts, AT_SYMLINK_NOFOLLOW);
    }
}

}  // namespace

TarResult read_tree_tar(const TarInRequest& r) {
    ReadPtr rp;
    archive* a = rp.a;
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(a, r.fd, 64 * 1024) != ARCHIVE_OK)
        fail(ErrorKind::Usage, "reading the tar stream: {}", arch_err(a));
    Unpacker u(r);
    u.run(a);
    return {u.count()};
}

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_tar_in_v1, conman::TarInRequest, conman::TarResult, out = conman::read_tree_tar(in))
