// slirp4netns for rootless containers (slirp.hpp).
#include "conman/slirp.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "conman/context.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/process.hpp"

namespace conman {

namespace {

constexpr int kReadyTimeoutMs = 10000;
constexpr int kApiTimeoutMs = 5000;

std::string pid_path(const std::string& dir) { return dir + "/slirp4netns.pid"; }
constexpr const char* kApiName = "api.sock";
std::string api_path(const std::string& dir) { return dir + "/" + kApiName; }
std::string log_path(const std::string& dir) { return dir + "/slirp4netns.log"; }

std::string last_line(const std::string& text) {
    std::string t = text;
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    auto nl = t.rfind('\n');
    return nl == std::string::npos ? t : t.substr(nl + 1);
}

// Waits for slirp4netns's ready byte; false on EOF (it died) or timeout.
bool wait_ready(int fd) {
    pollfd p{fd, POLLIN, 0};
    int r;
    do r = ::poll(&p, 1, kReadyTimeoutMs);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return false;
    char c;
    ssize_t n;
    do n = ::read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

// One API request per connection, as slirp4netns serves them. The socket is
// reached through /proc/self/fd so deep state directories work.
nlohmann::json api_call(const std::string& dir, const nlohmann::json& req) {
    UniqueFd dfd = open_fd(dir, O_PATH | O_DIRECTORY);
    UniqueFd s(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!s) throw_sys(errno, "socket");
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::string path = fmt::format("/proc/self/fd/{}/{}", dfd.get(), kApiName);
    path.copy(sa.sun_path, sizeof sa.sun_path - 1);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0)
        throw_sys(errno, "connecting to slirp4netns's API socket {}", api_path(dir));
    timeval tv{kApiTimeoutMs / 1000, 0};
    ::setsockopt(s.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    write_all(s.get(), req.dump());
    ::shutdown(s.get(), SHUT_WR);
    std::string reply = read_all(s.get());
    auto j = nlohmann::json::parse(reply, nullptr, false);
    if (j.is_discarded()) fail(ErrorKind::System, "slirp4netns API: unreadable reply {:?}", reply);
    return j;
}

void add_forward(const std::string& dir, const SlirpForward& f) {
    nlohmann::json args = {{"proto", f.protocol},
                           {"host_addr", f.host_ip.empty() ? "0.0.0.0" : f.host_ip},
                           {"host_port", f.host_port},
                           {"guest_port", f.guest_port}};
    auto reply = api_call(dir, {{"execute", "add_hostfwd"}, {"arguments", args}});
    if (reply.contains("error")) {
        std::string why = reply["error"].value("desc", reply["error"].dump());
        fail(ErrorKind::Usage, "publishing port {}:{}/{}: {}", f.host_ip.empty() ? "0.0.0.0" : f.host_ip, f.host_port,
             f.protocol, why);
    }
}

}  // namespace

SlirpOptions parse_slirp_options(const std::string& value, const std::string& opts) {
    SlirpOptions o;
    size_t start = 0;
    while (start < opts.size()) {
        size_t end = opts.find(',', start);
        if (end == std::string::npos) end = opts.size();
        std::string kv = opts.substr(start, end - start);
        start = end + 1;
        auto eq = kv.find('=');
        std::string k = kv.substr(0, eq), v = eq == std::string::npos ? "" : kv.substr(eq + 1);
        if (k == "allow_host_loopback" && (v == "true" || v == "false")) {
            o.allow_host_loopback = v == "true";
        } else if (k == "mtu") {
            try {
                size_t used = 0;
                o.mtu = std::stoi(v, &used);
                if (used != v.size() || o.mtu < 68 || o.mtu > 65520) throw std::out_of_range("mtu");
            } catch (const std::exception&) {
                fail(ErrorKind::Usage, "invalid --network {}: mtu must be a number from 68 to 65520", value);
            }
        } else {
            fail(ErrorKind::Usage, "invalid --network {}: unknown option {:?} (allow_host_loopback=true|false, mtu=N)",
                 value, kv);
        }
    }
    return o;
}

void slirp_start(const std::string& netns_path, const std::string& state_dir, const SlirpOptions& o,
                 const std::vector<SlirpForward>& forwards) {
    std::string exe = find_program("slirp4netns");
    if (exe.empty())
        fail(ErrorKind::System, "slirp4netns not found: install the slirp4netns package for rootless networking "
                                "(or use --network none)");
    if (::access("/dev/net/tun", R_OK | W_OK) < 0)
        throw_sys(errno, "slirp4netns needs /dev/net/tun (make it readable and writable for users, mode 0666)");
    mkdir_p(state_dir, 0700);
    ::unlink(api_path(state_dir).c_str());
    UniqueFd log = open_fd(log_path(state_dir), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    UniqueFd null = open_fd("/dev/null", O_RDWR);
    Pipe ready = make_pipe();
    SpawnOptions so;
    // The API socket by a relative name in slirp4netns's working directory:
    // deep runroots would exceed sun_path's 108 bytes.
    so.argv = {exe, "--configure", fmt::format("--mtu={}", o.mtu), "--ready-fd=3", "--api-socket", kApiName,
               "--netns-type=path"};
    so.cwd = state_dir;
    if (!o.allow_host_loopback) so.argv.push_back("--disable-host-loopback");
    so.argv.insert(so.argv.end(), {netns_path, "tap0"});
    so.fds = {{null.get(), 0}, {log.get(), 1}, {log.get(), 2}, {ready.write.get(), 3}};
    so.new_session = true;
    Child child = spawn(so);
    ready.write.reset();
    if (!wait_ready(ready.read.get())) {
        child.kill(SIGKILL);
        child.wait(kReadyTimeoutMs);
        std::string why = last_line(read_file_if_exists(log_path(state_dir)).value_or(""));
        fail(ErrorKind::System, "slirp4netns did not come up{}", why.empty() ? "" : ": " + why);
    }
    atomic_write(pid_path(state_dir), std::to_string(child.pid()), 0600, false);
    try {
        for (auto& f : forwards) add_forward(state_dir, f);
    } catch (...) {
        child.kill(SIGKILL);
        child.wait(kReadyTimeoutMs);
        ::unlink(pid_path(state_dir).c_str());
        throw;
    }
    child.detach();  // lives as long as the container; slirp_stop ends it
}

void slirp_stop(const std::string& state_dir) noexcept {
    auto text = read_file_if_exists(pid_path(state_dir));
    if (text) {
        try {
            pid_t pid = static_cast<pid_t>(std::stol(*text));
            // Only our own slirp4netns: the pid may have been reused.
            auto comm = read_file_if_exists(fmt::format("/proc/{}/comm", pid)).value_or("");
            if (pid > 1 && comm.rfind("slirp4netns", 0) == 0) {
                if (UniqueFd pfd = pidfd_open(pid)) {
                    ::syscall(SYS_pidfd_send_signal, pfd.get(), SIGTERM, nullptr, 0);
                    pollfd p{pfd.get(), POLLIN, 0};
                    if (::poll(&p, 1, 2000) <= 0) ::syscall(SYS_pidfd_send_signal, pfd.get(), SIGKILL, nullptr, 0);
                }
            }
        } catch (const std::exception&) {
        }
    }
    ::unlink(pid_path(state_dir).c_str());
    ::unlink(api_path(state_dir).c_str());
}

}  // namespace conman
