// conman load: store the images of a docker-archive or oci-archive (the work
// is in the image module, src/image_load.cpp).
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_module.hpp"

namespace conman::cli {

CLI::App* add_load(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("load", "Load images from an archive");
    auto f = std::make_shared<LoadRequest>();
    cmd->add_option("-i,--input", f->input, "Read the archive from this file (default: standard input)");
    cmd->add_flag("-q,--quiet")->description("Print no progress (the names loaded are still printed)");
    cmd->callback([f, &st] {
        if (f->input.empty() && ::isatty(STDIN_FILENO))
            fail(ErrorKind::Usage, "refusing to read an image archive from a terminal: use -i FILE or redirect standard input");
        f->in_fd = STDIN_FILENO;
        auto r = image_module_call<LoadResult>(st.context(), kLoadEntry, *f);
        for (auto& n : r.loaded) std::cout << "Loaded image: " << n << "\n";
        for (auto& n : r.loaded) emit_image(st.context(), "loadFromArchive", "", n);
        std::cout.flush();
    });
    return cmd;
}

CLI::App* register_load(CLI::App& parent, State& st) { return add_load(parent, st); }

}  // namespace conman::cli
