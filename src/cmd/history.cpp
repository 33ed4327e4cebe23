// conman history: show the history of an image (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_history(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("history", "Show the history of an image");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "history is not implemented yet");
    });
    return cmd;
}

CLI::App* register_history(CLI::App& parent, State& st) { return add_history(parent, st); }

}  // namespace conman::cli
