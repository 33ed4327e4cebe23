// conman events: print the events log (events.hpp), filtered, as podman's
// lines, JSON lines or a Go template. Streams by default: new events as they
// are appended (inotify on the log), until SIGINT/SIGTERM or --until passes;
// --stream=false prints what is there and exits.
#include <cerrno>
#include <chrono>
#include <csignal>
#include <fcntl.h>
#include <iostream>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/template.hpp"
#include "conman/timeutil.hpp"

namespace conman::cli {

namespace {

struct EventsFlags {
    std::vector<std::string> filters;
    std::string format, since, until;
    bool stream = true;
    bool no_trunc = true;
};

// --since/--until: a time, or a duration (before now for --since, after now
// for --until, as podman reads them).
int64_t parse_bound(const std::string& flag, const std::string& v, bool future) {
    int64_t now = now_ns();
    auto t = parse_time_or_duration(v, now);
    if (!t) fail(ErrorKind::Usage, "invalid {} \"{}\": use a time (RFC 3339 or Unix seconds) or a duration such as 10m",
                 flag, v);
    bool duration = parse_time_or_duration(v, now + 1) != t;
    return duration && future ? now + (now - *t) : *t;
}

class Printer {
public:
    explicit Printer(const EventsFlags& f) : f_(f) {
        if (!f.format.empty() && f.format != "json") tmpl_ = Template::parse(unescape_format(f.format));
    }
    void print(const Event& e) {
        if (f_.format.empty()) {
            Event shown = e;
            if (!f_.no_trunc && shown.type == "container") shown.id = shown.id.substr(0, 12);
            std::cout << event_human(shown) << "\n";
        } else if (f_.format == "json") {
            std::cout << event_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            nlohmann::json d = event_json(e);
            d["Time"] = go_time_string(e.time);
            if (!d.contains("Image")) d["Image"] = "";
            if (!d.contains("Attributes")) d["Attributes"] = nlohmann::json::object();
            std::cout << tmpl_->render(d) << "\n";
        }
        std::cout.flush();
    }

private:
    const EventsFlags& f_;
    std::optional<Template> tmpl_;
};

struct Window {
    std::optional<int64_t> since, until;
    bool in(const Event& e) const { return (!since || e.time >= *since) && (!until || e.time <= *until); }
};

// Splits complete lines off buf and hands each parsed event to fn.
template <typename Fn>
void take_lines(std::string& buf, Fn fn) {
    size_t start = 0;
    for (;;) {
        size_t nl = buf.find('\n', start);
        if (nl == std::string::npos) break;
        if (auto e = decode_event(buf.substr(start, nl - start))) fn(*e);
        start = nl + 1;
    }
    buf.erase(0, start);
}

void read_available(int fd, std::string& buf) {
    char chunk[65536];
    for (;;) {
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        buf.append(chunk, static_cast<size_t>(n));
    }
}

}  // namespace

CLI::App* register_events(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("events", "Show conman events");
    auto f = std::make_shared<EventsFlags>();
    cmd->add_option("-f,--filter", f->filters, "Filter KEY=VALUE: container, event, image, label, type")
        ->allow_extra_args(false);
    cmd->add_option("--format", f->format, "Output format: json (JSON lines) or a Go template");
    cmd->add_option("--since", f->since, "Show events since this time or duration ago");
    cmd->add_option("--until", f->until, "Show events until this time (a duration: from now on)");
    cmd->add_flag("--stream", f->stream, "Follow new events (default true; --stream=false prints and exits)");
    cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate IDs (default true)");
    cmd->callback([f, &st] {
        EventFilter filter = EventFilter::parse(f->filters);
        Window w;
        if (!f->since.empty()) w.since = parse_bound("--since", f->since, false);
        if (!f->until.empty()) w.until = parse_bound("--until", f->until, true);
        Printer out(*f);
        Context ctx = st.context();
        std::string path = events_log_path(ctx.root);
        // Block the stop signals before reading, so none is lost between the
        // history and the watch.
        sigset_t set;
        sigemptyset(&set);
        for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&set, s);
        bool stream = f->stream && !(w.until && *w.until <= now_ns());
        if (stream) {
            // A shell starts background jobs with SIGINT ignored; ignored
            // signals never reach a signalfd, so take them back (blocked).
            for (int sig : {SIGINT, SIGTERM, SIGHUP}) std::signal(sig, SIG_DFL);
            sigprocmask(SIG_BLOCK, &set, nullptr);
        }
        UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
        if (!fd && errno == ENOENT && stream) {
            mkdir_p(dirname_of(path), 0700);
            fd = UniqueFd(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600));
        }
        if (!fd && errno != ENOENT) fail(ErrorKind::System, "events log {}: {}", path, std::strerror(errno));
        UniqueFd ino, sfd;
        if (stream) {
            ino = UniqueFd(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
            if (!ino || ::inotify_add_watch(ino.get(), path.c_str(), IN_MODIFY) < 0)
                fail(ErrorKind::System, "watching the events log {}: {}", path, std::strerror(errno));
            sfd = UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
        }
        std::string buf;
        // History: everything when listing; when streaming only with --since.
        if (fd) {
            read_available(fd.get(), buf);
            if (!stream || w.since) {
                take_lines(buf, [&](const Event& e) {
                    if (w.in(e) && filter.matches(e)) out.print(e);
                });
            } else {
                auto nl = buf.rfind('\n');
                buf.erase(0, nl == std::string::npos ? 0 : nl + 1);
            }
        }
        if (!stream) return;
        for (;;) {
            int timeout = -1;
            if (w.until) {
                int64_t left = (*w.until - now_ns()) / 1000000;
                if (left <= 0) return;
                timeout = static_cast<int>(std::min<int64_t>(left + 1, 3600 * 1000));
            }
            pollfd p[2] = {{ino.get(), POLLIN, 0}, {sfd.get(), POLLIN, 0}};
            int n = ::poll(p, 2, timeout);
            if (n < 0 && errno != EINTR) fail(ErrorKind::System, "poll: {}", std::strerror(errno));
            if (n > 0 && (p[1].revents & POLLIN)) return;  // SIGINT/SIGTERM/SIGHUP: a clean end
            if (n > 0 && (p[0].revents & POLLIN)) {
                char evbuf[4096];
                while (::read(ino.get(), evbuf, sizeof evbuf) > 0) {
                }
                read_available(fd.get(), buf);
                take_lines(buf, [&](const Event& e) {
                    if (w.in(e) && filter.matches(e)) out.print(e);
                });
                if (!std::cout) return;  // the reader went away
            }
        }
    });
    return cmd;
}

}  // namespace conman::cli
