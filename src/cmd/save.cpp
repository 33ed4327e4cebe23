// conman save: save images to an archive (being written).
#include "conman/cli.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_save(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("save", "Save images to an archive");
    cmd->allow_extras();
    cmd->callback([&st] {
        (void)st;
        fail(ErrorKind::Usage, "save is not implemented yet");
    });
    return cmd;
}

CLI::App* register_save(CLI::App& parent, State& st) { return add_save(parent, st); }

}  // namespace conman::cli
