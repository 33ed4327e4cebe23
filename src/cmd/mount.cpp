// conman mount: mount containers' root filesystems and print where, or list
// the mounted ones (podman's mount). See container_mount.hpp for counting.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/container_mount.hpp"
#include "conman/error.hpp"
#include "conman/names.hpp"
#include "conman/table.hpp"

namespace conman::cli {

namespace {

std::string list_mounted(const std::vector<MountedContainer>& ms, const std::string& format, bool no_trunc) {
    if (format == "json") {
        nlohmann::json all = nlohmann::json::array();
        for (auto& m : ms) {
            all.push_back({{"id", m.id},
                           {"Names", m.name.empty() ? std::vector<std::string>{} : std::vector<std::string>{m.name}},
                           {"mountpoint", m.path}});
        }
        return all.dump(4) + "\n";
    }
    Table t;
    for (auto& m : ms) t.add_row({no_trunc ? m.id : short_id(m.id), m.path});
    return t.render();
}

}  // namespace

CLI::App* add_mount(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("mount", "Mount a container's root filesystem and print its path");
    struct Flags {
        bool all = false, latest = false, no_trunc = false;
        std::string format;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Mount all containers");
    cmd->add_option("--format", f->format, "Print the list of mounted containers as json");
    cmd->add_flag("-l,--latest", f->latest, "Act on the most recently created container");
    cmd->add_flag("--no-trunc,--notruncate", f->no_trunc, "Do not truncate IDs in the list");
    cmd->add_option("CONTAINER", f->refs, "Containers to mount");
    cmd->callback([f, &st] {
        if (!f->format.empty() && f->format != "json")
            fail(ErrorKind::Usage, "unknown --format \"{}\": mount prints json or its default list", f->format);
        Context ctx = st.context();
        if (f->all) {
            Store store(ctx);
            for (auto& c : store.load_all()) {
                try {
                    mount_container(ctx, c.config.id);
                } catch (const std::exception& e) {
                    report(st, e);
                }
            }
            std::cout << list_mounted(mounted_containers(ctx), f->format, f->no_trunc);
            return;
        }
        auto refs = f->refs;
        if (f->latest) refs.push_back(latest_container(ctx));
        if (refs.empty()) {
            std::cout << list_mounted(mounted_containers(ctx), f->format, f->no_trunc);
            return;
        }
        for_each_ref(st, refs, [&](const std::string& ref) { std::cout << mount_container(ctx, ref) << "\n"; });
    });
    return cmd;
}

CLI::App* register_mount(CLI::App& parent, State& st) { return add_mount(parent, st); }

}  // namespace conman::cli
