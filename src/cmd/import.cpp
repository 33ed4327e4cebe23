// conman import: a root filesystem tarball becomes a one-layer image (the
// work is in the image module, src/image_import.cpp).
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_change.hpp"
#include "conman/image_module.hpp"

namespace conman::cli {

CLI::App* add_import(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("import", "Import a tarball as an image");
    auto f = std::make_shared<ImportRequest>();
    auto args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("-c,--change", f->changes, "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)")
        ->allow_extra_args(false);
    cmd->add_option("-m,--message", f->message, "Comment for the image's history");
    cmd->add_flag("-q,--quiet")->description("Print only the image ID (nothing else is printed anyway)");
    cmd->add_option("SOURCE [REFERENCE]", *args, "Tarball (file, http(s) URL or - for standard input) and the image's name")
        ->required();
    cmd->callback([f, args, &st] {
        if (args->size() > 2) fail(ErrorKind::Usage, "import takes a source and at most one name");
        f->source = (*args)[0];
        if (args->size() == 2) f->reference = (*args)[1];
        parse_config_changes(f->changes);  // refuse a bad --change before reading anything
        if (f->source == "-" && ::isatty(STDIN_FILENO))
            fail(ErrorKind::Usage, "refusing to read a tarball from a terminal: redirect standard input or name a file");
        f->in_fd = STDIN_FILENO;
        auto r = image_module_call<ImageResult>(st.context(), kImportEntry, *f);
        std::cout << r.id << std::endl;
        emit_image(st.context(), "import", r.id, f->reference);
    });
    return cmd;
}

CLI::App* register_import(CLI::App& parent, State& st) { return add_import(parent, st); }

}  // namespace conman::cli
