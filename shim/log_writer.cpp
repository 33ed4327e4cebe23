#include "log_writer.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

#include "conman/k8s_log.hpp"
#include "conman/timeutil.hpp"

namespace conman::shimd {

LogWriter::LogWriter(const std::string& path) : fd_(open_fd(path, O_WRONLY | O_APPEND | O_CREAT, 0600)) {}

void LogWriter::write_chunk(bool is_stderr, std::string_view chunk) {
    if (!fd_ || chunk.empty()) return;
    buf_.clear();
    k8s_log::append_chunk(buf_, format_rfc3339nano(now_ns()), is_stderr, chunk);
    // O_APPEND on a regular file: one write normally takes it all; retry
    // the rest after a short write, give up on a real error.
    std::string_view rest = buf_;
    while (!rest.empty()) {
        ssize_t n = ::write(fd_.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ++dropped_;
            break;
        }
        rest.remove_prefix(static_cast<size_t>(n));
    }
    // Keep the buffer from pinning memory after a burst of large chunks.
    if (buf_.capacity() > 64 * 1024) std::string().swap(buf_);
}

void LogWriter::sync() noexcept {
    if (fd_) ::fsync(fd_.get());
}

}  // namespace conman::shimd
