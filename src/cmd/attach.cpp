// conman attach: join a running container's main process: its output, and
// its stdin when it was created with -i. Detach keys leave it running.
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* register_attach(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("attach", "Attach to a running container");
    struct Flags {
        bool no_stdin = false;
        bool sig_proxy = true;
        std::string detach_keys = kDefaultDetachKeys;
        std::string ref;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("--no-stdin", f->no_stdin, "Do not attach stdin");
    cmd->add_option("--sig-proxy", f->sig_proxy, "Forward signals to the container (default true)");
    add_detach_keys_flag(cmd, f->detach_keys);
    cmd->add_option("CONTAINER", f->ref, "Container")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Container c = lookup_container(ctx, f->ref);
        if (c.state.status != kRunning)
            fail(ErrorKind::Conflict, "you can only attach to running containers: {} is {}", c.config.name,
                 c.state.status);
        AttachIo io{!f->no_stdin && c.config.stdin, c.config.tty, f->sig_proxy, f->detach_keys};
        parse_detach_keys(io.detach_keys);
        ShimConnection conn = attach_container(ctx, c, io.stdin);
        st.exit_code = relay_session(ctx, c.config.id, conn, io).exit_code;
    });
    return cmd;
}

}  // namespace conman::cli
