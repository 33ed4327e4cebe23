// conman wait: block until containers exit and print their exit codes.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_wait(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("wait", "Wait for containers to exit and print their exit codes");
    struct Flags {
        std::vector<std::string> condition;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("--condition", f->condition, "Condition to wait for: stopped or exited (the default)")
        ->check(CLI::IsMember({"stopped", "exited"}));
    cmd->add_option("CONTAINER", f->refs, "Containers to wait for")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            int code = wait_container(ctx, Store(ctx).resolve(ref));
            std::cout << code << std::endl;
        });
    });
    return cmd;
}

}  // namespace conman::cli
