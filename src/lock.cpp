#include "conman/lock.hpp"

#include <cerrno>
#include <chrono>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>

#include "conman/error.hpp"

namespace conman {

FileLock::FileLock(const std::string& path, Mode mode, int timeout_ms) {
    UniqueFd fd = open_fd(path, O_RDWR | O_CREAT, 0600);
    int op = (mode == Mode::Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + std::chrono::milliseconds(timeout_ms);
    // flock has no timed variant: retry with a short, growing backoff.
    auto backoff = std::chrono::microseconds(200);
    for (;;) {
        if (::flock(fd.get(), op) == 0) break;
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) throw_sys(errno, "lock {}", path);
        if (std::chrono::steady_clock::now() >= deadline)
            throw Error(ErrorKind::System,
                        fmt::format("timed out after {} ms waiting for lock {}: another conman holds it", timeout_ms, path),
                        ETIMEDOUT);
        std::this_thread::sleep_for(backoff);
        backoff = std::min(backoff * 2, std::chrono::microseconds(20000));
    }
    fd_ = std::move(fd);
}

FileLock FileLock::try_lock(const std::string& path, Mode mode) {
    FileLock l;
    UniqueFd fd = open_fd(path, O_RDWR | O_CREAT, 0600);
    int op = (mode == Mode::Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    int r;
    do {
        r = ::flock(fd.get(), op);
    } while (r < 0 && errno == EINTR);
    if (r == 0) l.fd_ = std::move(fd);
    else if (errno != EWOULDBLOCK) throw_sys(errno, "lock {}", path);
    return l;
}

bool is_locked_by_other(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    UniqueFd owned(fd);
    int r;
    do {
        r = ::flock(fd, LOCK_SH | LOCK_NB);
    } while (r < 0 && errno == EINTR);
    return r < 0 && errno == EWOULDBLOCK;
}

}  // namespace conman
