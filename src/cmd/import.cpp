// conman import: import a tarball as an image (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_import(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("import", "Import a tarball as an image");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "import is not implemented yet");
    });
    return cmd;
}

CLI::App* register_import(CLI::App& parent, State& st) { return add_import(parent, st); }

}  // namespace conman::cli
