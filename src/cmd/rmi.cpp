// conman rmi: remove images (a name of an image that has several only
// untags it); refuses images in use unless --force.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/engine_images.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_rmi(CLI::App& parent, State& st, const char* name) {
    auto* cmd = parent.add_subcommand(name, "Remove one or more images");
    struct Flags {
        bool force = false, all = false, ignore = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-f,--force", f->force, "Also remove containers that use the image");
    cmd->add_flag("-a,--all", f->all, "Remove all images");
    cmd->add_flag("-i,--ignore", f->ignore, "Ignore images that do not exist");
    cmd->add_option("IMAGE", f->refs, "Images to remove");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        if (f->all) {
            for (auto& r : ImageStore(ctx).list()) f->refs.push_back(r.id);
        } else if (f->refs.empty()) {
            fail(ErrorKind::Usage, "rmi needs at least one image name or ID, or --all");
        }
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            try {
                auto out = remove_image(ctx, ref, f->force);
                for (auto& n : out.untagged) std::cout << "Untagged: " << n << "\n";
                if (!out.deleted.empty()) std::cout << "Deleted: " << out.deleted << "\n";
            } catch (const Error& e) {
                if (f->ignore && e.kind() == ErrorKind::NotFound) return;
                throw;
            }
        });
    });
    return cmd;
}

CLI::App* register_rmi(CLI::App& parent, State& st) { return add_rmi(parent, st, "rmi"); }

}  // namespace conman::cli
