// conman run: create + start; in the foreground, relay output and signals
// and exit with the container's code; with -d print the ID and return.
#include <csignal>
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

namespace {

struct RunFlags {
    CreateOptions create;
    bool detach = false;
    bool sig_proxy = true;
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
    cmd->callback([cmd, f, &st] {
        finish_create_options(f->create, cmd->remaining(), st);
        Context ctx = st.context();
        if (!f->detach && f->sig_proxy) block_proxied_signals();
        // The shim creates and starts in one step; in the foreground it is
        // handed our socket first, so no output can precede the attach.
        Created cr = create_container(ctx, f->create, {.start = true, .attach = !f->detach});
        const std::string& id = cr.container.config.id;
        if (f->detach) {
            std::cout << id << "\n";
            return;
        }
        try {
            st.exit_code = relay_exit_code(ctx, id, *cr.attached, f->sig_proxy);
        } catch (...) {
            if (f->create.auto_remove) {
                try {
                    remove_container(ctx, id, true, std::nullopt);
                } catch (...) {
                }
            }
            throw;
        }
        // --rm: remove it now rather than wait for the shim's exit command,
        // so the container is gone when run returns (the shim's cleanup
        // then finds nothing left to do).
        if (f->create.auto_remove) remove_container(ctx, id, false, std::nullopt);
    });
    return cmd;
}

}  // namespace conman::cli
