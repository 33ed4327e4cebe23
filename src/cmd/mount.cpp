// conman mount: mount a container's root filesystem (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_mount(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("mount", "Mount a container's root filesystem");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "mount is not implemented yet");
    });
    return cmd;
}

CLI::App* register_mount(CLI::App& parent, State& st) { return add_mount(parent, st); }

}  // namespace conman::cli
