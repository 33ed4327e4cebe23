// conman logs: print (and with -f follow) a container's k8s-file log.
// stdout lines go to stdout and stderr lines to stderr, as podman does.
#include <fcntl.h>
#include <sys/inotify.h>
#include <poll.h>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/k8s_log.hpp"
#include "conman/shim_client.hpp"
#include "conman/store.hpp"
#include "conman/timeutil.hpp"

namespace conman::cli {

namespace {

struct LogsFlags {
    std::string since, until;
    std::optional<long> tail;
    bool timestamps = false, follow = false;
    std::string ref;
};

void print_text(bool is_stderr, const std::string& ts, bool timestamps, const std::string& text, bool newline) {
    std::string out;
    if (timestamps && !ts.empty()) out = ts + " ";
    out += text;
    if (newline) out += "\n";
    write_all(is_stderr ? 2 : 1, out);
}

// Prints the complete records of content; returns the bytes consumed.
size_t stream_records(std::string_view content, bool timestamps, bool& at_line_start) {
    size_t used = 0;
    while (true) {
        size_t nl = content.find('\n', used);
        if (nl == std::string_view::npos) break;
        auto rec = k8s_log::parse_line(content.substr(used, nl - used));
        used = nl + 1;
        if (!rec) continue;
        print_text(rec->is_stderr, at_line_start ? rec->ts : "", timestamps, rec->msg, !rec->partial);
        at_line_start = !rec->partial;
    }
    return used;
}

void follow(const Context& ctx, const Store& store, const std::string& id, size_t offset, bool timestamps) {
    std::string path = store.log_path(id);
    UniqueFd ino(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!ino) throw_sys(errno, "inotify_init1");
    // Watch the directory: the log may not exist yet, and ENOSPC-free.
    if (inotify_add_watch(ino.get(), store.dir(id).c_str(), IN_MODIFY | IN_CREATE | IN_DELETE_SELF) < 0)
        throw_sys(errno, "watch {}", store.dir(id));
    auto conn = ShimConnection::connect(store.socket_dir(id));
    if (conn) write_all(conn->fd(), shim::make_packet(shim::Packet::Request, shim::encode_request({.op = "wait"})));
    bool at_line_start = true, done = !conn;
    std::string pending;
    auto drain = [&] {
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) return;
        if (::lseek(fd.get(), static_cast<off_t>(offset), SEEK_SET) < 0) return;
        std::string more = read_all(fd.get());
        offset += more.size();
        pending += more;
        pending.erase(0, stream_records(pending, timestamps, at_line_start));
    };
    (void)ctx;
    while (!done) {
        drain();
        pollfd p[2] = {{ino.get(), POLLIN, 0}, {conn ? conn->fd() : -1, POLLIN, 0}};
        if (::poll(p, 2, -1) < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "poll");
        }
        if (p[0].revents & POLLIN) {
            char buf[4096];
            while (::read(ino.get(), buf, sizeof buf) > 0) {
            }
        }
        if (p[1].revents & (POLLIN | POLLHUP)) {
            char buf[shim::kMaxPayload + 1];
            long n = read_some(conn->fd(), buf, sizeof buf);
            if (n <= 0 || static_cast<uint8_t>(buf[0]) == static_cast<uint8_t>(shim::Packet::Exit)) done = true;
        }
    }
    // The shim wrote and fsynced every last byte before its Exit packet.
    drain();
}

}  // namespace

CLI::App* register_logs(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("logs", "Print a container's logs");
    auto f = std::make_shared<LogsFlags>();
    cmd->add_option("--since", f->since, "Only lines after this time (RFC 3339, Unix time or duration)");
    cmd->add_option("--until", f->until, "Only lines before this time");
    cmd->add_option("-n,--tail", f->tail, "Only the last N lines (-1: all)");
    cmd->add_flag("-t,--timestamps", f->timestamps, "Prefix each line with its timestamp");
    cmd->add_flag("-f,--follow", f->follow, "Follow the log until the container exits");
    cmd->add_option("CONTAINER", f->ref, "Container")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        int64_t now = now_ns();
        std::optional<int64_t> since, until;
        if (!f->since.empty() && !(since = parse_time_or_duration(f->since, now)))
            fail(ErrorKind::Usage, "invalid --since value \"{}\": expected RFC 3339, Unix time or a duration", f->since);
        if (!f->until.empty() && !(until = parse_time_or_duration(f->until, now)))
            fail(ErrorKind::Usage, "invalid --until value \"{}\": expected RFC 3339, Unix time or a duration", f->until);
        Container c = lookup_container(ctx, f->ref);
        Store store(ctx);
        std::string content = read_file_if_exists(store.log_path(c.config.id)).value_or("");
        // Only whole records now; a record being written is picked up by follow.
        size_t complete = content.rfind('\n');
        complete = complete == std::string::npos ? 0 : complete + 1;
        auto entries = k8s_log::parse(std::string_view(content).substr(0, complete));
        std::erase_if(entries, [&](const k8s_log::LogEntry& e) {
            return (since && e.ts_ns < *since) || (until && e.ts_ns > *until);
        });
        size_t first = 0;
        if (f->tail && *f->tail >= 0 && static_cast<size_t>(*f->tail) < entries.size())
            first = entries.size() - static_cast<size_t>(*f->tail);
        for (size_t i = first; i < entries.size(); ++i) {
            const auto& e = entries[i];
            print_text(e.is_stderr, e.ts, f->timestamps, e.text, e.ends_with_newline);
        }
        bool active = c.state.status == kRunning || c.state.status == kCreated || c.state.status == kPaused;
        if (f->follow && active) follow(ctx, store, c.config.id, complete, f->timestamps);
    });
    return cmd;
}

}  // namespace conman::cli
