// conman inspect: podman's JSON array, or a Go template per container.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/store.hpp"
#include "conman/template.hpp"
#include "conman/views.hpp"

namespace conman::cli {

CLI::App* register_inspect(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("inspect", "Show details of containers");
    struct Flags {
        std::string format, type = "container";
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-f,--format", f->format, "Go template or json");
    cmd->add_option("-t,--type", f->type, "Object type (container)")->check(CLI::IsMember({"container", "all"}));
    cmd->add_option("CONTAINER", f->refs, "Containers to inspect")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        std::optional<Template> tmpl;
        if (!f->format.empty() && f->format != "json") tmpl = Template::parse(unescape_format(f->format));
        nlohmann::json all = nlohmann::json::array();
        {
            FileLock lock = store.lock_shared();
            for_each_ref(st, f->refs, [&](const std::string& ref) {
                all.push_back(inspect_json(store, store.load(store.resolve(ref))));
            });
        }
        if (tmpl) {
            std::string out;
            for (auto& j : all) out += tmpl->render(j) + "\n";
            std::cout << out;
        } else {
            std::cout << all.dump(4) << "\n";
        }
    });
    return cmd;
}

}  // namespace conman::cli
