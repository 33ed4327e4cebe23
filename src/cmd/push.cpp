// conman push: push an image to a registry (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_push(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("push", "Push an image to a registry");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "push is not implemented yet");
    });
    return cmd;
}

CLI::App* register_push(CLI::App& parent, State& st) { return add_push(parent, st); }

}  // namespace conman::cli
