// Rootless user namespaces (userns.hpp): host identity, subordinate id
// ranges, and joining or making the per-user namespace that the pause
// process keeps. The forks here are the only ones outside process.cpp: the
// child must call unshare(2) itself, which spawn() cannot express.
#include "conman/userns.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/context.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/lock.hpp"
#include "conman/process.hpp"
#include "conman/shim_protocol.hpp"

namespace conman {

std::vector<IdMapLine> parse_id_map(const std::string& text) {
    std::vector<IdMapLine> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        unsigned long a, b, c;
        if (std::sscanf(text.substr(start, end - start).c_str(), "%lu %lu %lu", &a, &b, &c) == 3)
            out.push_back({static_cast<uint32_t>(a), static_cast<uint32_t>(b), static_cast<uint32_t>(c)});
        start = end + 1;
    }
    return out;
}

uint64_t mapped_id_count(const std::string& map_file) {
    uint64_t n = 0;
    for (auto& l : parse_id_map(read_file_if_exists(map_file).value_or(""))) n += l.count;
    return n;
}

namespace {

// The host id that `id` (an id in this namespace) stands for.
uint32_t host_id_of(const std::vector<IdMapLine>& map, uint32_t id) {
    for (auto& l : map) {
        if (id >= l.inside && id - l.inside < l.count) return l.outside + (id - l.inside);
    }
    return id;
}

bool is_initial_map(const std::vector<IdMapLine>& map) {
    return map.size() == 1 && map[0].inside == 0 && map[0].outside == 0 && map[0].count == 4294967295U;
}

HostIdentity compute_identity() {
    HostIdentity h;
    auto umap = parse_id_map(read_file_if_exists("/proc/self/uid_map").value_or(""));
    auto gmap = parse_id_map(read_file_if_exists("/proc/self/gid_map").value_or(""));
    h.in_userns = !umap.empty() && !is_initial_map(umap);
    h.uid = host_id_of(umap, ::geteuid());
    h.gid = host_id_of(gmap, ::getegid());
    h.rootless = h.uid != 0;
    if (passwd* pw = ::getpwuid(h.uid)) h.name = pw->pw_name;
    return h;
}

HostIdentity& identity_slot() {
    static HostIdentity h = compute_identity();
    return h;
}

}  // namespace

const HostIdentity& host_identity() { return identity_slot(); }

