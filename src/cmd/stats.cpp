// conman stats: CPU, memory, network, block I/O and PIDs of containers, read
// from their cgroups. Streams every --interval seconds (redrawing the screen
// on a terminal, one block after another through a pipe) until SIGINT or
// SIGTERM, or prints one sample with --no-stream.
#include <cmath>
#include <csignal>
#include <iostream>
#include <map>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "conman/cgroup_stats.hpp"
#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/names.hpp"
#include "conman/store.hpp"
#include "conman/template.hpp"
#include "conman/units.hpp"

namespace conman::cli {

namespace {

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDS}}\t"
    "{{.UpTime}}\t{{.AVGCPU}}";

struct StatsFlags {
    bool all = false, no_stream = false, no_trunc = false, no_reset = false;
    std::string format;
    int interval = 5;
    std::vector<std::string> refs;
};

std::string header_for(std::string_view field) {
    static const std::map<std::string_view, std::string> h = {
        {"ID", "ID"},           {"UpTime", "CPU TIME"}, {"CPUPerc", "CPU %"},
        {"AVGCPU", "AVG CPU %"}, {"MemUsage", "MEM USAGE / LIMIT"}, {"MemUsageBytes", "MEM USAGE / LIMIT"},
        {"MemPerc", "MEM %"},   {"NetIO", "NET IO"},   {"BlockIO", "BLOCK IO"}, {"PIDS", "PIDS"},
    };
    auto it = h.find(field);
    return it == h.end() ? "" : it->second;
}

std::string percent(double f) {
    if (!(f > 0) || !std::isfinite(f)) return "--";
    return fmt::format("{:.2f}%", f);
}

std::string pair_human(uint64_t a, uint64_t b) {
    if (a == 0 && b == 0) return "-- / --";
    return human_size(static_cast<int64_t>(a)) + " / " + human_size(static_cast<int64_t>(b));
}

// Go's units.BytesSize: binary units with 4 significant digits ("1.5MiB").
std::string bytes_size(uint64_t v) {
    static const char* u[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double d = static_cast<double>(v);
    size_t i = 0;
    while (d >= 1024 && i + 1 < std::size(u)) {
        d /= 1024;
        ++i;
    }
    return fmt::format("{:.4g}{}", d, u[i]);
}

struct Row {
    std::string id, name;
    bool running = false;
    int64_t started_at = 0;
    CgroupSample cur;
    std::optional<CgroupSample> prev;
};

nlohmann::json row_data(const Row& r, bool no_trunc) {
    const CgroupSample& s = r.cur;
    double cpu = 0, avg = 0, mem = 0;
    if (r.running) {
        int64_t since = r.prev ? r.prev->at : r.started_at;
        uint64_t base = r.prev ? r.prev->cpu_ns : 0;
        if (s.at > since && s.cpu_ns > base) cpu = double(s.cpu_ns - base) / double(s.at - since) * 100.0;
        if (s.at > r.started_at) avg = double(s.cpu_ns) / double(s.at - r.started_at) * 100.0;
        if (s.mem_limit) mem = double(s.mem_usage) / double(s.mem_limit) * 100.0;
    }
    return {
        {"ID", no_trunc ? r.id : short_id(r.id)},
        {"ContainerID", r.id},
        {"Name", r.name},
        {"CPUPerc", percent(cpu)},
        {"AVGCPU", percent(avg)},
        {"CPU", cpu},
        {"AvgCPU", avg},
        {"CPUNano", s.cpu_ns},
        {"UpTime", go_duration(static_cast<int64_t>(s.cpu_ns))},
        {"MemUsage", pair_human(s.mem_usage, s.mem_limit)},
        {"MemUsageBytes", s.mem_usage || s.mem_limit ? bytes_size(s.mem_usage) + " / " + bytes_size(s.mem_limit)
                                                     : "-- / --"},
        {"MemPerc", percent(mem)},
        {"MemLimit", s.mem_limit},
        {"NetIO", pair_human(s.net_rx, s.net_tx)},
        {"NetInput", s.net_rx},
        {"NetOutput", s.net_tx},
        {"BlockIO", pair_human(s.blk_read, s.blk_write)},
        {"BlockInput", s.blk_read},
        {"BlockOutput", s.blk_write},
        {"PIDS", s.pids ? std::to_string(s.pids) : "--"},
        {"PIDs", s.pids},
    };
}

nlohmann::json json_row(const nlohmann::json& d) {
    return {{"id", d["ID"]},          {"name", d["Name"]},       {"cpu_time", d["UpTime"]},
            {"cpu_percent", d["CPUPerc"]}, {"avg_cpu", d["AVGCPU"]}, {"mem_usage", d["MemUsage"]},
            {"mem_percent", d["MemPerc"]}, {"net_io", d["NetIO"]},  {"block_io", d["BlockIO"]},
            {"pids", d["PIDS"]}};
}

bool is_live(const Container& c) { return c.state.status == kRunning || c.state.status == kPaused; }

// The containers to show this round, keeping earlier samples for CPU deltas.
std::vector<Row> collect(const Context& ctx, const StatsFlags& f, std::map<std::string, Row>& last, bool first) {
    Store store(ctx);
    std::vector<Container> list;
    {
        FileLock lock = store.lock_shared();
        if (f.refs.empty()) {
            for (auto& c : store.load_all())
                if (f.all || is_live(c)) list.push_back(c);
        } else {
            for (auto& ref : f.refs) {
                std::string id;
                try {
                    id = store.resolve(ref);
                } catch (const Error& e) {
                    if (first || e.kind() != ErrorKind::NotFound) throw;
                    continue;  // removed while we were streaming
                }
                Container c = store.load(id);
                if (!is_live(c) && first && !f.all)
                    fail(ErrorKind::Conflict, "can only show the stats of running containers: {} is {}",
                         c.config.name, c.state.status);
                if (is_live(c) || f.all) list.push_back(c);
            }
        }
    }
    std::sort(list.begin(), list.end(), [](const Container& a, const Container& b) {
        return a.config.created < b.config.created;
    });
    std::vector<Row> rows;
    std::map<std::string, Row> next;
    for (auto& c : list) {
        Row r;
        r.id = c.config.id;
        r.name = c.config.name;
        r.started_at = c.state.started_at;
        r.running = is_live(c) && c.state.pid > 0;
        if (r.running) {
            try {
                r.cur = sample_cgroup(c.state.pid);
            } catch (const Error&) {
                if (!f.all) continue;  // exited between the listing and the read
                r.running = false;
            }
        }
        if (auto it = last.find(r.id); it != last.end() && it->second.running && r.running) r.prev = it->second.cur;
        next[r.id] = r;
        rows.push_back(r);
    }
    last = std::move(next);
    return rows;
}

std::string render(const StatsFlags& f, const std::vector<Row>& rows) {
    std::vector<nlohmann::json> data;
    for (auto& r : rows) data.push_back(row_data(r, f.no_trunc));
    if (f.format == "json" || f.format == "{{json .}}") {
        nlohmann::json arr = nlohmann::json::array();
        for (auto& d : data) arr.push_back(json_row(d));
        return arr.dump(1) + "\n";
    }
    return render_rows(f.format.empty() ? kDefaultFormat : f.format, data, header_for);
}

}  // namespace

