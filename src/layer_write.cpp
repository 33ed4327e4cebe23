// Packing an overlay-form directory into an OCI layer tar.
#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>
#include <zlib.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/layer.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

// Where libarchive's output goes: hashed and counted as plain tar, then
// written out as is or through deflate.
struct TarSink {
    UniqueFd fd;
    bool gzip = false;
    z_stream zs{};
    bool zs_init = false;
    Sha256 hash;
    int64_t size = 0;
    std::vector<unsigned char> zbuf = std::vector<unsigned char>(256 * 1024);

    ~TarSink() {
        if (zs_init) deflateEnd(&zs);
    }
    void deflate_out(const void* p, size_t n, int flush) {
        zs.next_in = static_cast<Bytef*>(const_cast<void*>(p));
        zs.avail_in = static_cast<uInt>(n);
        do {
            zs.next_out = zbuf.data();
            zs.avail_out = static_cast<uInt>(zbuf.size());
            int r = deflate(&zs, flush);
            if (r == Z_STREAM_ERROR) throw Error(ErrorKind::System, "zlib: deflate failed");
            write_all(fd.get(), std::string_view(reinterpret_cast<char*>(zbuf.data()), zbuf.size() - zs.avail_out));
        } while (zs.avail_out == 0 || zs.avail_in > 0);
    }
    void put(const void* p, size_t n) {
        hash.update(p, n);
        size += static_cast<int64_t>(n);
        if (gzip) deflate_out(p, n, Z_NO_FLUSH);
        else write_all(fd.get(), std::string_view(static_cast<const char*>(p), n));
    }
};

la_ssize_t sink_write(archive* a, void* ud, const void* buf, size_t n) {
    try {
        static_cast<TarSink*>(ud)->put(buf, n);
        return static_cast<la_ssize_t>(n);
    } catch (const std::exception& e) {
        archive_set_error(a, EIO, "%s", e.what());
        return -1;
    }
}

std::string overlay_opaque(const std::string& path) {
    for (const char* name : {"trusted.overlay.opaque", "user.overlay.opaque"}) {
        char v[8];
        ssize_t n = ::lgetxattr(path.c_str(), name, v, sizeof v);
        if (n == 1 && v[0] == 'y') return name;
    }
    return {};
}

class TarWriter {
public:
    TarWriter(archive* a, std::string root) : a_(a), root_(std::move(root)) {}
    void walk(const std::string& rel);

private:
    void write_entry(archive_entry* e, const std::string& full);
    void add_xattrs(archive_entry* e, const std::string& full);
    void one(const std::string& rel, const std::string& name);

    archive* a_;
    std::string root_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // first path of each multi-linked inode
};

struct EntryPtr {
    archive_entry* e = archive_entry_new();
    ~EntryPtr() { archive_entry_free(e); }
};

void TarWriter::walk(const std::string& rel) {
    std::string dir = rel.empty() ? root_ : root_ + "/" + rel;
    DIR* d = ::opendir(dir.c_str());
    if (!d) throw_sys(errno, "opendir {}", dir);
    std::vector<std::string> names;
    while (dirent* de = ::readdir(d)) {
        std::string_view n = de->d_name;
        if (n != "." && n != "..") names.emplace_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (auto& n : names) one(rel, n);
}

void TarWriter::one(const std::string& rel_dir, const std::string& name) {
    std::string rel = rel_dir.empty() ? name : rel_dir + "/" + name;
    std::string full = root_ + "/" + rel;
    struct stat st;
    if (::lstat(full.c_str(), &st) < 0) throw_sys(errno, "lstat {}", full);
    EntryPtr ep;
    archive_entry* e = ep.e;
    archive_entry_copy_stat(e, &st);
    archive_entry_unset_atime(e);
    archive_entry_unset_ctime(e);
    archive_entry_unset_birthtime(e);
    archive_entry_set_nlink(e, 1);
    archive_entry_set_ino(e, 0);
    archive_entry_set_dev(e, 0);
    if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0)) {  // overlay whiteout
        std::string wh = rel_dir.empty() ? ".wh." + name : rel_dir + "/.wh." + name;
        archive_entry_set_pathname(e, wh.c_str());
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_rdev(e, 0);
        archive_entry_set_size(e, 0);
        write_entry(e, {});
        return;
    }
    archive_entry_set_pathname(e, rel.c_str());
    add_xattrs(e, full);
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
        auto [it, fresh] = links_.try_emplace({st.st_dev, st.st_ino}, rel);
        if (!fresh) {
            archive_entry_set_hardlink(e, it->second.c_str());
            archive_entry_set_size(e, 0);
            write_entry(e, {});
            return;
        }
    }
    if (S_ISLNK(st.st_mode)) {
        std::vector<char> buf(static_cast<size_t>(st.st_size) + 1);
        ssize_t n = ::readlink(full.c_str(), buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "readlink {}", full);
        archive_entry_set_symlink(e, std::string(buf.data(), static_cast<size_t>(n)).c_str());
    }
    if (!S_ISREG(st.st_mode)) archive_entry_set_size(e, 0);
    write_entry(e, S_ISREG(st.st_mode) ? full : std::string());
    if (S_ISDIR(st.st_mode)) {
        if (!overlay_opaque(full).empty()) {
            EntryPtr op;
            archive_entry_set_pathname(op.e, (rel + "/.wh..wh..opq").c_str());
            archive_entry_set_filetype(op.e, AE_IFREG);
            archive_entry_set_perm(op.e, 0);
            archive_entry_set_size(op.e, 0);
            archive_entry_set_mtime(op.e, st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
            write_entry(op.e, {});
        }
        walk(rel);
    }
}