std::optional<SubIdRange> subid_range(const std::string& file, const std::string& name, uint32_t id) {
    auto text = read_file_if_exists(file);
    if (!text) return std::nullopt;
    size_t start = 0;
    while (start < text->size()) {
        size_t end = text->find('\n', start);
        if (end == std::string::npos) end = text->size();
        std::string line = text->substr(start, end - start);
        start = end + 1;
        auto a = line.find(':'), b = line.find(':', a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        std::string who = line.substr(0, a);
        if (who != name && who != std::to_string(id)) continue;
        try {
            SubIdRange r{static_cast<uint32_t>(std::stoul(line.substr(a + 1, b - a - 1))),
                         static_cast<uint32_t>(std::stoul(line.substr(b + 1)))};
            if (r.count > 0) return r;
        } catch (const std::exception&) {
        }
    }
    return std::nullopt;
}

namespace {

constexpr int kPauseStartTimeoutMs = 10000;

// Reads one int from fd within timeout_ms; nullopt on EOF or timeout.
std::optional<int> read_int(int fd, int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    int r;
    do r = ::poll(&p, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r <= 0) return std::nullopt;
    int v = 0;
    ssize_t n;
    do n = ::read(fd, &v, sizeof v);
    while (n < 0 && errno == EINTR);
    if (n != static_cast<ssize_t>(sizeof v)) return std::nullopt;
    return v;
}

void send_int(int fd, int v) noexcept { [[maybe_unused]] auto n = ::write(fd, &v, sizeof v); }

// In the child: becomes the pause process (never returns). Reports exec
// failure as an errno on exec_err (close-on-exec: EOF means it ran).
[[noreturn]] void exec_pause(const std::string& shim_path, int exec_err) {
    ::setsid();
    if (::chdir("/") < 0) _exit(1);
    int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; ++fd) ::dup2(null, fd);
    if (exec_err != 3) {
        ::dup2(exec_err, 3);
        exec_err = 3;
    }
    ::fcntl(exec_err, F_SETFD, FD_CLOEXEC);
    ::syscall(SYS_close_range, 4U, ~0U, 0);
    const char* argv[] = {"conman-shim", "--pause", nullptr};
    ::execv(shim_path.c_str(), const_cast<char* const*>(argv));
    send_int(exec_err, errno);
    _exit(127);
}

// Waits for the exec of a pause process: EOF on the pipe is success.
void check_pause_exec(int fd, const std::string& shim_path) {
    if (auto e = read_int(fd, kPauseStartTimeoutMs))
        throw_sys(*e, "starting the rootless pause process {}", shim_path);
}

struct Ids {
    uint32_t uid, gid;
    std::string name;
    std::optional<SubIdRange> sub_uid, sub_gid;
};

void write_proc(pid_t pid, const char* file, const std::string& text) {
    std::string path = fmt::format("/proc/{}/{}", pid, file);
    UniqueFd fd = open_fd(path, O_WRONLY);
    write_all(fd.get(), text);
}

void map_ids(pid_t pid, const Ids& ids) {
    if (ids.sub_uid && ids.sub_gid) {
        for (auto [tool, id, r] : {std::tuple{"newuidmap", ids.uid, *ids.sub_uid}, std::tuple{"newgidmap", ids.gid, *ids.sub_gid}}) {
            std::string path = find_program(tool);
            if (path.empty()) fail(ErrorKind::System, "{} not found: install the uidmap package for rootless containers", tool);
            auto r2 = run_capture({path, std::to_string(pid), "0", std::to_string(id), "1", "1", std::to_string(r.start),
                                   std::to_string(r.count)},
                                  kPauseStartTimeoutMs);
            if (r2.exit_code() != 0) {
                std::string msg = r2.err;
                while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
                fail(ErrorKind::System, "{} for {}: {}", tool, ids.name.empty() ? std::to_string(id) : ids.name,
                     msg.empty() ? fmt::format("exit code {}", r2.exit_code()) : msg);
            }
        }
        return;
    }
    write_proc(pid, "setgroups", "deny");
    write_proc(pid, "uid_map", fmt::format("0 {} 1\n", ids.uid));
    write_proc(pid, "gid_map", fmt::format("0 {} 1\n", ids.gid));
}

// Child A of a new namespace: unshares, waits to be mapped, becomes root in
// it, forks the pause process and reports its pid (or -errno).
[[noreturn]] void namespace_child(int up, int down, int exec_err, const std::string& shim_path, bool can_setgroups) {
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
        send_int(up, errno);
        _exit(1);
    }
    send_int(up, 0);
    char c;
    ssize_t n;
    do n = ::read(down, &c, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1) _exit(1);
    if (::setresgid(0, 0, 0) < 0 || ::setresuid(0, 0, 0) < 0 || (can_setgroups && ::setgroups(0, nullptr) < 0) ||
        // Host mounts keep arriving; ours never leave.
        ::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) < 0) {
        send_int(up, -errno);
        _exit(1);
    }
    pid_t b = ::fork();
    if (b == 0) exec_pause(shim_path, exec_err);
    send_int(up, b < 0 ? -errno : b);
    _exit(0);
}

pid_t start_new_namespace(const std::string& shim_path, const Ids& ids) {
    Pipe up = make_pipe(), down = make_pipe(), ex = make_pipe();
    bool ranges = ids.sub_uid && ids.sub_gid;
    pid_t a = ::fork();
    if (a < 0) throw_sys(errno, "fork");
    if (a == 0) namespace_child(up.write.get(), down.read.get(), ex.write.get(), shim_path, ranges);
    up.write.reset();
    down.read.reset();
    ex.write.reset();
    auto reap = [&] {
        int st;
        while (::waitpid(a, &st, 0) < 0 && errno == EINTR) {
        }
    };
    auto st = read_int(up.read.get(), kPauseStartTimeoutMs);
    if (!st || *st != 0) {
        ::kill(a, SIGKILL);
        reap();
        throw_sys(st ? *st : EIO, "creating a user namespace (see /proc/sys/user/max_user_namespaces)");
    }
    try {
        map_ids(a, ids);
    } catch (...) {
        ::kill(a, SIGKILL);
        reap();
        throw;
    }
    send_int(down.write.get(), 1);
    auto pid = read_int(up.read.get(), kPauseStartTimeoutMs);
    reap();
    if (!pid || *pid <= 0) throw_sys(pid ? -*pid : EIO, "setting up the rootless user namespace");
    check_pause_exec(ex.read.get(), shim_path);
    if (!ranges)
        std::fprintf(stderr,
                     "conman: warning: no /etc/subuid and /etc/subgid ranges for %s: only your own id is mapped "
                     "(files owned by other ids show as nobody, images with such files cannot be used)\n",
                     ids.name.empty() ? std::to_string(ids.uid).c_str() : ids.name.c_str());
    return *pid;
}

