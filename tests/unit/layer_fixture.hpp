// Test helpers for layer_test.cpp and storage_test.cpp: tar fixtures built
// with libarchive's write API, compression with zlib/zstd directly (so member
// and frame boundaries are under the test's control), scratch dirs and tree
// snapshots for comparing results.
#pragma once
#include <algorithm>
#include <archive.h>
#include <archive_entry.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <map>
#include <stdexcept>
#include <string>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <vector>
#include <zlib.h>
#include <zstd.h>

#include "conman/digest.hpp"
#include "conman/fs.hpp"

namespace layer_fixture {

struct Ent {
    std::string name;
    char type = 'f';  // f file, d dir, l symlink, h hardlink, c char dev, b block dev, p fifo
    std::string data;  // file content
    std::string link;  // symlink or hardlink target
    int mode = -1;     // -1: 0644 for files, 0755 for dirs, 0777 symlinks
    int64_t uid = 0, gid = 0;
    int64_t mtime = 1700000000;
    long mtime_nsec = 0;
    unsigned rmajor = 0, rminor = 0;
    std::vector<std::pair<std::string, std::string>> xattrs;
};

inline Ent F(std::string n, std::string data, int mode = 0644) {
    Ent e;
    e.name = std::move(n);
    e.data = std::move(data);
    e.mode = mode;
    return e;
}
inline Ent D(std::string n, int mode = 0755) {
    Ent e;
    e.name = std::move(n);
    e.type = 'd';
    e.mode = mode;
    return e;
}
inline Ent L(std::string n, std::string target) {
    Ent e;
    e.name = std::move(n);
    e.type = 'l';
    e.link = std::move(target);
    return e;
}
inline Ent H(std::string n, std::string target) {
    Ent e;
    e.name = std::move(n);
    e.type = 'h';
    e.link = std::move(target);
    return e;
}

inline la_ssize_t append_cb(archive*, void* ud, const void* buf, size_t n) {
    static_cast<std::string*>(ud)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
}

// A pax tar of the entries, in order, owners numeric only.
inline std::string make_tar(const std::vector<Ent>& ents) {
    std::string out;
    archive* a = archive_write_new();
    archive_write_set_format_pax(a);
    // The test runs in the C locale: write names as raw bytes.
    archive_write_set_format_option(a, "pax", "hdrcharset", "BINARY");
    archive_write_open(a, &out, nullptr, append_cb, nullptr);
    for (auto& x : ents) {
        archive_entry* e = archive_entry_new();
        archive_entry_copy_pathname(e, x.name.c_str());
        int mode = x.mode;
        switch (x.type) {
        case 'f': archive_entry_set_filetype(e, AE_IFREG); break;
        case 'd': archive_entry_set_filetype(e, AE_IFDIR); break;
        case 'l': archive_entry_set_filetype(e, AE_IFLNK); archive_entry_copy_symlink(e, x.link.c_str()); break;
        case 'h': archive_entry_set_filetype(e, AE_IFREG); archive_entry_copy_hardlink(e, x.link.c_str()); break;
        case 'c': archive_entry_set_filetype(e, AE_IFCHR); break;
        case 'b': archive_entry_set_filetype(e, AE_IFBLK); break;
        case 'p': archive_entry_set_filetype(e, AE_IFIFO); break;
        }
        if (mode < 0) mode = x.type == 'd' ? 0755 : x.type == 'l' ? 0777 : 0644;
        archive_entry_set_perm(e, static_cast<mode_t>(mode));
        archive_entry_set_uid(e, x.uid);
        archive_entry_set_gid(e, x.gid);
        archive_entry_set_mtime(e, x.mtime, x.mtime_nsec);
        if (x.type == 'c' || x.type == 'b') archive_entry_set_rdev(e, makedev(x.rmajor, x.rminor));
        archive_entry_set_size(e, x.type == 'f' ? static_cast<la_int64_t>(x.data.size()) : 0);
        for (auto& [k, v] : x.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
        if (archive_write_header(a, e) != ARCHIVE_OK)
            throw std::runtime_error(std::string("fixture: ") + archive_error_string(a));
        if (x.type == 'f' && !x.data.empty()) archive_write_data(a, x.data.data(), x.data.size());
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return out;
}

// gzip with `members` members (the input split in that many pieces).
inline std::string gzip(const std::string& in, int members = 1) {
    std::string out;
    size_t per = in.size() / static_cast<size_t>(members) + 1;
    for (int m = 0; m < members; ++m) {
        size_t off = std::min(in.size(), per * static_cast<size_t>(m));
        size_t len = std::min(per, in.size() - off);
        z_stream zs{};
        deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
        std::string buf(deflateBound(&zs, len) + 64, '\0');
        zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + off));
        zs.avail_in = static_cast<uInt>(len);
        zs.next_out = reinterpret_cast<Bytef*>(buf.data());
        zs.avail_out = static_cast<uInt>(buf.size());
        deflate(&zs, Z_FINISH);
        buf.resize(buf.size() - zs.avail_out);
        deflateEnd(&zs);
        out += buf;
    }
    return out;
}

// zstd in `frames` frames, with a skippable frame in front when asked.
inline std::string zstd(const std::string& in, int frames = 1, bool skippable = false) {
    std::string out;
    if (skippable) {
        std::string payload = "zstd:chunked metadata lives here";
        uint32_t magic = 0x184D2A50, len = static_cast<uint32_t>(payload.size());
        out.append(reinterpret_cast<const char*>(&magic), 4);
        out.append(reinterpret_cast<const char*>(&len), 4);
        out += payload;
    }
    size_t per = in.size() / static_cast<size_t>(frames) + 1;
    for (int f = 0; f < frames; ++f) {
        size_t off = std::min(in.size(), per * static_cast<size_t>(f));
        size_t len = std::min(per, in.size() - off);
        std::string buf(ZSTD_compressBound(len), '\0');
        size_t n = ZSTD_compress(buf.data(), buf.size(), in.data() + off, len, 3);
        buf.resize(n);
        out += buf;
    }
    return out;
}

inline void put_file(const std::string& path, const std::string& data) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw std::runtime_error("fixture: cannot write " + path);
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
}

