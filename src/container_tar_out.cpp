// Packing a tree inside a container's root filesystem into a tar stream
// (image module): `cp CONTAINER:SRC -` and `export`. The start path is
// resolved inside the root; below it every entry is opened with O_NOFOLLOW
// relative to its directory's fd, so no symlink of the container's is ever
// followed and nothing outside the root is read. Symlinks are stored as
// symlinks, hardlinks within the stream as hardlinks, xattrs (overlay.*
// aside) with files and directories. Names are sorted bytewise.
#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>

#include "conman/container_tar.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/image_module.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

struct Sink {
    int fd = -1;
};

la_ssize_t sink_write(archive* a, void* ud, const void* buf, size_t n) {
    if (!try_write_all(static_cast<Sink*>(ud)->fd, std::string_view(static_cast<const char*>(buf), n))) {
        archive_set_error(a, errno, "writing the tar stream: %s", std::strerror(errno));
        return -1;
    }
    return static_cast<la_ssize_t>(n);
}

struct EntryPtr {
    archive_entry* e = archive_entry_new();
    ~EntryPtr() { archive_entry_free(e); }
};

struct ArchivePtr {
    archive* a = archive_write_new();
    ~ArchivePtr() { archive_write_free(a); }
};

const char* arch_err(archive* a) { return archive_error_string(a) ? archive_error_string(a) : "unknown error"; }

class TreeTar {
public:
    TreeTar(archive* a, const TarOutRequest& r) : a_(a), r_(r) {}

    // dirfd/name ("" = dirfd itself) as tar entry tar_name; a directory's
    // children follow it. tar_name "" writes only the children.
    void entry(int dirfd, const std::string& name, const std::string& tar_name, const std::string& shown);
    int64_t count() const { return count_; }

private:
    void header(archive_entry* e, const std::string& shown);
    void add_xattrs(archive_entry* e, int fd, const std::string& shown);
    void data(int fd, int64_t size, const std::string& shown);

    archive* a_;
    const TarOutRequest& r_;
    int64_t count_ = 0;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

void TreeTar::header(archive_entry* e, const std::string& shown) {
    if (r_.set_owner) {
        archive_entry_set_uid(e, r_.owner.uid);
        archive_entry_set_gid(e, r_.owner.gid);
    }
    // ARCHIVE_WARN: a name not valid in the locale's charset, stored as raw bytes.
    int rc = archive_write_header(a_, e);
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) fail(ErrorKind::System, "tar entry {}: {}", shown, arch_err(a_));
    ++count_;
}

void TreeTar::add_xattrs(archive_entry* e, int fd, const std::string& shown) {
    auto list = [fd](char* buf, size_t size) { return ::flistxattr(fd, buf, size); };
    for (auto& n : packable_xattr_names(list, shown)) {
        ssize_t vl = ::fgetxattr(fd, n.c_str(), nullptr, 0);
        if (vl < 0) continue;  // removed meanwhile
        std::vector<char> v(static_cast<size_t>(vl) + 1);
        vl = ::fgetxattr(fd, n.c_str(), v.data(), v.size());
        if (vl >= 0) archive_entry_xattr_add_entry(e, n.c_str(), v.data(), static_cast<size_t>(vl));
    }
}

// Exactly size bytes: a file that shrinks while it is read (a running
// container) is padded with zeros, one that grows is cut at its stat size.
void TreeTar::data(int fd, int64_t size, const std::string& shown) {
    std::vector<char> buf(256 * 1024);
    int64_t left = size;
    while (left > 0) {
        long n = read_some(fd, buf.data(), static_cast<size_t>(std::min<int64_t>(left, static_cast<int64_t>(buf.size()))));
        if (n < 0) throw_sys(errno, "reading {}", shown);
        if (n == 0) {
            n = static_cast<long>(std::min<int64_t>(left, static_cast<int64_t>(buf.size())));
            std::fill(buf.begin(), buf.begin() + n, 0);
        }
        if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) != n)
            fail(ErrorKind::System, "tar data of {}: {}", shown, arch_err(a_));
        left -= n;
    }
}

