// conman login: log in to a registry (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_login(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("login", "Log in to a registry");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "login is not implemented yet");
    });
    return cmd;
}

CLI::App* register_login(CLI::App& parent, State& st) { return add_login(parent, st); }

}  // namespace conman::cli
