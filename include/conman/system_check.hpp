// `conman system check`: finds what interrupted work (a conman killed at any
// point, a shim that died, a crash mid-pull) left behind, and with repair
// set puts it right. It takes the image lock, then the container store lock
// (the order rmi uses), so it never sees half of a change another conman is
// making. docs/reliability.md lists what each check looks for.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "conman/context.hpp"

namespace conman {

struct CheckOptions {
    bool repair = false;
    // Unfinished image work (tmp/) younger than this is left alone: another
    // conman may still be busy with it. Locked staging is never touched.
    int64_t max_age_s = 24 * 3600;
};

struct CheckFinding {
    std::string object;   // "container 3f2a1b2c3d4e (web)", "layer sha256:...", ...
    std::string problem;  // what is wrong
    std::string action;   // what --repair does about it
    bool repaired = false;
    std::string error;    // why the repair failed ("" when it did not run or worked)
};

// Collects findings and, when repairing, runs each fix as it is reported.
class CheckReport {
public:
    explicit CheckReport(bool repair) : repair_(repair) {}
    // fix may be empty: the problem is reported but cannot be repaired here.
    void add(std::string object, std::string problem, std::string action, const std::function<void()>& fix);
    const std::vector<CheckFinding>& findings() const { return findings_; }
    bool repairing() const { return repair_; }

private:
    bool repair_;
    std::vector<CheckFinding> findings_;
};

// The container side: records, names, shims, runtime state, socket dirs,
// network namespaces. Call with the store lock held.
void check_containers(const Context& ctx, CheckReport& report);
// The image side: records, layers, blobs, short links, tmp/ debris. Call
// with the image lock held; in_use are image IDs containers refer to.
void check_images(const Context& ctx, const CheckOptions& o, const std::vector<std::string>& in_use,
                  CheckReport& report);
// Both, under the locks.
std::vector<CheckFinding> system_check(const Context& ctx, const CheckOptions& o);

}  // namespace conman
