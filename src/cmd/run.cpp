// conman run: create + start; in the foreground, relay output, stdin and
// signals and exit with the container's code; with -d print the ID.
#include <csignal>
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/sdnotify.hpp"

namespace conman::cli {

namespace {

struct RunFlags {
    CreateOptions create;
    bool detach = false;
    bool sig_proxy = true;
    std::string detach_keys = kDefaultDetachKeys;
};

void block_proxied_signals() {
    // Held pending until the relay reads them through a signalfd, so a
    // Ctrl-C during create is forwarded rather than killing conman.
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&set, s);
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

}  // namespace

CLI::App* register_run(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("run", "Run a command in a new container");
    auto f = std::make_shared<RunFlags>();
    auto rest = std::make_shared<std::vector<std::string>>();
    add_create_flags(cmd, f->create, *rest);
    cmd->add_flag("-d,--detach", f->detach, "Run in the background and print the container ID");
    cmd->add_option("--sig-proxy", f->sig_proxy, "Forward signals to the container (default true)");
    add_detach_keys_flag(cmd, f->detach_keys);
    cmd->callback([cmd, f, &st] {
        finish_create_options(f->create, cmd->remaining(), st);
        Context ctx = st.context();
        AttachIo io{f->create.interactive, f->create.tty, f->sig_proxy, f->detach_keys};
        if (!f->detach) parse_detach_keys(io.detach_keys);  // a bad spec fails before anything is made
        if (!f->detach && f->sig_proxy) block_proxied_signals();
        // The shim creates and starts in one step; in the foreground it is
        // handed our socket first, so no output can precede the attach.
        Created cr = create_container(ctx, f->create, {.start = true, .attach = !f->detach});
        const std::string& id = cr.container.config.id;
        notify_container_started(cr.container.config, cr.container.state.shim_pid);
        if (f->detach) {
            std::cout << id << "\n";
            return;
        }
        AttachOutcome out;
        try {
            out = relay_session(ctx, id, *cr.attached, io);
        } catch (...) {
            if (f->create.auto_remove) {
                try {
                    remove_container(ctx, id, true, std::nullopt);
                    release_anonymous_volumes(ctx, cr.container.config);
                } catch (...) {
                }
            }
            throw;
        }
        if (out.detached) return;  // it runs on; --rm is left to the shim's exit command
        st.exit_code = out.exit_code;
        // --rm: remove it now rather than wait for the shim's exit command,
        // so the container is gone when run returns (the shim's cleanup
        // then finds nothing left to do).
        if (f->create.auto_remove) {
            try {
                remove_container(ctx, id, false, std::nullopt);
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::NotFound) throw;  // the shim's cleanup was quicker: fine
            }
            release_anonymous_volumes(ctx, cr.container.config);  // podman: --rm takes anonymous volumes along
        }
    });
    return cmd;
}

}  // namespace conman::cli
