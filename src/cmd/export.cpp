// conman export: export a container's filesystem as a tarball (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_export(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("export", "Export a container's filesystem as a tarball");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "export is not implemented yet");
    });
    return cmd;
}

CLI::App* register_export(CLI::App& parent, State& st) { return add_export(parent, st); }

}  // namespace conman::cli
