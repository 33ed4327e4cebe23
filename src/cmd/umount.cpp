// conman umount: unmount a container's root filesystem (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_umount(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("umount", "Unmount a container's root filesystem");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "umount is not implemented yet");
    });
    return cmd;
}

CLI::App* register_umount(CLI::App& parent, State& st) { return add_umount(parent, st); }

}  // namespace conman::cli
