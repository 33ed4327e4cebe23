// A tiny HTTP/1.1 server on 127.0.0.1 for registry-client tests: one thread,
// one connection at a time, "Connection: close" after every answer. The
// handler writes the raw response (or part of it, to simulate a drop).
// Every socket has a 5 s timeout so no test can hang. The server owns its
// listening socket and thread; the destructor stops and joins it.
#pragma once
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "conman/fd.hpp"

struct FakeRequest {
    std::string method, target;
    std::map<std::string, std::string> headers;  // names lowercased
    std::string body;
    std::string header(const std::string& k) const {
        auto it = headers.find(k);
        return it == headers.end() ? std::string() : it->second;
    }
    bool has(const std::string& k) const { return headers.count(k) > 0; }
};

inline void fake_send(int fd, const std::string& s) { (void)conman::try_write_all(fd, s); }

// A complete response with Content-Length and Connection: close.
inline void fake_respond(int fd, int status, const std::string& body = "",
                         const std::vector<std::string>& headers = {}) {
    std::string r = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
    for (const auto& h : headers) r += h + "\r\n";
    r += "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    fake_send(fd, r);
}

class FakeServer {
public:
    using Handler = std::function<void(const FakeRequest&, int fd)>;

    explicit FakeServer(Handler h) : handler_(std::move(h)) {
        listen_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
        int one = 1;
        ::setsockopt(listen_.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::bind(listen_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_.get(), 16) != 0)
            throw std::runtime_error("fake server: bind/listen failed");
        socklen_t len = sizeof a;
        ::getsockname(listen_.get(), reinterpret_cast<sockaddr*>(&a), &len);
        port_ = ntohs(a.sin_port);
        thread_ = std::thread([this] { loop(); });
    }
    ~FakeServer() {
        stop_ = true;
        thread_.join();
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    int port() const { return port_; }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
    std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
    std::vector<FakeRequest> requests() {
        std::lock_guard lk(mu_);
        return reqs_;
    }

private:
    void loop() {
        while (!stop_) {
            pollfd p{listen_.get(), POLLIN, 0};
            if (::poll(&p, 1, 50) <= 0) continue;
            conman::UniqueFd c(::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC));
            if (!c) continue;
            timeval tv{5, 0};
            ::setsockopt(c.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
            ::setsockopt(c.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            FakeRequest req;
            if (!read_request(c.get(), req)) continue;
            {
                std::lock_guard lk(mu_);
                reqs_.push_back(req);
            }
            try {
                handler_(req, c.get());
            } catch (...) {
            }
            ::shutdown(c.get(), SHUT_WR);
        }
    }

    static bool read_request(int fd, FakeRequest& req) {
        std::string buf;
        char tmp[4096];
        size_t end;
        while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
            ssize_t n = ::read(fd, tmp, sizeof tmp);
            if (n <= 0 || buf.size() > (1 << 20)) return false;
            buf.append(tmp, static_cast<size_t>(n));
            if (buf[0] == '\x16') {  // a TLS ClientHello: answer like Go's http server does
                fake_send(fd, "HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n");
                return false;
            }
        }
        std::string head = buf.substr(0, end);
        std::string rest = buf.substr(end + 4);
        size_t pos = head.find("\r\n");
        std::string line = head.substr(0, pos);
        auto sp1 = line.find(' '), sp2 = line.rfind(' ');
        if (sp1 == std::string::npos || sp2 <= sp1) return false;
        req.method = line.substr(0, sp1);
        req.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
        while (pos != std::string::npos && pos < head.size()) {
            size_t next = head.find("\r\n", pos + 2);
            std::string h = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            auto colon = h.find(':');
            if (colon != std::string::npos) {
                std::string k = h.substr(0, colon);
                for (auto& ch : k) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                std::string v = h.substr(colon + 1);
                while (!v.empty() && v.front() == ' ') v.erase(0, 1);
                req.headers[k] = v;
            }
            pos = next;
        }
        size_t want = req.has("content-length") ? std::stoul(req.header("content-length")) : 0;
        while (rest.size() < want) {
            ssize_t n = ::read(fd, tmp, sizeof tmp);
            if (n <= 0) return false;
            rest.append(tmp, static_cast<size_t>(n));
        }
        req.body = rest;
        return true;
    }

    Handler handler_;
    conman::UniqueFd listen_;
    int port_ = 0;
    std::atomic<bool> stop_{false};
    std::thread thread_;
    std::mutex mu_;
    std::vector<FakeRequest> reqs_;
};
