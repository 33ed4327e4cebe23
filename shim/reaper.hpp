// Child reaping for the shim, which is a subreaper: every exit status is
// collected by reap_all() (waitpid(-1, WNOHANG)) and cached by pid, so an
// exit that happens before anyone asks for it (the container dying during
// `runc create`, say) is never lost. Nothing else in the shim calls waitpid.
#pragma once
#include <optional>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "conman/fd.hpp"

namespace conman::shimd {

class Reaper {
public:
    // Collects every child that has exited so far.
    void reap_all();
    // Hands out (and forgets) the cached status of pid, if it has exited.
    std::optional<int> take(pid_t pid);
    // Drops cached statuses of pid. Call it when pid is known to be a live
    // (unreaped) process, e.g. a fresh child: any cached entry is from an
    // earlier process that had the same pid.
    void forget(pid_t pid);

private:
    static constexpr size_t kMaxCached = 64;  // orphans nobody asks about
    std::vector<std::pair<pid_t, int>> cache_;
};

// Blocks sigs for the whole process and returns a non-blocking signalfd
// that reads them.
UniqueFd block_into_signalfd(std::initializer_list<int> sigs);
// Reads every pending signal from a signalfd; returns their numbers.
std::vector<int> read_signals(int sigfd);

}  // namespace conman::shimd
