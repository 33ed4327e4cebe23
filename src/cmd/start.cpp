// conman start: start created (or restart exited) containers.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_start(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("start", "Start one or more containers");
    struct Flags {
        bool attach = false;
        bool interactive = false;
        bool sig_proxy = true;
        std::string detach_keys = kDefaultDetachKeys;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--attach", f->attach, "Attach to the container's output and wait for it");
    cmd->add_flag("-i,--interactive", f->interactive, "Attach stdin (with --attach)");
    cmd->add_option("--sig-proxy", f->sig_proxy, "Forward signals to the container when attached");
    add_detach_keys_flag(cmd, f->detach_keys);
    cmd->add_option("CONTAINER", f->refs, "Containers to start")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        if (f->attach) {
            if (f->refs.size() != 1) fail(ErrorKind::Usage, "start --attach takes exactly one container");
            Container c = lookup_container(ctx, f->refs[0]);
            AttachIo io{f->interactive && c.config.stdin, c.config.tty, f->sig_proxy, f->detach_keys};
            parse_detach_keys(io.detach_keys);
            auto conn = start_container(ctx, c.config.id, true, io.stdin);
            auto out = relay_session(ctx, c.config.id, *conn, io);
            st.exit_code = out.exit_code;
            return;
        }
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            start_container(ctx, Store(ctx).resolve(ref));
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
