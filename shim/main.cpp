// conman-shim: the per-container monitor. main() parses the command line
// (shim::parse_argv), detaches from conman and hands over to Shim.
//
// Process model: conman spawns us; we fork once and the first process exits
// at once (conman reaps it), so the shim is re-parented away from conman. The
// child starts a new session, becomes a child subreaper (so the container,
// once `runc create` exits, is re-parented to us) and reports on the sync fd.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "conman/error.hpp"
#include "shim.hpp"

namespace {

using conman::shim::ShimArgs;

// Points 0, 1 and 2 at /dev/null and closes every other inherited fd except
// the ones named on the command line (sync fd, attach fd), so no caller pipe
// (`$(conman run -d ...)`) is held open by us.
void sanitize_fds(int keep_a, int keep_b) {
    int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        for (int fd = 0; fd <= 2; ++fd) {
            if (fd != null) ::dup2(null, fd);
        }
        if (null > 2 && null != keep_a && null != keep_b) ::close(null);
    }
    int lo = std::min(keep_a, keep_b < 0 ? keep_a : keep_b), hi = std::max(keep_a, keep_b);
    unsigned next = 3;
    for (int keep : {lo, hi}) {
        if (keep < 3 || static_cast<unsigned>(keep) < next) continue;
        if (static_cast<unsigned>(keep) > next) ::syscall(SYS_close_range, next, keep - 1, 0);
        ::fcntl(keep, F_SETFD, FD_CLOEXEC);
        next = static_cast<unsigned>(keep) + 1;
    }
    ::syscall(SYS_close_range, next, ~0U, 0);
}

void write_sync_error(int fd, const std::string& msg) {
    conman::shim::SyncMessage m;
    m.error = msg;
    conman::try_write_all(fd, conman::shim::encode_sync(m));
}

// `conman-shim --pause`: keeps a rootless user namespace alive for later
// conman invocations to join (userns.cpp starts it); does nothing else.
[[noreturn]] void pause_forever() {
    ::prctl(PR_SET_NAME, "conman-pause");
    ::signal(SIGHUP, SIG_IGN);
    ::signal(SIGPIPE, SIG_IGN);
    for (;;) ::pause();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string_view(argv[1]) == "--pause") pause_forever();
    ShimArgs args;
    try {
        args = conman::shim::parse_argv(std::vector<std::string>(argv + 1, argv + argc));
        if (args.sync_fd < 3) conman::fail(conman::ErrorKind::Usage, "conman-shim: --sync-fd must be 3 or higher");
    } catch (const conman::Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 125;
    }
    // The one fork outside process.cpp: the shim daemonises itself.
    pid_t pid = ::fork();
    if (pid < 0) {
        write_sync_error(args.sync_fd, fmt::format("conman-shim: fork: {}", std::strerror(errno)));
        return 1;
    }
    if (pid > 0) _exit(0);
    ::setsid();
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    sanitize_fds(args.sync_fd, args.attach_fd);
    ::signal(SIGPIPE, SIG_IGN);
    try {
        conman::UniqueFd sync_fd(args.sync_fd);
        conman::shimd::Shim shim(std::move(args), std::move(sync_fd));
        return shim.run();
    } catch (const std::exception&) {
        return 1;  // stdio is /dev/null; conman sees the shim gone and the lock free
    }
}
