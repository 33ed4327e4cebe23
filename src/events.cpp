// The events log's line format, its O_APPEND writer and the filters of
// `conman events` (conman_core: the shim writes "died" lines too). See events.hpp.
#include "conman/events.hpp"

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"

namespace conman {

using nlohmann::json;

std::string events_log_path(const std::string& root) { return root + "/events/events.log"; }

std::string encode_event(const Event& e) {
    json j = {{"time", e.time}, {"type", e.type}, {"status", e.status}, {"id", e.id}, {"name", e.name}};
    if (!e.image.empty()) j["image"] = e.image;
    if (!e.attributes.empty()) j["attributes"] = e.attributes;
    if (e.exit_code) j["exit_code"] = *e.exit_code;
    // Invalid UTF-8 in a name or label must not make the line unwritable.
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Event> decode_event(const std::string& line) {
    json j = json::parse(line, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    try {
        Event e;
        e.time = j.at("time").get<int64_t>();
        e.type = j.at("type").get<std::string>();
        e.status = j.at("status").get<std::string>();
        e.id = j.value("id", "");
        e.name = j.value("name", "");
        e.image = j.value("image", "");
        if (j.contains("attributes")) e.attributes = j["attributes"].get<std::map<std::string, std::string>>();
        if (j.contains("exit_code")) e.exit_code = j["exit_code"].get<int>();
        return e;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

void append_event(const std::string& log_path, const Event& e) noexcept {
    try {
        std::string line = encode_event(e) + "\n";
        int fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0 && errno == ENOENT) {
            mkdir_p(dirname_of(log_path), 0700);
            fd = ::open(log_path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
        }
        if (fd < 0) return;
        // One write: with O_APPEND the kernel places it atomically at the end,
        // so lines from concurrent writers never interleave. A short write
        // (disk full) leaves a torn line, which readers skip.
        ssize_t n;
        do {
            n = ::write(fd, line.data(), line.size());
        } while (n < 0 && errno == EINTR);
        ::close(fd);
    } catch (...) {
    }
}

Event container_event(const std::string& status, const std::string& id, const std::string& name,
                      const std::string& image, const std::map<std::string, std::string>& labels) {
    Event e;
    struct timespec ts;
    ::clock_gettime(CLOCK_REALTIME, &ts);
    e.time = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    e.type = "container";
    e.status = status;
    e.id = id;
    e.name = name;
    e.image = image;
    e.attributes = labels;
    return e;
}

EventFilter EventFilter::parse(const std::vector<std::string>& filters) {
    EventFilter f;
    for (auto& s : filters) {
        auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0)
            fail(ErrorKind::Usage, "invalid --filter \"{}\": use KEY=VALUE (container, event, image, label, type)", s);
        std::string key = s.substr(0, eq), val = s.substr(eq + 1);
        if (key == "status") key = "event";
        if (key != "container" && key != "event" && key != "image" && key != "label" && key != "type" && key != "id")
            fail(ErrorKind::Usage, "invalid --filter \"{}\": unknown key {} (use container, event, image, label, type)",
                 s, key);
        f.by_key_[key].push_back(val);
    }
    return f;
}

namespace {

bool id_match(const std::string& id, const std::string& v) { return !v.empty() && id.rfind(v, 0) == 0; }

bool key_matches(const std::string& key, const std::string& v, const Event& e) {
    if (key == "type") return e.type == v;
    if (key == "event") return e.status == v;
    if (key == "id") return id_match(e.id, v);
    if (key == "container") return e.type == "container" && (e.name == v || id_match(e.id, v));
    if (key == "image") {
        if (e.type == "image") return e.name == v || id_match(e.id, v);
        if (e.image == v) return true;
        // "alpine" matches "docker.io/library/alpine:latest" and "alpine:latest".
        auto tail = [](const std::string& s, const std::string& t) {
            return s.size() > t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0 && s[s.size() - t.size() - 1] == '/';
        };
        return tail(e.image, v) || tail(e.image, v + ":latest") || e.image == v + ":latest";
    }
    if (key == "label") {
        auto eq = v.find('=');
        auto it = e.attributes.find(v.substr(0, eq));
        if (it == e.attributes.end()) return false;
        return eq == std::string::npos || it->second == v.substr(eq + 1);
    }
    return false;
}

}  // namespace

bool EventFilter::matches(const Event& e) const {
    for (auto& [key, values] : by_key_) {
        bool any = false;
        for (auto& v : values) any = any || key_matches(key, v, e);
        if (!any) return false;
    }
    return true;
}

std::string go_time_string(int64_t ns) {
    time_t secs = static_cast<time_t>(ns / 1000000000);
    long frac = static_cast<long>(ns % 1000000000);
    if (frac < 0) {
        frac += 1000000000;
        --secs;
    }
    struct tm tm;
    ::localtime_r(&secs, &tm);
    char date[64], zone[32];
    std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm);
    std::strftime(zone, sizeof zone, "%z %Z", &tm);
    std::string f;
    if (frac) {
        f = fmt::format(".{:09d}", frac);
        while (f.back() == '0') f.pop_back();
    }
    return fmt::format("{}{} {}", date, f, zone);
}

json event_json(const Event& e) {
    json j = {{"ID", e.id}, {"Name", e.name}, {"Status", e.status}, {"Time", e.time / 1000000000},
              {"timeNano", e.time}, {"Type", e.type}};
    if (!e.image.empty()) j["Image"] = e.image;
    if (e.exit_code) j["ContainerExitCode"] = *e.exit_code;
    if (!e.attributes.empty()) j["Attributes"] = e.attributes;
    return j;
}

std::string event_human(const Event& e) {
    std::string t = go_time_string(e.time);
    if (e.type != "container") return fmt::format("{} {} {} {} {}", t, e.type, e.status, e.id, e.name);
    std::string s = fmt::format("{} container {} {} (image={}, name={}", t, e.status, e.id, e.image, e.name);
    if (e.exit_code) s += fmt::format(", containerExitCode={}", *e.exit_code);
    for (auto& [k, v] : e.attributes) s += fmt::format(", {}={}", k, v);
    return s + ")";
}

}  // namespace conman
