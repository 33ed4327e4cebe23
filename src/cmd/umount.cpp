// conman umount (alias unmount): drop a mount of containers' root
// filesystems, unmounting when none is left; never under a running one.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/container_mount.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_umount(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("umount", "Unmount a container's root filesystem");
    cmd->alias("unmount");
    struct Flags {
        bool all = false, force = false, latest = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Unmount every mounted container that is not running or created");
    cmd->add_flag("-f,--force", f->force, "Drop every mount count at once (never under a running or created container)");
    cmd->add_flag("-l,--latest", f->latest, "Act on the most recently created container");
    cmd->add_option("CONTAINER", f->refs, "Containers to unmount");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        auto refs = f->refs;
        if (f->latest) refs.push_back(latest_container(ctx));
        if (f->all) {
            // podman's --all passes over running containers (and created
            // ones, whose runtime holds the rootfs already).
            Store store(ctx);
            for (auto& m : mounted_containers(ctx)) {
                auto status = store.load(m.id).state.status;
                if (status != kRunning && status != kCreated) refs.push_back(m.id);
            }
        } else if (refs.empty()) {
            fail(ErrorKind::Usage, "umount needs at least one container name or ID, or --all");
        }
        for_each_ref(st, refs, [&](const std::string& ref) {
            unmount_container(ctx, ref, f->force);
            std::cout << ref << "\n";
        });
    });
    return cmd;
}

CLI::App* register_umount(CLI::App& parent, State& st) { return add_umount(parent, st); }

}  // namespace conman::cli
