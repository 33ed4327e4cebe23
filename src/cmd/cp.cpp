// conman cp: copy files between a container and the host (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_cp(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("cp", "Copy files between a container and the host");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "cp is not implemented yet");
    });
    return cmd;
}

CLI::App* register_cp(CLI::App& parent, State& st) { return add_cp(parent, st); }

}  // namespace conman::cli
