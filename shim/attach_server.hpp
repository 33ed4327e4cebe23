// AttachServer owns the shim's SOCK_SEQPACKET listener (<socket-dir>/attach)
// and every connected client. It moves packets only: parsed client input goes
// to a ClientHandler (the Shim). Output to a client never blocks the shim: a
// packet the socket cannot take now waits in that client's queue, and a
// client whose queue passes kMaxQueue bytes is dropped.
#pragma once
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "conman/fd.hpp"
#include "conman/shim_protocol.hpp"

namespace conman::shimd {

struct Client {
    UniqueFd fd;
    bool attached = false;     // sent an attach request
    bool want_stdout = false, want_stderr = false, want_stdin = false;
    bool waiting = false;      // sent a wait request
    int exec_session = 0;      // id of the exec session this connection runs, 0 if none
    bool stdin_paused = false; // its exec session's stdin buffer is full
    bool read_closed = false;  // peer shut down its sending side
    bool dead = false;         // to be dropped at the next sweep
    std::deque<std::string> queue;
    size_t queued = 0;         // bytes in queue
};

class ClientHandler {
public:
    virtual void on_request(Client& c, const shim::Request& r) = 0;
    virtual void on_stdin(Client& c, std::string_view data) = 0;
    virtual void on_stdin_close(Client& c) = 0;

protected:
    ~ClientHandler() = default;
};

class AttachServer {
public:
    static constexpr size_t kMaxQueue = 4 << 20;

    // Binds <socket_dir>/attach through /proc/self/fd (no sun_path limit)
    // and registers the listener with epfd.
    AttachServer(int epfd, const std::string& socket_dir);
    ~AttachServer();
    AttachServer(const AttachServer&) = delete;
    AttachServer& operator=(const AttachServer&) = delete;

    int listen_fd() const { return listen_.get(); }
    bool is_client(int fd) const { return clients_.count(fd) != 0; }
    // The live client on fd, or nullptr.
    Client* find(int fd);
    void accept_all();
    // Registers an already connected socket as a client attached to stdout
    // and stderr (and stdin when with_stdin), as if it had sent "attach".
    void adopt(UniqueFd fd, bool with_stdin);
    void on_client_event(int fd, uint32_t events, ClientHandler& h);

    void send(Client& c, std::string packet);
    void reply_ok(Client& c);
    void reply_error(Client& c, std::string_view msg);
    // Output from the container to every client attached for that stream.
    void broadcast_output(shim::Packet stream, std::string_view data);
    // The Exit packet to every attached or waiting client.
    void broadcast_exit(std::string_view exit_json);
    // Stops (or resumes) reading packets from clients attached with stdin,
    // for stdin back-pressure; other clients are still served.
    void pause_reading(bool paused);
    // The same for one client (exec session stdin back-pressure).
    void pause_client(Client& c, bool paused);
    // Sends queued packets until every queue is empty or timeout_ms passed.
    void flush(int timeout_ms);
    // Closes and unlinks the listener: new connections fail from now on.
    void close_listener() noexcept;
    // Handles what clients sent that is still unread (a "wait" that crossed
    // the exit gets its Exit), so that closing them afterwards is a clean
    // EOF, never a reset for unread data.
    void serve_pending(ClientHandler& h);
    void close_clients() noexcept;
    // Frees the clients marked dead. Client references die with them, so
    // the event loop calls this only between events.
    void sweep();

private:
    void read_client(Client& c, ClientHandler& h);
    void dispatch(Client& c, std::string_view pkt, ClientHandler& h);
    void push_queue(Client& c);
    void update_events(Client& c);
    bool reading_paused(const Client& c) const { return (paused_ && c.want_stdin) || c.stdin_paused; }

    int epfd_;
    UniqueFd dirfd_;
    UniqueFd listen_;
    std::map<int, std::unique_ptr<Client>> clients_;
    bool paused_ = false;
};

}  // namespace conman::shimd
