// Parent side of layer extraction: decompress and hash here, unpack in a
// chrooted child (forked by the unpack server) fed through a socket.
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

// One unpacker at work. Dying early (an exception while feeding) ends the
// tar stream and waits for the unpacker's report, so that nothing writes
// into the destination any more when the caller empties it.
struct Unpack {
    UniqueFd data;  // write end of the tar stream
    UniqueFd err;   // read end of the unpacker's report
    Child child;    // only when we forked it ourselves (no unpack server)

    Unpack() = default;
    Unpack(Unpack&&) = default;
    ~Unpack() {
        data.reset();
        if (!err) return;
        try {
            read_all(err.get());
        } catch (...) {  // the caller is already failing with the real cause
        }
    }
};

Unpack start_unpacker(const std::string& dest, bool rootless_xattrs) {
    auto [ours, theirs] = make_socketpair(SOCK_STREAM);
    int sz = 1 << 20;
    ::setsockopt(ours.get(), SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
    Pipe errp = make_pipe();
    Unpack u;
    u.child = fork_unpacker(dest, theirs.get(), errp.write.get(), rootless_xattrs);
    u.data = std::move(ours);
    u.err = std::move(errp.read);
    return u;  // theirs and errp.write close here: the unpacker has its own
}

// Waits for the unpacker's report and returns its complaint, empty when it
// succeeded. The report's EOF comes when the unpacker has exited.
std::string finish_unpacker(Unpack& u) {
    u.data.reset();
    std::string report = read_all(u.err.get());
    u.err.reset();
    int st = u.child ? *u.child.wait() : 0;
    if (!report.empty()) return report[0] == '0' ? std::string() : report.substr(1);
    if (u.child && WIFSIGNALED(st)) return fmt::format("unpacker killed by signal {}", WTERMSIG(st));
    return "the unpacker died before it reported (killed, or out of memory)";
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
