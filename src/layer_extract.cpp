// Parent side of layer extraction: decompress and hash here, unpack in a
// forked, chrooted child fed through a socket. Hashing stays in this process
// because the child must not touch libcrypto (its locks may be held by
// another thread at fork time).
#include <cerrno>
#include <csignal>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fs.hpp"
#include "conman/layer.hpp"
#include "conman/process.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

constexpr size_t kChunk = 1 << 20;

// Sends everything; false when the reader has gone away.
bool send_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno == EPIPE || errno == ECONNRESET) return false;
            throw_sys(errno, "feeding the layer unpacker");
        }
        p += w;
        n -= static_cast<size_t>(w);
    }
    return true;
}

void empty_dir(const std::string& dir) noexcept {
    try {
        for (auto& n : list_dir(dir)) remove_all(join_path(dir, n));
    } catch (...) {
        // The caller is already failing with the real cause.
    }
}

void check_empty_dir(const std::string& dir) {
    struct stat st;
    if (::lstat(dir.c_str(), &st) < 0) throw_sys(errno, "layer destination {}", dir);
    if (!S_ISDIR(st.st_mode)) fail(ErrorKind::Usage, "layer destination {}: not a directory", dir);
    if (!list_dir(dir).empty()) fail(ErrorKind::Usage, "layer destination {}: not empty", dir);
}

struct Unpack {
    Child child;
    UniqueFd data;  // write end of the tar stream
    UniqueFd err;   // read end of the child's error report
};

Unpack start_unpacker(const std::string& dest, bool rootless_xattrs) {
    auto [ours, theirs] = make_socketpair(SOCK_STREAM);
    int sz = 1 << 20;
    ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    Pipe errp = make_pipe();
    pid_t pid = ::fork();
    if (pid < 0) throw_sys(errno, "fork");
    if (pid == 0) {
        ::close(ours.get());
        ::close(errp.read.get());
        unpack_child_main(dest.c_str(), theirs.get(), errp.write.get(), rootless_xattrs);
    }
    Unpack u{Child(pid, pidfd_open(pid)), std::move(ours), std::move(errp.read)};
    return u;
}

// Waits for the child and returns its complaint, empty when it succeeded.
std::string finish_unpacker(Unpack& u) {
    u.data.reset();
    std::string msg = read_all(u.err.get());
    int st = *u.child.wait();
    if (!msg.empty()) return msg;
    if (WIFSIGNALED(st)) return fmt::format("unpacker killed by signal {}", WTERMSIG(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) return fmt::format("unpacker exited with status {}", WEXITSTATUS(st));
    return {};
}

}  // namespace

std::string layer_label(const std::string& blob_path) {
    auto slash = blob_path.rfind('/');
    std::string base = slash == std::string::npos ? blob_path : blob_path.substr(slash + 1);
    std::string dir = slash == std::string::npos ? std::string() : blob_path.substr(0, slash);
    if (dir.ends_with("sha256") && valid_digest("sha256:" + base)) return "layer sha256:" + base;
    return "layer " + blob_path;
}

LayerStats extract_layer(const std::string& blob_path, const std::string& dest_dir,
                         const std::string& expected_diff_id, bool rootless_xattrs) {
    std::string label = layer_label(blob_path);
    check_empty_dir(dest_dir);
    // Rootless layers live in the user's namespace: overlay reads user.* xattrs there.
    rootless_xattrs = rootless_xattrs || host_identity().rootless;
    LayerStats stats;
    try {
        LayerReader reader(blob_path);
        Unpack u = start_unpacker(dest_dir, rootless_xattrs);
        Sha256 hash;
        std::vector<char> buf(kChunk);
        bool feeding = true;
        while (size_t n = reader.read(buf.data(), buf.size())) {
            hash.update(buf.data(), n);
            stats.size += static_cast<int64_t>(n);
            if (feeding && !send_all(u.data.get(), buf.data(), n)) {
                // The child stopped reading: after the tar's end, or it failed.
                // Only a success lets the rest be drained into the hash.
                feeding = false;
                if (auto msg = finish_unpacker(u); !msg.empty()) throw Error(ErrorKind::Runtime, msg);
            }
        }
        if (feeding) {
            if (auto msg = finish_unpacker(u); !msg.empty()) throw Error(ErrorKind::Runtime, msg);
        }
        stats.diff_id = hash.digest();
        if (!expected_diff_id.empty() && stats.diff_id != expected_diff_id)
            fail(ErrorKind::Runtime, "diff_id mismatch for {}: expected {}, got {}", label, expected_diff_id,
                 stats.diff_id);
    } catch (const Error& e) {
        empty_dir(dest_dir);
        if (std::string_view(e.what()).find(label) != std::string_view::npos) throw;
        throw e.prefixed(label);
    } catch (...) {
        empty_dir(dest_dir);
        throw;
    }
    return stats;
}

std::string compute_diff_id(const std::string& blob_path) {
    try {
        LayerReader reader(blob_path);
        Sha256 hash;
        std::vector<char> buf(kChunk);
        while (size_t n = reader.read(buf.data(), buf.size())) hash.update(buf.data(), n);
        return hash.digest();
    } catch (const Error& e) {
        throw e.prefixed(layer_label(blob_path));
    }
}

}  // namespace conman