void TreeTar::entry(int dirfd, const std::string& name, const std::string& tar_name, const std::string& shown) {
    struct stat st;
    int rc = name.empty() ? ::fstat(dirfd, &st) : ::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW);
    if (rc < 0) {
        if (errno == ENOENT && !tar_name.empty()) return;  // removed while we walk a running container
        throw_sys(errno, "stat {}", shown);
    }
    if (S_ISSOCK(st.st_mode)) return;  // tar has no sockets
    EntryPtr ep;
    archive_entry* e = ep.e;
    UniqueFd fd;
    if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)) {
        int flags = S_ISDIR(st.st_mode) ? O_RDONLY | O_DIRECTORY : O_RDONLY;
        fd = UniqueFd(::openat(dirfd, name.empty() ? "." : name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY));
        if (!fd) {
            if (errno == ENOENT && !tar_name.empty()) return;
            throw_sys(errno, "open {}", shown);
        }
        // The type and size of what we opened, not of what was there before.
        if (::fstat(fd.get(), &st) < 0) throw_sys(errno, "stat {}", shown);
    }
    if (!tar_name.empty()) {
        archive_entry_copy_stat(e, &st);
        archive_entry_unset_atime(e);
        archive_entry_unset_ctime(e);
        archive_entry_unset_birthtime(e);
        archive_entry_set_nlink(e, 1);
        archive_entry_set_ino(e, 0);
        archive_entry_set_dev(e, 0);
        archive_entry_set_pathname(e, tar_name.c_str());
        if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
            auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, tar_name);
            if (!fresh) {
                archive_entry_set_hardlink(e, it->second.c_str());
                archive_entry_set_size(e, 0);
                header(e, shown);
                return;
            }
        }
        if (S_ISLNK(st.st_mode)) {
            std::vector<char> buf(static_cast<size_t>(st.st_size) + 2);
            ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size() - 1);
            if (n < 0) throw_sys(errno, "readlink {}", shown);
            archive_entry_set_symlink(e, std::string(buf.data(), static_cast<size_t>(n)).c_str());
        }
        if (fd) add_xattrs(e, fd.get(), shown);
        if (!S_ISREG(st.st_mode)) archive_entry_set_size(e, 0);
        header(e, shown);
        if (S_ISREG(st.st_mode)) data(fd.get(), st.st_size, shown);
    }
    if (!S_ISDIR(st.st_mode)) return;
    std::string prefix = tar_name.empty() ? "" : tar_name + "/";
    for (auto& n : dir_names(fd.get(), shown)) entry(fd.get(), n, prefix + n, shown + (shown.ends_with("/") ? "" : "/") + n);
}

}  // namespace

TarResult write_tree_tar(const TarOutRequest& r) {
    UniqueFd root = open_root(r.root);
    InRoot at = resolve_in_root(root.get(), r.path, true, r.path);
    struct stat st;
    if (!stat_at(at, st)) fail(ErrorKind::NotFound, "{}: no such file or directory", r.path);
    if (r.name.empty() && !S_ISDIR(st.st_mode)) fail(ErrorKind::Usage, "{}: not a directory", r.path);
    ArchivePtr ap;
    archive* a = ap.a;
    // ustar unless an entry needs more (long names, big ids, xattrs), which
    // is what GNU tar and Go's archive/tar (podman) write too.
    archive_write_set_format_pax_restricted(a);
    // xattrs as SCHILY.xattr only: what GNU tar and Go read without warnings.
    archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
    archive_write_add_filter_none(a);
    archive_write_set_bytes_in_last_block(a, 1);
    Sink sink{r.fd};
    if (archive_write_open(a, &sink, nullptr, sink_write, nullptr) != ARCHIVE_OK)
        fail(ErrorKind::System, "writing the tar stream: {}", arch_err(a));
    TreeTar tt(a, r);
    tt.entry(at.parent.get(), at.name, r.name, at.path);
    if (archive_write_close(a) != ARCHIVE_OK) fail(ErrorKind::System, "finishing the tar stream: {}", arch_err(a));
    return {tt.count()};
}

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_tar_out_v1, conman::TarOutRequest, conman::TarResult, out = conman::write_tree_tar(in))