CLI::App* register_stats(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("stats", "Display a live stream of container resource usage statistics");
    auto f = std::make_shared<StatsFlags>();
    cmd->add_flag("-a,--all", f->all, "Show all containers (only running ones by default)");
    cmd->add_flag("--no-stream", f->no_stream, "Print one sample and exit");
    cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate IDs");
    cmd->add_flag("--no-reset", f->no_reset, "Do not clear the screen between samples");
    cmd->add_option("--format", f->format, "Output format: json or a Go template (table ... for a table)");
    cmd->add_option("-i,--interval", f->interval, "Seconds between samples (default 5)");
    cmd->add_option("CONTAINER", f->refs, "Containers to show (default: all running)");
    cmd->callback([f, &st] {
        if (f->interval < 1) fail(ErrorKind::Usage, "invalid --interval {}: use 1 second or more", f->interval);
        if (f->all && !f->refs.empty()) fail(ErrorKind::Usage, "--all and container names cannot be used together");
        Context ctx = st.context();
        if (ctx.rootless)
            fail(ErrorKind::Usage, "stats needs a cgroup per container, which rootless conman does not have here "
                                   "(cgroup v1, no delegation)");
        if (f->format != "json" && f->format != "{{json .}}" && !f->format.empty())
            (void)Template::parse(unescape_format(is_table(f->format) ? strip_table(f->format) : f->format));
        std::map<std::string, Row> last;
        if (f->no_stream) {
            std::cout << render(*f, collect(ctx, *f, last, true)) << std::flush;
            return;
        }
        // Streaming: SIGINT/SIGTERM end it cleanly through a signalfd.
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        // A shell starts background jobs with SIGINT ignored; ignored signals
        // never reach a signalfd, so take them back (they stay blocked).
        for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
        sigprocmask(SIG_BLOCK, &set, nullptr);
        UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        bool tty = ::isatty(1) && !f->no_reset;
        for (bool first = true;; first = false) {
            auto rows = collect(ctx, *f, last, first);
            std::string out = render(*f, rows);
            if (tty) out = "\033[2J\033[H" + out;
            std::cout << out << std::flush;
            if (!std::cout) return;  // reader went away
            // Named containers that all exited: nothing left to follow.
            if (!f->refs.empty() && !f->all && rows.empty()) return;
            pollfd p{sfd.get(), POLLIN, 0};
            int n;
            do {
                n = ::poll(&p, 1, f->interval * 1000);
            } while (n < 0 && errno == EINTR);
            if (n > 0) return;
        }
    });
    return cmd;
}

}  // namespace conman::cli
