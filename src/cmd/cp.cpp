// conman cp: copy files and directories between a container and the host
// (or between containers), or a tar stream on stdin/stdout with "-".
// The work is in engine_cp.cpp; see container_copy.hpp for the rules.
#include "conman/cli.hpp"
#include "conman/container_copy.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_cp(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("cp", "Copy files/folders between a container and the local filesystem");
    struct Flags {
        CopyOptions o;
        std::vector<std::string> args;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--archive", f->o.archive,
                  "Chown files copied into a container to its user (default true; --archive=false keeps owners)");
    cmd->add_flag("--overwrite", f->o.overwrite, "Allow directories to replace non-directories and the other way round");
    cmd->add_option("SRC DEST", f->args, "[CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH; \"-\" is a tar stream");
    cmd->callback([f, &st] {
        if (f->args.size() != 2)
            fail(ErrorKind::Usage, "cp needs exactly two arguments: [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH");
        f->o.src = f->args[0];
        f->o.dest = f->args[1];
        copy_files(st.context(), f->o);
    });
    return cmd;
}

CLI::App* register_cp(CLI::App& parent, State& st) { return add_cp(parent, st); }

}  // namespace conman::cli
