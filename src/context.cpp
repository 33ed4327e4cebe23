#include "conman/context.hpp"

#include <climits>
#include <cstdlib>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/userns.hpp"
#include "conman_config.h"

namespace conman {

namespace {

std::string env_or(const char* name, const std::string& fallback) {
    const char* v = std::getenv(name);
    return v && *v ? v : fallback;
}

bool is_executable(const std::string& p) {
    struct stat st;
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

std::string self_exe_path() {
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "conman";
    return std::string(buf, static_cast<size_t>(n));
}

std::string default_root(bool rootless) {
    if (!rootless) return "/var/lib/conman";
    std::string home = env_or("HOME", "/tmp");
    return env_or("XDG_DATA_HOME", home + "/.local/share") + "/conman";
}

std::string default_runroot(bool rootless) {
    if (!rootless) return "/run/conman";
    if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x && *x) return std::string(x) + "/conman";
    return fmt::format("/tmp/conman-{}", ::getuid());
}

std::string find_shim(const std::string& flag, const std::string& self) {
    if (!flag.empty()) return absolute_path(flag);
    if (const char* e = std::getenv("CONMAN_SHIM"); e && *e) return e;
    std::string dir = dirname_of(self);
    for (auto cand : {dir + "/conman-shim", dir + "/../shim/conman-shim", dir + "/shim/conman-shim"}) {
        if (is_executable(cand)) return cand;
    }
    return std::string(CONMAN_LIBEXECDIR) + "/conman-shim";
}

}  // namespace

std::string find_program(const std::string& name) {
    if (name.find('/') != std::string::npos) return is_executable(name) ? absolute_path(name) : "";
    std::string path = env_or("PATH", "/usr/local/bin:/usr/bin:/bin");
    path += ":/usr/local/sbin:/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        if (!dir.empty() && is_executable(dir + "/" + name)) return dir + "/" + name;
        start = end + 1;
    }
    return "";
}

std::vector<std::string> Context::global_args() const {
    std::vector<std::string> args = {"--root", root, "--runroot", runroot, "--runtime",
                                     runtime_path.empty() ? runtime_name : runtime_path};
    if (!storage_driver.empty()) args.insert(args.end(), {"--storage-driver", storage_driver});
    return args;
}

const std::string& Context::require_runtime() const {
    if (runtime_path.empty())
        fail(ErrorKind::Runtime, "OCI runtime {} not found: install it or pass --runtime PATH", runtime_name);
    return runtime_path;
}

namespace {
// A rootless runroot (sockets, runtime state) must be ours and private:
// /tmp/conman-UID could have been made by someone else first.
void ensure_private_dir(const std::string& path) {
    if (::mkdir(path.c_str(), 0700) < 0 && errno != EEXIST) return;  // parents missing: the store makes them
    struct stat st;
    if (::lstat(path.c_str(), &st) < 0) return;
    if (!S_ISDIR(st.st_mode) || st.st_uid != ::getuid() || (st.st_mode & 077) != 0)
        fail(ErrorKind::System, "runroot {}: not a private directory of this user (owner {}, mode {:o}): remove it or "
                                "pass --runroot", path, st.st_uid, st.st_mode & 07777);
}
}  // namespace

Context make_context(const GlobalOptions& g) {
    Context c;
    c.rootless = host_identity().rootless;
    c.root = absolute_path(!g.root.empty() ? g.root : env_or("CONMAN_ROOT", default_root(c.rootless)));
    c.runroot = absolute_path(!g.runroot.empty() ? g.runroot : env_or("CONMAN_RUNROOT", default_runroot(c.rootless)));
    if (c.rootless && !host_identity().in_userns) ensure_private_dir(c.runroot);
    c.runtime_name = !g.runtime.empty() ? g.runtime : env_or("CONMAN_RUNTIME", "runc");
    c.runtime_path = find_program(c.runtime_name);
    c.self_exe = self_exe_path();
    c.shim_path = find_shim(g.shim_path, c.self_exe);
    c.storage_driver = !g.storage_driver.empty() ? g.storage_driver : env_or("CONMAN_STORAGE_DRIVER", "");
    if (!c.storage_driver.empty() && c.storage_driver != "overlay" && c.storage_driver != "vfs")
        fail(ErrorKind::Usage, "unknown storage driver \"{}\": use overlay or vfs", c.storage_driver);
    if (const char* t = std::getenv("CONMAN_LOCK_TIMEOUT_MS")) c.lock_timeout_ms = std::atoi(t);
    if (const char* t = std::getenv("CONMAN_CREATE_TIMEOUT_MS")) {
        int ms = std::atoi(t);
        if (ms <= 0) fail(ErrorKind::Usage, "invalid CONMAN_CREATE_TIMEOUT_MS \"{}\": milliseconds > 0", t);
        c.create_timeout_ms = ms;
    }
    // Rootless: from here on this process is root in the user's namespace.
    if (c.rootless) enter_rootless_namespace(c.runroot, c.shim_path);
    return c;
}

}  // namespace conman
