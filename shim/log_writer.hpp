// LogWriter owns the container's k8s-file log fd (O_APPEND, never truncated)
// and turns each chunk read from the container into log records. Writing the
// log must never stop the container: a failed write (ENOSPC, EIO) drops that
// chunk and the shim carries on.
#pragma once
#include <string>
#include <string_view>

#include "conman/fd.hpp"

namespace conman::shimd {

class LogWriter {
public:
    LogWriter() = default;
    explicit LogWriter(const std::string& path);
    void write_chunk(bool is_stderr, std::string_view chunk);
    void sync() noexcept;
    // Number of chunks dropped because a write failed.
    unsigned long dropped() const noexcept { return dropped_; }

private:
    UniqueFd fd_;
    std::string buf_;
    unsigned long dropped_ = 0;
};

}  // namespace conman::shimd
