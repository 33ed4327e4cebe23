// conman container ...: the management group. Holds `cleanup`, which the
// shim runs after the container exits (it removes --rm containers).
#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_container(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("container", "Manage containers");
    grp->require_subcommand(1);
    auto* cmd = grp->add_subcommand("cleanup", "Clean up after a container exited (run by conman-shim)");
    struct Flags {
        bool rm = false;
        std::string ref;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("--rm", f->rm, "Remove the container");
    cmd->add_option("CONTAINER", f->ref, "Container")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        std::string id;
        try {
            id = store.resolve(f->ref);
        } catch (const Error& e) {
            if (e.kind() == ErrorKind::NotFound) return;  // already removed
            throw;
        }
        cleanup_container(ctx, id, f->rm);
    });
    add_export(*grp, st);
    add_commit(*grp, st);
    add_cp(*grp, st);
    add_mount(*grp, st);
    add_umount(*grp, st);
    for (auto reg : {register_stats, register_top, register_pause, register_unpause, register_update}) reg(*grp, st);
    return grp;
}

}  // namespace conman::cli
