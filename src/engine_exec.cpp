// exec: a new process in a running container, started and owned by the
// container's shim (which runs `runtime exec`), so `exec -d` outlives us.
#include "conman/engine.hpp"
#include "conman/events.hpp"
#include "conman/security.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/rootfs.hpp"
#include "conman/runtime.hpp"
#include "conman/spec.hpp"

namespace conman {

namespace {
constexpr int kExecReplyTimeoutMs = 120000;

ProcessParams exec_params(const ContainerConfig& c, const ExecOptions& o) {
    ProcessParams p = container_process_params(c);
    p.args = o.cmd;
    std::vector<std::string> env = c.env;
    if (o.tty) env = merge_env(env, {"TERM=xterm"});
    for (auto& f : o.env_files) env = merge_env(env, parse_env_file(read_file(f), f));
    p.env = merge_env(env, o.env);
    p.cwd = o.workdir.empty() ? c.workdir : o.workdir;
    if (p.cwd.empty() || p.cwd[0] != '/')
        fail(ErrorKind::Usage, "invalid working directory {}: must be an absolute path", p.cwd);
    if (o.user.empty()) {
        p.uid = c.uid;
        p.gid = c.gid;
        p.additional_gids = c.additional_gids;
    } else {
        auto u = resolve_user(c.rootfs, o.user);
        p.uid = u.uid;
        p.gid = u.gid;
    }
    p.tty = o.tty;
    p.rows = o.rows;
    p.cols = o.cols;
    if (o.privileged) {  // exec --privileged: every capability, whatever the container has
        p.privileged = true;
        p.capabilities.reset();
    }
    p.rlimits = container_rlimits(c);
    return p;
}

// What runc says when the container's init exits while it sets up an exec:
// the exec lost a race with the exit, which is a conflict, not a failure.
bool exec_lost_race(std::string_view msg) {
    for (std::string_view m : {"cannot exec in a stopped container", "error executing setns process",
                               "read init-p: connection reset by peer"})
        if (msg.find(m) != std::string_view::npos) return true;
    return false;
}

}  // namespace

ExecSession exec_container(const Context& ctx, const std::string& id, const ExecOptions& o) {
    if (o.cmd.empty()) fail(ErrorKind::Usage, "exec needs a command to run");
    Container c = lookup_container(ctx, id);
    if (c.state.status != kRunning)
        fail(ErrorKind::Conflict, "can only exec in running containers: {} is {}", c.config.name, c.state.status);
    ProcessParams p = exec_params(c.config, o);
    auto conn = ShimConnection::connect(Store(ctx).socket_dir(id));
    if (!conn) fail(ErrorKind::Conflict, "can only exec in running containers: {} has exited", c.config.name);
    shim::Request r{.op = "exec", .stdin = o.interactive, .rows = o.rows, .cols = o.cols};
    r.process_json = build_process(p).dump();
    r.tty = o.tty;
    r.detach = o.detach;
    try {
        shim::Reply reply = conn->request_reply(r, kExecReplyTimeoutMs);
        emit(ctx, c.config, "exec");
        return ExecSession{std::move(*conn), reply.pid};
    } catch (const Error& e) {
        // The container may have exited (or be dying) since we looked: a
        // conflict, not the runtime's words about a missing process.
        Container now = lookup_container(ctx, id);
        if (now.state.status != kRunning)
            fail(ErrorKind::Conflict, "can only exec in running containers: {} is {}", now.config.name,
                 now.state.status);
        // Killed, but its shim has not seen the exit yet; or it exited and
        // was started again between the runtime's check and ours.
        auto rs = OciRuntime(ctx).state(id);
        if (!rs || *rs != "running" || exec_lost_race(e.what()))
            fail(ErrorKind::Conflict, "can only exec in running containers: {} is not running (it is exiting)",
                 now.config.name);
        // 126/127 from our own lookup inside the rootfs, as for create.
        int code = classify_command(c.config.rootfs, o.cmd[0], p.env);
        if (code == 127) throw Error(ErrorKind::CommandNotFound, e.what());
        if (code == 126) throw Error(ErrorKind::NotExecutable, e.what());
        throw;
    }
}

}  // namespace conman
