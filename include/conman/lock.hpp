// FileLock: an flock(2) held for the lifetime of the object (RAII).
// Acquisition is bounded: it gives up with a clear error after timeout_ms,
// so a stuck invocation can never hang every other one forever.
#pragma once
#include <string>

#include "conman/fd.hpp"

namespace conman {

class FileLock {
public:
    enum class Mode { Shared, Exclusive };
    FileLock(const std::string& path, Mode mode, int timeout_ms);
    // Non-blocking attempt; returns an unlocked object when busy.
    static FileLock try_lock(const std::string& path, Mode mode);
    FileLock(FileLock&&) noexcept = default;
    FileLock& operator=(FileLock&&) noexcept = default;
    ~FileLock() = default;  // closing the fd drops the lock
    bool locked() const noexcept { return static_cast<bool>(fd_); }
    void unlock() noexcept { fd_.reset(); }

private:
    FileLock() = default;
    UniqueFd fd_;
};

// True when some process holds any flock on path (e.g. a live shim).
bool is_locked_by_other(const std::string& path);

}  // namespace conman
