#include "reaper.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman::shimd {

void Reaper::reap_all() {
    for (;;) {
        int st = 0;
        pid_t pid = ::waitpid(-1, &st, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid <= 0) return;  // 0: none ready; ECHILD: no children at all
        if (cache_.size() >= kMaxCached) cache_.erase(cache_.begin());
        cache_.emplace_back(pid, st);
    }
}

std::optional<int> Reaper::take(pid_t pid) {
    auto it = std::find_if(cache_.begin(), cache_.end(), [pid](const auto& e) { return e.first == pid; });
    if (it == cache_.end()) return std::nullopt;
    int st = it->second;
    cache_.erase(it);
    return st;
}

void Reaper::forget(pid_t pid) {
    std::erase_if(cache_, [pid](const auto& e) { return e.first == pid; });
}

UniqueFd block_into_signalfd(std::initializer_list<int> sigs) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : sigs) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, nullptr) < 0) throw_sys(errno, "sigprocmask");
    int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) throw_sys(errno, "signalfd");
    return UniqueFd(fd);
}

std::vector<int> read_signals(int sigfd) {
    std::vector<int> out;
    signalfd_siginfo si[8];
    for (;;) {
        long n = read_some(sigfd, si, sizeof si);
        if (n <= 0) return out;
        for (size_t i = 0; i < static_cast<size_t>(n) / sizeof si[0]; ++i) out.push_back(static_cast<int>(si[i].ssi_signo));
    }
}

}  // namespace conman::shimd
