// conman commit: create an image from a container's changes (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_commit(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("commit", "Create an image from a container's changes");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "commit is not implemented yet");
    });
    return cmd;
}

CLI::App* register_commit(CLI::App& parent, State& st) { return add_commit(parent, st); }

}  // namespace conman::cli
