// Writing an image archive: a tar stream on an fd, or plain files in a
// directory (see archive_io.hpp). Part of the image module.
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "conman/archive_io.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"

namespace conman {

namespace {

struct Entry {
    archive_entry* e = archive_entry_new();
    ~Entry() { archive_entry_free(e); }
};

la_ssize_t fd_write(archive* a, void* ud, const void* buf, size_t n) {
    if (!try_write_all(*static_cast<int*>(ud), std::string_view(static_cast<const char*>(buf), n))) {
        archive_set_error(a, errno ? errno : EIO, "write: %s", std::strerror(errno ? errno : EIO));
        return -1;
    }
    return static_cast<la_ssize_t>(n);
}

class TarSink : public ArchiveSink {
public:
    TarSink(int fd, std::string what) : fd_(fd), what_(std::move(what)) {
        archive_write_set_format_pax_restricted(a_);
        archive_write_add_filter_none(a_);
        archive_write_set_bytes_in_last_block(a_, 1);
        if (archive_write_open(a_, &fd_, nullptr, fd_write, nullptr) != ARCHIVE_OK) failed("opening");
    }
    ~TarSink() override { archive_write_free(a_); }

    void dir(const std::string& name) override {
        Entry en;
        set(en.e, name + "/", AE_IFDIR, 0755, 0);
        header(en.e);
    }
    void bytes(const std::string& name, std::string_view data) override {
        Entry en;
        set(en.e, name, AE_IFREG, 0644, static_cast<int64_t>(data.size()));
        header(en.e);
        if (!data.empty() && archive_write_data(a_, data.data(), data.size()) != static_cast<la_ssize_t>(data.size()))
            failed(name);
    }
    void file(const std::string& name, const std::string& path) override {
        UniqueFd fd = open_fd(path, O_RDONLY);
        struct stat st;
        if (::fstat(fd.get(), &st) < 0) throw_sys(errno, "stat {}", path);
        Entry en;
        set(en.e, name, AE_IFREG, 0644, st.st_size);
        header(en.e);
        std::vector<char> buf(1 << 20);
        int64_t left = st.st_size;
        while (left > 0) {
            long n = read_some(fd.get(), buf.data(), buf.size());
            if (n < 0) throw_sys(errno, "reading {}", path);
            if (n == 0) fail(ErrorKind::System, "{}: {} shrank while it was being written", what_, path);
            n = std::min<long>(n, left);
            if (archive_write_data(a_, buf.data(), static_cast<size_t>(n)) != n) failed(name);
            left -= n;
        }
    }
    void symlink(const std::string& name, const std::string& target) override {
        Entry en;
        set(en.e, name, AE_IFLNK, 0777, 0);
        archive_entry_set_symlink(en.e, target.c_str());
        header(en.e);
    }
    void finish() override {
        if (archive_write_close(a_) != ARCHIVE_OK) failed("finishing");
    }

private:
    static void set(archive_entry* e, const std::string& name, unsigned type, int perm, int64_t size) {
        archive_entry_set_pathname(e, name.c_str());
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, static_cast<mode_t>(perm));
        archive_entry_set_size(e, size);
        archive_entry_set_uid(e, 0);
        archive_entry_set_gid(e, 0);
        archive_entry_set_mtime(e, 0, 0);
    }
    void header(archive_entry* e) {
        if (archive_write_header(a_, e) != ARCHIVE_OK) failed(archive_entry_pathname(e));
    }
    [[noreturn]] void failed(const std::string& step) {
        const char* s = archive_error_string(a_);
        fail(ErrorKind::System, "{}: writing {}: {}", what_, step, s ? s : "unknown error");
    }

    archive* a_ = archive_write_new();
    int fd_;
    std::string what_;
};

class DirSink : public ArchiveSink {
public:
    explicit DirSink(std::string root) : root_(std::move(root)) {}
    void dir(const std::string& name) override { mkdir_p(root_ + "/" + name, 0755); }
    void bytes(const std::string& name, std::string_view data) override {
        UniqueFd fd = open_fd(root_ + "/" + name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        write_all(fd.get(), data);
    }
    void file(const std::string& name, const std::string& path) override {
        UniqueFd in = open_fd(path, O_RDONLY);
        UniqueFd out = open_fd(root_ + "/" + name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        std::vector<char> buf(1 << 20);
        for (;;) {
            long n = read_some(in.get(), buf.data(), buf.size());
            if (n < 0) throw_sys(errno, "reading {}", path);
            if (n == 0) break;
            write_all(out.get(), std::string_view(buf.data(), static_cast<size_t>(n)));
        }
    }
    void symlink(const std::string& name, const std::string& target) override {
        if (::symlink(target.c_str(), (root_ + "/" + name).c_str()) < 0) throw_sys(errno, "symlink {}/{}", root_, name);
    }
    void finish() override {}

private:
    std::string root_;
};

}  // namespace

std::unique_ptr<ArchiveSink> tar_sink(int fd, const std::string& what) { return std::make_unique<TarSink>(fd, what); }
std::unique_ptr<ArchiveSink> dir_sink(const std::string& dir) { return std::make_unique<DirSink>(dir); }

}  // namespace conman
