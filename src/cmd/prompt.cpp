// Terminal prompts for login and push --creds (prompt.hpp).
#include "prompt.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <iostream>

#include "conman/error.hpp"
#include "conman/fd.hpp"

namespace conman::cli {

namespace {

void show(const std::string& prompt) {
    std::cout << prompt << std::flush;
}

std::string strip_eol(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// Reads stdin up to a newline. wake (a signalfd, or -1) interrupts the wait:
// returns false then.
bool read_line(std::string& out, int wake) {
    for (;;) {
        pollfd p[2] = {{0, POLLIN, 0}, {wake, POLLIN, 0}};
        int n = ::poll(p, wake >= 0 ? 2 : 1, -1);
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "reading from the terminal");
        }
        if (wake >= 0 && (p[1].revents & POLLIN)) return false;
        if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[256];
        ssize_t r = ::read(0, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            throw_sys(errno, "reading from the terminal");
        }
        if (r == 0) {
            if (out.empty()) fail(ErrorKind::Usage, "no answer: end of input");
            return true;
        }
        out.append(buf, static_cast<size_t>(r));
        if (out.find('\n') != std::string::npos) {
            out = strip_eol(out.substr(0, out.find('\n') + 1));
            return true;
        }
    }
}

}  // namespace

std::string prompt_line(const std::string& prompt) {
    show(prompt);
    std::string line;
    read_line(line, -1);
    return line;
}

std::string prompt_secret(const std::string& prompt) {
    termios saved{};
    if (::tcgetattr(0, &saved) != 0) throw_sys(errno, "reading the terminal's settings");
    // Signals wait in a signalfd while echo is off, so that none can end
    // the process before the terminal is restored.
    sigset_t set, old;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&set, s);
    if (::sigprocmask(SIG_BLOCK, &set, &old) != 0) throw_sys(errno, "blocking signals");
    UniqueFd sfd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    show(prompt);
    bool got = false;
    std::string secret;
    std::exception_ptr error;
    if (sfd.get() >= 0 && ::tcsetattr(0, TCSAFLUSH, &quiet) == 0) {
        try {
            got = read_line(secret, sfd.get());
        } catch (...) {
            error = std::current_exception();
        }
        ::tcsetattr(0, TCSAFLUSH, &saved);
    } else {
        error = std::make_exception_ptr(Error(ErrorKind::System, "turning off the terminal's echo failed"));
    }
    if (!got) std::cout << std::endl;
    // A signal that arrived is delivered here, with the terminal as it was.
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    if (error) std::rethrow_exception(error);
    if (!got) fail(ErrorKind::Usage, "interrupted");
    return secret;
}

}  // namespace conman::cli
