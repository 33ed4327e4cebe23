// conman commit: a container's changes become a new image (the work is in
// the image module, src/image_commit_container.cpp).
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_change.hpp"
#include "conman/image_module.hpp"

namespace conman::cli {

CLI::App* add_commit(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("commit", "Create an image from a container's changes");
    auto f = std::make_shared<CommitRequest>();
    auto args = std::make_shared<std::vector<std::string>>();
    cmd->add_option("-a,--author", f->author, "Author of the image");
    cmd->add_option("-m,--message", f->message, "Comment for the image's history");
    cmd->add_option("-c,--change", f->changes, "Apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)")
        ->allow_extra_args(false);
    cmd->add_option("-f,--format", f->format, "Manifest and config format: oci (default) or docker")
        ->check(CLI::IsMember({"oci", "docker"}));
    cmd->add_flag("-p,--pause")->description("Accepted for podman compatibility; the container is not paused");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only the image ID");
    cmd->add_flag("--squash", f->squash, "Make the whole file system one layer");
    cmd->add_option("CONTAINER [IMAGE]", *args, "Container to commit and the new image's name")->required();
    cmd->callback([f, args, &st] {
        if (args->size() > 2) fail(ErrorKind::Usage, "commit takes a container and at most one image name");
        f->container = (*args)[0];
        if (args->size() == 2) f->reference = (*args)[1];
        parse_config_changes(f->changes);  // refuse a bad --change before any work
        f->progress_fd = STDERR_FILENO;
        auto r = image_module_call<ImageResult>(st.context(), kCommitEntry, *f);
        std::cout << r.id << std::endl;
    });
    return cmd;
}

CLI::App* register_commit(CLI::App& parent, State& st) { return add_commit(parent, st); }

}  // namespace conman::cli
