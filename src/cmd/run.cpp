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
        Container c = create_container(ctx, f->create);
        const std::string& id = c.config.id;
        if (f->detach) {
            try {
                start_container(ctx, id);
            } catch (...) {
                if (f->create.auto_remove) remove_container(ctx, id, true, std::nullopt);
                throw;
            }
            std::cout << id << "\n";
            return;
        }
        try {
            st.exit_code = attach_and_start(ctx, id, true, f->sig_proxy);
        } catch (...) {
            if (f->create.auto_remove) {
                try {
                    remove_container(ctx, id, true, std::nullopt);
                } catch (...) {
                }
            }
            throw;
        }
    });
    return cmd;
}

}  // namespace conman::cli
