// Reading an image archive into staging (see archive_io.hpp). Part of the
// image module. Each regular entry becomes staging/f<N>; the names the
// archive gives live only in the maps of ArchiveFiles.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "conman/archive_io.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"

namespace conman {

std::string archive_error_text(struct archive* a) {
    const char* s = archive_error_string(a);
    std::string msg = s ? s : "unknown libarchive error";
    int e = archive_errno(a);
    // EILSEQ and EINVAL are what libarchive uses for "bad format" and "misuse", not system errors.
    if (e > 0 && e != EILSEQ && e != EINVAL) {
        std::string sys = std::strerror(e);
        if (msg.find(sys) == std::string::npos) msg += ": " + sys;
    }
    return msg;
}

namespace {

constexpr int kMaxLinkHops = 40;

struct ReadArchive {
    archive* a = archive_read_new();
    ~ReadArchive() { archive_read_free(a); }
};

std::string archive_err(archive* a) { return archive_error_text(a); }

// Splits a name into components, dropping "" and "."; nullopt for ".." (any).
std::optional<std::vector<std::string>> components(std::string_view name) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i <= name.size()) {
        size_t j = name.find('/', i);
        if (j == std::string_view::npos) j = name.size();
        std::string_view c = name.substr(i, j - i);
        if (c == "..") return std::nullopt;
        if (!c.empty() && c != ".") out.emplace_back(c);
        i = j + 1;
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, size_t n) {
    std::string s;
    for (size_t i = 0; i < n; ++i) s += (i ? "/" : "") + parts[i];
    return s;
}

// The normalised name of an entry; refuses absolute names and "..".
std::string entry_name(const char* raw, const std::string& what) {
    if (!raw) fail(ErrorKind::Usage, "{}: an entry has no name", what);
    std::string_view n = raw;
    if (!n.empty() && n.front() == '/') fail(ErrorKind::Usage, "{}: entry \"{}\" has an absolute name", what, n);
    auto parts = components(n);
    if (!parts) fail(ErrorKind::Usage, "{}: entry \"{}\" points outside the archive (..)", what, n);
    return join(*parts, parts->size());
}

void copy_entry_data(archive* a, int fd, int64_t size, const std::string& what, const std::string& name) {
    for (;;) {
        const void* buf;
        size_t len;
        la_int64_t off;
        int r = archive_read_data_block(a, &buf, &len, &off);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) fail(ErrorKind::Usage, "{}: reading {}: {}", what, name, archive_err(a));
        const char* p = static_cast<const char*>(buf);
        while (len > 0) {
            ssize_t n = ::pwrite(fd, p, len, off);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw_sys(errno, "{}: staging {}", what, name);
            p += n;
            off += n;
            len -= static_cast<size_t>(n);
        }
    }
    if (::ftruncate(fd, size) < 0) throw_sys(errno, "{}: staging {}", what, name);  // sparse tails
}

}  // namespace

ArchiveFiles ArchiveFiles::read(int fd, const std::string& staging_dir, const std::string& what) {
    ArchiveFiles out;
    out.what_ = what;
    ReadArchive ra;
    archive* a = ra.a;
    // In-process decoders only (filter_all would run external programs for some formats).
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_format_tar(a);
    if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK)
        fail(ErrorKind::Usage, "{}: not a readable archive: {}", what, archive_err(a));
    std::map<std::string, std::string> hardlinks;  // name -> earlier entry
    size_t count = 0;
    for (;;) {
        archive_entry* e;
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r < ARCHIVE_WARN) fail(ErrorKind::Usage, "{}: {}", what, archive_err(a));
        std::string name = entry_name(archive_entry_pathname(e), what);
        if (const char* hl = archive_entry_hardlink(e)) {
            std::string target = entry_name(hl, what);
            if (!out.files_.count(target))
                fail(ErrorKind::Usage, "{}: hard link {} names no earlier file ({})", what, name, target);
            out.symlinks_.erase(name);
            out.files_[name] = out.files_[target];
            continue;
        }
        switch (archive_entry_filetype(e)) {
        case AE_IFDIR: continue;
        case AE_IFLNK: {
            const char* t = archive_entry_symlink(e);
            if (name.empty() || !t) fail(ErrorKind::Usage, "{}: bad symbolic link entry \"{}\"", what, name);
            out.files_.erase(name);
            out.symlinks_[name] = t;
            continue;
        }
        case AE_IFREG: break;
        default: fail(ErrorKind::Usage, "{}: entry \"{}\" is not a file, directory or link", what, name);
        }
        if (name.empty()) fail(ErrorKind::Usage, "{}: a file entry has an empty name", what);
        std::string staged = staging_dir + "/f" + std::to_string(count++);
        UniqueFd out_fd = open_fd(staged, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0600);
        copy_entry_data(a, out_fd.get(), archive_entry_size(e), what, name);
        out.symlinks_.erase(name);
        out.files_[name] = staged;
    }
    return out;
}

std::optional<std::string> ArchiveFiles::path(const std::string& name) const {
    if (!name.empty() && name.front() == '/') fail(ErrorKind::Usage, "{}: \"{}\" is an absolute name", what_, name);
    auto parts = components(name);
    if (!parts) fail(ErrorKind::Usage, "{}: \"{}\" points outside the archive (..)", what_, name);
    for (int hops = 0; hops <= kMaxLinkHops; ++hops) {
        bool replaced = false;
        for (size_t n = 1; n <= parts->size() && !replaced; ++n) {
            auto link = symlinks_.find(join(*parts, n));
            if (link == symlinks_.end()) continue;
            // The target is relative to the link's directory; ".." is resolved
            // here and may not climb above the archive's top.
            if (!link->second.empty() && link->second.front() == '/')
                fail(ErrorKind::Usage, "{}: symbolic link {} points to an absolute path", what_, link->first);
            std::vector<std::string> next(parts->begin(), parts->begin() + static_cast<long>(n) - 1);
            std::string_view t = link->second;
            size_t i = 0;
            while (i <= t.size()) {
                size_t j = t.find('/', i);
                if (j == std::string_view::npos) j = t.size();
                std::string_view c = t.substr(i, j - i);
                if (c == "..") {
                    if (next.empty())
                        fail(ErrorKind::Usage, "{}: symbolic link {} points outside the archive", what_, link->first);
                    next.pop_back();
                } else if (!c.empty() && c != ".") {
                    next.emplace_back(c);
                }
                i = j + 1;
            }
            next.insert(next.end(), parts->begin() + static_cast<long>(n), parts->end());
            *parts = std::move(next);
            replaced = true;
        }
        if (!replaced) {
            auto f = files_.find(join(*parts, parts->size()));
            if (f == files_.end()) return std::nullopt;
            return f->second;
        }
    }
    fail(ErrorKind::Usage, "{}: too many levels of symbolic links resolving {}", what_, name);
}

std::string ArchiveFiles::require(const std::string& name) const {
    auto p = path(name);
    if (!p) fail(ErrorKind::Usage, "{}: {} is missing from the archive", what_, name);
    return *p;
}

std::string ArchiveFiles::read_small(const std::string& name, int64_t max) const {
    std::string p = require(name);
    UniqueFd fd = open_fd(p, O_RDONLY);
    struct stat st;
    if (::fstat(fd.get(), &st) < 0) throw_sys(errno, "stat {}", p);
    if (st.st_size > max) fail(ErrorKind::Usage, "{}: {} is too large ({} bytes)", what_, name, st.st_size);
    return read_all(fd.get());
}

}  // namespace conman
