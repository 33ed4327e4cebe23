// OomWatch: finds the container's memory cgroup when it starts and tells,
// after it exits (and before the runtime deletes the cgroup), whether the
// kernel OOM-killed a process in it. Owns no fds: it reads counters twice.
#pragma once
#include <cstdint>
#include <string>
#include <sys/types.h>

namespace conman::shimd {

class OomWatch {
public:
    // Reads /proc/<pid>/cgroup and the current oom_kill counter.
    void start(pid_t pid);
    // True when oom_kill grew since start().
    bool killed() const;

private:
    std::string counter_file_;  // memory.oom_control (v1) or memory.events (v2)
    uint64_t base_ = 0;
};

// The "oom_kill N" value in a memory.oom_control / memory.events text.
uint64_t parse_oom_kill(const std::string& text);

}  // namespace conman::shimd
