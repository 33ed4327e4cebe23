// conman load: load images from an archive (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_load(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("load", "Load images from an archive");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "load is not implemented yet");
    });
    return cmd;
}

CLI::App* register_load(CLI::App& parent, State& st) { return add_load(parent, st); }

}  // namespace conman::cli