// A new pause process in the namespace we have just joined (its last one died).
pid_t start_pause_here(const std::string& shim_path) {
    Pipe ex = make_pipe();
    pid_t b = ::fork();
    if (b < 0) throw_sys(errno, "fork");
    if (b == 0) exec_pause(shim_path, ex.write.get());
    ex.write.reset();
    check_pause_exec(ex.read.get(), shim_path);
    // Reparent it: nothing waits here for the pause process.
    return b;
}

struct Namespaces {
    pid_t pid;
    UniqueFd user, mnt;
};

// The namespaces of pid, if it is a live process of this user holding one of
// our rootless namespaces (uid 0 inside is the user). The fds are opened
// before the checks, so a recycled pid cannot slip in between.
std::optional<Namespaces> user_namespaces_of(pid_t pid, uint32_t uid) {
    if (pid <= 1) return std::nullopt;
    std::string proc = fmt::format("/proc/{}", pid);
    Namespaces ns{pid, UniqueFd(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC)),
                  UniqueFd(::open((proc + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC))};
    if (!ns.user || !ns.mnt) return std::nullopt;  // gone, or a zombie
    struct stat st;
    if (::stat(proc.c_str(), &st) < 0 || st.st_uid != uid) return std::nullopt;
    auto map = parse_id_map(read_file_if_exists(proc + "/uid_map").value_or(""));
    if (map.empty() || map[0].inside != 0 || map[0].outside != uid || map[0].count != 1) return std::nullopt;
    return ns;
}

void join(const Namespaces& ns) {
    char buf[PATH_MAX];
    std::string cwd = ::getcwd(buf, sizeof buf) ? buf : "/";
    if (::setns(ns.user.get(), CLONE_NEWUSER) < 0)
        throw_sys(errno, "joining the rootless user namespace of process {}", ns.pid);
    if (::setns(ns.mnt.get(), CLONE_NEWNS) < 0)
        throw_sys(errno, "joining the rootless mount namespace of process {}", ns.pid);
    if (::chdir(cwd.c_str()) < 0 && ::chdir("/") < 0) throw_sys(errno, "chdir /");
    identity_slot().in_userns = true;
}

std::optional<pid_t> pid_from_file(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) return std::nullopt;
    try {
        return static_cast<pid_t>(std::stol(*text));
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// The shims of running containers live in the namespace their pause
// process made; their attach sockets tell us their pids.
std::optional<Namespaces> live_shim(const std::string& runroot, uint32_t uid) {
    for (auto& name : list_dir(runroot)) {
        std::string sock = runroot + "/" + name + "/" + shim::kSocketName;
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        if (sock.size() >= sizeof addr.sun_path) continue;
        std::memcpy(addr.sun_path, sock.c_str(), sock.size() + 1);
        UniqueFd fd(::socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0));
        if (!fd || ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) continue;
        ucred cred{};
        socklen_t len = sizeof cred;
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) continue;
        if (auto ns = user_namespaces_of(cred.pid, uid)) return ns;
    }
    return std::nullopt;
}

}  // namespace

void enter_rootless_namespace(const std::string& runroot, const std::string& shim_path) {
    const HostIdentity& me = host_identity();
    if (!me.rootless || me.in_userns) return;
    std::string pidfile = runroot + "/pause.pid";
    auto pause = [&]() -> std::optional<Namespaces> {
        auto pid = pid_from_file(pidfile);
        return pid ? user_namespaces_of(*pid, me.uid) : std::nullopt;
    };
    if (auto ns = pause()) return join(*ns);
    mkdir_p(runroot, 0700);
    FileLock lock(runroot + "/pause.lock", FileLock::Mode::Exclusive, 30000);
    if (auto ns = pause()) return join(*ns);
    // The pause process died: the running containers' shims still hold the
    // namespace (and their mounts); join one and leave a new pause there.
    if (auto shim = live_shim(runroot, me.uid)) {
        join(*shim);
        atomic_write(pidfile, std::to_string(start_pause_here(shim_path)), 0600, false);
        return;
    }
    Ids ids{me.uid, me.gid, me.name, subid_range("/etc/subuid", me.name, me.uid),
            subid_range("/etc/subgid", me.name, me.uid)};
    pid_t pid = start_new_namespace(shim_path, ids);
    atomic_write(pidfile, std::to_string(pid), 0600, false);
    auto ns = user_namespaces_of(pid, me.uid);
    if (!ns) fail(ErrorKind::System, "the rootless pause process {} exited at once", pid);
    join(*ns);
}

}  // namespace conman
