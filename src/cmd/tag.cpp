// conman tag / untag: add or remove names of an image.
#include "conman/cli.hpp"
#include "conman/engine_images.hpp"
#include "conman/error.hpp"

namespace conman::cli {

CLI::App* add_tag(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("tag", "Add names to an image");
    auto args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("IMAGE TARGET_NAME", *args, "Image and one or more new names")->required();
    cmd->callback([args, &st] {
        if (args->size() < 2) fail(ErrorKind::Usage, "tag needs an image and at least one new name");
        Context ctx = st.context();
        for (size_t i = 1; i < args->size(); ++i) tag_image(ctx, (*args)[0], (*args)[i]);
    });
    return cmd;
}

CLI::App* add_untag(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("untag", "Remove names from an image (all of them when none is given)");
    auto args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("IMAGE NAME", *args, "Image and the names to remove")->required();
    cmd->callback([args, &st] {
        Context ctx = st.context();
        untag_image(ctx, (*args)[0], std::vector<std::string>(args->begin() + 1, args->end()));
    });
    return cmd;
}

CLI::App* register_tag(CLI::App& parent, State& st) { return add_tag(parent, st); }
CLI::App* register_untag(CLI::App& parent, State& st) { return add_untag(parent, st); }

}  // namespace conman::cli
