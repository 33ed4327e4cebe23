#include "oom.hpp"

#include <sstream>

#include "conman/fs.hpp"

namespace conman::shimd {

uint64_t parse_oom_kill(const std::string& text) {
    std::istringstream in(text);
    std::string key;
    uint64_t value;
    while (in >> key >> value) {
        if (key == "oom_kill") return value;
    }
    return 0;
}

namespace {

// cgroup v1 puts the memory controller on its own line ("4:memory:/path");
// v2 has one line "0::/path".
std::string counter_file_for(pid_t pid) {
    auto text = read_file_if_exists("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text) return "";
    std::istringstream in(*text);
    std::string line, unified;
    while (std::getline(in, line)) {
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        std::istringstream cs(ctrls);
        std::string c;
        while (std::getline(cs, c, ',')) {
            if (c == "memory") return "/sys/fs/cgroup/memory" + path + "/memory.oom_control";
        }
        if (ctrls.empty()) unified = path;
    }
    if (!unified.empty() && path_exists("/sys/fs/cgroup/cgroup.controllers"))
        return "/sys/fs/cgroup" + unified + "/memory.events";
    return "";
}

}  // namespace

void OomWatch::start(pid_t pid) {
    try {
        counter_file_ = counter_file_for(pid);
        if (!counter_file_.empty()) base_ = parse_oom_kill(read_file_if_exists(counter_file_).value_or(""));
    } catch (...) {
        counter_file_.clear();  // not detectable here; never fatal
    }
}

bool OomWatch::killed() const {
    if (counter_file_.empty()) return false;
    try {
        return parse_oom_kill(read_file_if_exists(counter_file_).value_or("")) > base_;
    } catch (...) {
        return false;
    }
}

}  // namespace conman::shimd
