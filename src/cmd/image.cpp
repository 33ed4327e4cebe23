// conman image ...: the image management group (inspect, exists, prune,
// and the top-level image verbs again under their podman names).
#include <iostream>

#include "conman/cli.hpp"
#include "conman/engine_images.hpp"
#include "conman/error.hpp"
#include "conman/template.hpp"

namespace conman::cli {

CLI::App* add_rmi(CLI::App& parent, State& st, const char* name);
CLI::App* add_tag(CLI::App& parent, State& st);
CLI::App* add_untag(CLI::App& parent, State& st);

namespace {

void add_inspect(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("inspect", "Show details of images");
    struct Flags {
        std::string format;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-f,--format", f->format, "Go template or json");
    cmd->add_option("IMAGE", f->refs, "Images")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        nlohmann::json all = nlohmann::json::array();
        for_each_ref(st, f->refs, [&](const std::string& ref) { all.push_back(image_inspect_json(ctx, require_image(ctx, ref))); });
        if (!f->format.empty() && f->format != "json") {
            Template t = Template::parse(unescape_format(f->format));
            std::string out;
            for (auto& j : all) out += t.render(j) + "\n";
            std::cout << out;
        } else {
            std::cout << all.dump(4) << "\n";
        }
    });
}

void add_exists(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("exists", "Exit 0 when the image is in local storage, 1 when not");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("IMAGE", *ref, "Image")->required();
    cmd->callback([ref, &st] { st.exit_code = ImageStore(st.context()).find(*ref) ? 0 : 1; });
}

void add_prune(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("prune", "Remove unused images (dangling ones; all unused with -a)");
    struct Flags {
        bool all = false, force = false;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Remove every image no container uses");
    cmd->add_flag("-f,--force", f->force, "Do not ask (conman never asks)");
    cmd->callback([f, &st] {
        for (auto& id : prune_images(st.context(), f->all)) std::cout << id << "\n";
    });
}

}  // namespace

CLI::App* register_image(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("image", "Manage images");
    grp->require_subcommand(1);
    add_inspect(grp, st);
    add_exists(grp, st);
    add_prune(grp, st);
    add_rmi(*grp, st, "rm");
    add_tag(*grp, st);
    add_untag(*grp, st);
    add_push(*grp, st);
    add_load(*grp, st);
    add_save(*grp, st);
    add_import(*grp, st);
    add_history(*grp, st);
    return grp;
}

}  // namespace conman::cli