void TarWriter::add_xattrs(archive_entry* e, const std::string& full) {
    auto list = [&](char* buf, size_t size) { return ::llistxattr(full.c_str(), buf, size); };
    for (auto& n : packable_xattr_names(list, full)) {
        ssize_t vl = ::lgetxattr(full.c_str(), n.c_str(), nullptr, 0);
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, full);
        std::vector<char> v(static_cast<size_t>(vl) + 1);
        vl = ::lgetxattr(full.c_str(), n.c_str(), v.data(), v.size());
        if (vl < 0) throw_sys(errno, "reading xattr {} of {}", n, full);
        archive_entry_xattr_add_entry(e, n.c_str(), v.data(), static_cast<size_t>(vl));
    }
}

void TarWriter::write_entry(archive_entry* e, const std::string& data_path) {
    if (archive_write_header(a_, e) != ARCHIVE_OK)
        fail(ErrorKind::Runtime, "writing tar entry {}: {}", archive_entry_pathname(e),
             archive_error_string(a_) ? archive_error_string(a_) : "unknown error");
    if (data_path.empty()) return;
    UniqueFd fd = open_fd(data_path, O_RDONLY | O_NOFOLLOW);
    std::vector<char> buf(256 * 1024);
    int64_t left = archive_entry_size(e);
    while (left > 0) {
        long n = read_some(fd.get(), buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "reading {}", data_path);
        if (n == 0) fail(ErrorKind::Runtime, "{} shrank while it was being packed", data_path);
        n = std::min<long>(n, left);
        if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) != n)
            fail(ErrorKind::Runtime, "writing tar data of {}: {}", data_path,
                 archive_error_string(a_) ? archive_error_string(a_) : "unknown error");
        left -= n;
    }
}

struct ArchivePtr {
    archive* a = archive_write_new();
    ~ArchivePtr() { archive_write_free(a); }
};

}  // namespace

LayerStats write_layer_tar(const std::string& dir, const std::string& out_path, bool gzip) {
    TarSink sink;
    sink.fd = open_fd(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    sink.gzip = gzip;
    if (gzip) {
        if (deflateInit2(&sink.zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            throw Error(ErrorKind::System, "zlib: deflateInit2 failed");
        sink.zs_init = true;
    }
    ArchivePtr ap;
    archive* a = ap.a;
    archive_write_set_format_pax(a);
    // Names are bytes: no conversion through the process locale (often "C").
    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY");
    archive_write_add_filter_none(a);
    if (archive_write_open(a, &sink, nullptr, sink_write, nullptr) != ARCHIVE_OK)
        fail(ErrorKind::Runtime, "writing layer {}: {}", out_path, archive_error_string(a));
    try {
        TarWriter(a, dir).walk("");
        if (archive_write_close(a) != ARCHIVE_OK)
            fail(ErrorKind::Runtime, "finishing tar: {}", archive_error_string(a) ? archive_error_string(a) : "unknown error");
        if (gzip) sink.deflate_out(nullptr, 0, Z_FINISH);
        if (::fsync(sink.fd.get()) < 0) throw_sys(errno, "fsync {}", out_path);
    } catch (const Error& e) {
        ::unlink(out_path.c_str());
        throw e.prefixed(fmt::format("writing layer {} from {}", out_path, dir));
    }
    return {sink.hash.digest(), sink.size};
}

std::vector<std::string> packable_xattr_names(const std::function<ssize_t(char*, size_t)>& list,
                                              const std::string& shown) {
    ssize_t len = list(nullptr, 0);
    if (len < 0 && errno == ENOTSUP) return {};
    if (len < 0) throw_sys(errno, "listing xattrs of {}", shown);
    if (len == 0) return {};
    std::vector<char> names(static_cast<size_t>(len) + 1);
    len = list(names.data(), names.size());
    if (len < 0) throw_sys(errno, "listing xattrs of {}", shown);
    std::vector<std::string> out;
    for (ssize_t i = 0; i < len; i += static_cast<ssize_t>(std::strlen(names.data() + i)) + 1) {
        std::string n = names.data() + i;
        if (!n.starts_with("trusted.overlay.") && !n.starts_with("user.overlay.")) out.push_back(std::move(n));
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace conman
