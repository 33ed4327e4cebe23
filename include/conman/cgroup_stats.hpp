// Reading a container's resource usage from its cgroup (v1 controllers or
// the v2 unified tree) and its processes from /proc, for `stats` and `top`.
// The text parsers are separate so tests can feed them sample files.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace conman {

// /proc/PID/cgroup: controller -> path ("memory" -> "/conman/ID"); the v2
// line "0::/path" is stored under "". Named hierarchies ("name=systemd") are skipped.
std::map<std::string, std::string> parse_proc_cgroup(const std::string& text);
// "key value" lines (memory.stat, cpu.stat, pids.*): key -> value.
std::map<std::string, uint64_t> parse_keyed(const std::string& text);
// blkio.throttle.io_service_bytes(_recursive) (v1): summed Read and Write bytes.
std::pair<uint64_t, uint64_t> parse_blkio_v1(const std::string& text);
// io.stat (v2): summed rbytes and wbytes.
std::pair<uint64_t, uint64_t> parse_io_stat_v2(const std::string& text);
// /proc/PID/net/dev: received and transmitted bytes of every interface but lo.
std::pair<uint64_t, uint64_t> parse_net_dev(const std::string& text);
// "max" (v2) or a number; values at or above 2^62 (v1's "unlimited") -> nullopt.
std::optional<uint64_t> parse_limit(const std::string& text);

struct CgroupSample {
    int64_t at = 0;           // CLOCK_REALTIME ns when read
    uint64_t cpu_ns = 0;      // total CPU time
    uint64_t mem_usage = 0;   // without the page cache's inactive files
    uint64_t mem_limit = 0;   // the limit, or the host's memory when unlimited
    uint64_t blk_read = 0, blk_write = 0;
    uint64_t net_rx = 0, net_tx = 0;
    uint64_t pids = 0;
};
// Reads the cgroup of the container whose init process is pid. Throws
// Error(System) when the process or its cgroup is gone.
CgroupSample sample_cgroup(pid_t pid);

// Host PIDs of every process in the pid namespace of `init` (the container's
// processes, exec sessions included), init first.
std::vector<pid_t> namespace_pids(pid_t init);

// Go's time.Duration String(), which stats (CPU TIME) and top (ELAPSED, TIME)
// print: "0s", "812.5µs", "1.5s", "1h2m3.25s".
std::string go_duration(int64_t ns);

}  // namespace conman
