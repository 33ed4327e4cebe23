// conman pull: fetch an image from a registry into the local store.
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/image_pull.hpp"

namespace conman::cli {

void add_pull_flags(CLI::App* cmd, PullOptions& o, std::string& tls_verify) {
    cmd->add_option("--tls-verify", tls_verify, "Require HTTPS and verify certificates (true/false)")
        ->check(CLI::IsMember({"true", "false"}));
    cmd->add_option("--authfile", o.authfile, "Path of the auth file (default: $REGISTRY_AUTH_FILE or auth.json)");
    cmd->add_option("--platform", o.platform, "Platform to pull: os/arch[/variant]");
    cmd->add_option("--cert-dir", o.cert_dir, "Directory with the registry's CA certificates (*.crt) and client keys");
}

void finish_pull_flags(PullOptions& o, const std::string& tls_verify) {
    if (!tls_verify.empty()) o.tls_verify = tls_verify == "true";
}

CLI::App* register_pull(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("pull", "Pull an image from a registry");
    struct Flags {
        PullOptions pull;
        std::string tls_verify;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    add_pull_flags(cmd, f->pull, f->tls_verify);
    cmd->add_flag("-q,--quiet", f->pull.quiet, "Print only the image ID");
    cmd->add_option("IMAGE", f->refs, "Images to pull")->required();
    cmd->callback([f, &st] {
        finish_pull_flags(f->pull, f->tls_verify);
        Context ctx = st.context();
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            ImageRecord r = pull_image(ctx, ref, f->pull);
            std::cout << r.id << std::endl;
        });
    });
    return cmd;
}

}  // namespace conman::cli
