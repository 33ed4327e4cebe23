// conman exec: run a command in a running container. The shim starts and
// owns it; we relay its stdio and exit with its code (126/127 when the
// command cannot be run, 125 when the container is not running).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* register_exec(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("exec", "Run a process in a running container");
    struct Flags {
        ExecOptions exec;
        std::string detach_keys = kDefaultDetachKeys;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-i,--interactive", f->exec.interactive, "Keep stdin open and attach it");
    cmd->add_flag("-t,--tty", f->exec.tty, "Allocate a pseudo-terminal");
    cmd->add_flag("-d,--detach", f->exec.detach, "Run in the background");
    cmd->add_option("-e,--env", f->exec.env, "Set an environment variable (KEY=VALUE or KEY)")->allow_extra_args(false);
    cmd->add_option("--env-file", f->exec.env_files, "Read environment variables from a file")->allow_extra_args(false);
    cmd->add_option("-w,--workdir", f->exec.workdir, "Working directory inside the container");
    cmd->add_option("-u,--user", f->exec.user, "User: UID[:GID] or NAME[:GROUP]");
    cmd->add_flag("--privileged", f->exec.privileged, "Give the process all capabilities");
    add_detach_keys_flag(cmd, f->detach_keys);
    cmd->prefix_command();
    cmd->callback([cmd, f, &st] {
        auto rest = cmd->remaining();
        if (rest.empty()) fail(ErrorKind::Usage, "exec needs a container and a command");
        std::string ref = rest[0];
        f->exec.cmd.assign(rest.begin() + 1, rest.end());
        // Signals are not proxied: a kill request reaches the container's
        // init, not this session (podman's exec has no --sig-proxy either).
        AttachIo io{f->exec.interactive, f->exec.tty, false, f->detach_keys, true};
        if (f->exec.interactive) parse_detach_keys(io.detach_keys);
        if (f->exec.tty) {
            if (auto ws = terminal_size(0) ? terminal_size(0) : terminal_size(1)) {
                f->exec.rows = ws->rows;
                f->exec.cols = ws->cols;
            }
        }
        Context ctx = st.context();
        Container c = lookup_container(ctx, ref);
        ExecSession s = exec_container(ctx, c.config.id, f->exec);
        if (f->exec.detach) return;
        st.exit_code = relay_session(ctx, c.config.id, s.conn, io).exit_code;
    });
    return cmd;
}

}  // namespace conman::cli
