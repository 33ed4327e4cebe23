// conman logout: log out of a registry (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_logout(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("logout", "Log out of a registry");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "logout is not implemented yet");
    });
    return cmd;
}

CLI::App* register_logout(CLI::App& parent, State& st) { return add_logout(parent, st); }

}  // namespace conman::cli
