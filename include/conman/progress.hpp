// Progress output for transfers (pull, push): on a terminal, one live bar per
// blob redrawn in place (at most ten times a second); elsewhere plain lines,
// one per event, so logs and pipes stay readable. fd -1 is quiet.
// Thread-safe: layers are fetched on several threads at once.
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace conman {

class TransferProgress {
public:
    explicit TransferProgress(int fd);  // -1: print nothing
    // A message line; on a terminal it goes above the bars.
    void line(const std::string& s);
    // Starts a bar ("Copying blob 1a2b3c4d5e6f") for total bytes; returns its handle.
    size_t add(const std::string& label, int64_t total);
    void update(size_t bar, int64_t done);
    // Ends a bar: "Copying blob 1a2b3c4d5e6f done" (status "done", "skipped: already exists").
    void finish(size_t bar, const std::string& status);
    bool tty() const { return tty_; }

private:
    struct Bar {
        std::string label, status;
        int64_t total = 0, done = 0;
    };
    std::string render(const Bar& b) const;
    void redraw_locked(bool force);

    int fd_;
    bool tty_ = false;
    int width_ = 80;
    std::mutex mu_;
    std::vector<Bar> bars_;
    size_t drawn_ = 0;  // bar lines currently on the screen below the messages
    std::chrono::steady_clock::time_point last_draw_{};
};

// "1.2MiB", "512B", "3.4GiB" (podman's bar units).
std::string human_bytes_binary(int64_t n);

}  // namespace conman
