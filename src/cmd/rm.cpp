// conman rm: remove containers (running ones only with --force).
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/service.hpp"
#include "conman/store.hpp"
#include "conman/volume.hpp"

namespace conman::cli {

CLI::App* register_rm(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("rm", "Remove one or more containers");
    struct Flags {
        bool force = false, all = false, ignore = false, volumes = false;
        std::optional<int> time;
        std::vector<std::string> refs, cidfiles;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-f,--force", f->force, "Kill and remove running containers");
    cmd->add_flag("-a,--all", f->all, "Remove all containers");
    cmd->add_flag("-i,--ignore", f->ignore, "Ignore containers that do not exist");
    cmd->add_option("-t,--time", f->time, "With --force: stop with this timeout instead of SIGKILL");
    cmd->add_flag("-v,--volumes", f->volumes, "Also remove the container's anonymous volumes");
    cmd->add_option("--cidfile", f->cidfiles, "Read the container ID from this file")->allow_extra_args(false);
    cmd->add_option("CONTAINER", f->refs, "Containers to remove");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        if (!add_cidfile_refs(st, f->cidfiles, f->ignore, f->refs)) return;
        auto refs = select_refs(store, f->refs, f->all, [](const Container&) { return true; }, "rm");
        for_each_ref(st, refs, [&](const std::string& ref) {
            auto id = resolve_or_ignore(store, ref, f->ignore);
            if (!id) return;
            std::optional<ContainerConfig> cfg;
            if (f->volumes) cfg = lookup_container(ctx, *id).config;
            remove_container(ctx, *id, f->force, f->time);
            if (cfg) release_anonymous_volumes(ctx, *cfg);
            std::cout << *id << "\n";
        });
    });
    return cmd;
}

}  // namespace conman::cli
