// conman system ...: the system group (df).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* register_system(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("system", "Manage conman's storage and state");
    grp->require_subcommand(1);
    auto* df = grp->add_subcommand("df", "Show disk usage of images, containers and volumes");
    df->allow_extras();
    df->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "system df is not implemented yet");
    });
    return grp;
}

}  // namespace conman::cli
