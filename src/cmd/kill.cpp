// conman kill: send a signal to the container's main process.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/runtime.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_kill(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("kill", "Send a signal to one or more running containers");
    struct Flags {
        std::string signal = "KILL";
        bool all = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-s,--signal", f->signal, "Signal to send (name or number, default KILL)");
    cmd->add_flag("-a,--all", f->all, "Signal all running containers");
    cmd->add_option("CONTAINER", f->refs, "Containers to signal");
    cmd->callback([f, &st] {
        int sig = parse_signal(f->signal);
        Context ctx = st.context();
        Store store(ctx);
        auto refs = select_refs(store, f->refs, f->all, [](const Container& c) { return c.running(); }, "kill");
        for_each_ref(st, refs, [&](const std::string& ref) {
            kill_container(ctx, store.resolve(ref), sig);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