inline std::string get_file(const std::string& path) { return conman::read_file(path); }

// A scratch directory under /tmp, removed (after lazy unmounts of anything
// mounted below it by the test) when it dies.
struct TmpDir {
    std::string path;
    TmpDir() {
        char t[] = "/tmp/conman-layer-XXXXXX";
        if (!::mkdtemp(t)) throw std::runtime_error("mkdtemp");
        path = t;
    }
    ~TmpDir() {
        try {
            conman::remove_all(path);
        } catch (...) {
        }
    }
    std::string sub(const std::string& n, bool create = true) const {
        std::string p = path + "/" + n;
        if (create) conman::mkdir_p(p, 0755);
        return p;
    }
};

struct Node {
    char type = '?';
    unsigned mode = 0;
    unsigned uid = 0, gid = 0;
    int64_t mtime = 0;
    long mtime_nsec = 0;
    std::string content;  // file data or symlink target
    unsigned rmajor = 0, rminor = 0;
    std::map<std::string, std::string> xattrs;
    std::string link_group;  // first path of a multi-linked inode
    bool operator==(const Node&) const = default;
};

inline std::map<std::string, std::string> xattrs_of(const std::string& p, bool with_overlay) {
    std::map<std::string, std::string> out;
    char names[4096];
    ssize_t len = ::llistxattr(p.c_str(), names, sizeof names);
    for (ssize_t i = 0; i < len; i += static_cast<ssize_t>(std::strlen(names + i)) + 1) {
        std::string n = names + i;
        if (!with_overlay && (n.starts_with("trusted.overlay.") || n.starts_with("user.overlay."))) continue;
        char v[4096];
        ssize_t vl = ::lgetxattr(p.c_str(), n.c_str(), v, sizeof v);
        out[n] = std::string(v, vl > 0 ? static_cast<size_t>(vl) : 0);
    }
    return out;
}

struct SnapOpts {
    bool overlay_xattrs = true;
    bool dir_times = true;
};

inline void snap_walk(const std::string& root, const std::string& rel, std::map<std::string, Node>& out,
                      std::map<std::pair<dev_t, ino_t>, std::string>& inodes, const SnapOpts& o) {
    std::string dir = rel.empty() ? root : root + "/" + rel;
    std::vector<std::string> names = conman::list_dir(dir);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
        std::string r = rel.empty() ? n : rel + "/" + n, p = root + "/" + r;
        struct stat st;
        if (::lstat(p.c_str(), &st) < 0) throw std::runtime_error("lstat " + p);
        Node nd;
        nd.mode = st.st_mode & 07777;
        nd.uid = st.st_uid;
        nd.gid = st.st_gid;
        nd.mtime = st.st_mtim.tv_sec;
        nd.mtime_nsec = st.st_mtim.tv_nsec;
        nd.xattrs = xattrs_of(p, o.overlay_xattrs);
        if (S_ISREG(st.st_mode)) {
            nd.type = 'f';
            nd.content = get_file(p);
            if (st.st_nlink > 1) nd.link_group = inodes.try_emplace({st.st_dev, st.st_ino}, r).first->second;
        } else if (S_ISDIR(st.st_mode)) {
            nd.type = 'd';
            if (!o.dir_times) nd.mtime = nd.mtime_nsec = 0;
        } else if (S_ISLNK(st.st_mode)) {
            nd.type = 'l';
            char b[4096];
            ssize_t l = ::readlink(p.c_str(), b, sizeof b);
            nd.content.assign(b, l > 0 ? static_cast<size_t>(l) : 0);
            nd.mode = 0;
        } else {
            nd.type = S_ISCHR(st.st_mode) ? 'c' : S_ISBLK(st.st_mode) ? 'b' : S_ISFIFO(st.st_mode) ? 'p' : 's';
            nd.rmajor = major(st.st_rdev);
            nd.rminor = minor(st.st_rdev);
        }
        out[r] = nd;
        if (S_ISDIR(st.st_mode)) snap_walk(root, r, out, inodes, o);
    }
}

// Every entry below root (root itself left out), keyed by relative path.
inline std::map<std::string, Node> snapshot(const std::string& root, SnapOpts o = {}) {
    std::map<std::string, Node> out;
    std::map<std::pair<dev_t, ino_t>, std::string> inodes;
    snap_walk(root, "", out, inodes, o);
    return out;
}

// Writes a tar (plain) of the entries to dir/name and extracts nothing.
inline std::string tar_file(const std::string& dir, const std::string& name, const std::vector<Ent>& ents) {
    std::string p = dir + "/" + name;
    put_file(p, make_tar(ents));
    return p;
}

}  // namespace layer_fixture
