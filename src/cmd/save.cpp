// conman save: write images from the store to a docker-archive, an
// oci-archive, an oci-dir or a docker-dir (the work is in the image module,
// src/image_save.cpp).
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_module.hpp"

namespace conman::cli {

CLI::App* add_save(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("save", "Save images to an archive");
    auto f = std::make_shared<SaveRequest>();
    cmd->add_option("-o,--output", f->output, "Write to this file (or directory for the -dir formats); default: standard output");
    cmd->add_option("--format", f->format, "docker-archive (default), oci-archive, oci-dir or docker-dir")
        ->check(CLI::IsMember({"docker-archive", "oci-archive", "oci-dir", "docker-dir"}));
    cmd->add_flag("-m,--multi-image-archive", f->multi_image,
                  "Save every IMAGE named (docker-archive only); otherwise the extra names are tags of the first");
    cmd->add_flag("-q,--quiet")->description("Print nothing (save prints no progress anyway)");
    cmd->add_option("IMAGE", f->images, "Images to save")->required();
    cmd->callback([f, &st] {
        bool dir_format = f->format == "oci-dir" || f->format == "docker-dir";
        if (f->output.empty() && !dir_format && ::isatty(STDOUT_FILENO))
            fail(ErrorKind::Usage, "refusing to write an image archive to a terminal: use -o FILE or redirect standard output");
        f->out_fd = STDOUT_FILENO;
        image_module_call<SaveResult>(st.context(), kSaveEntry, *f);
        for (auto& n : f->images) emit_image(st.context(), "save", "", n);
    });
    return cmd;
}

CLI::App* register_save(CLI::App& parent, State& st) { return add_save(parent, st); }

}  // namespace conman::cli
