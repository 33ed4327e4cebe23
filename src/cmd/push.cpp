// conman push: upload a stored image to a registry (podman push). The
// upload runs in the image module (image_push.hpp); this file reads the
// flags, asks for a --creds password on a terminal, and writes --digestfile.
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_push.hpp"
#include "prompt.hpp"

namespace conman::cli {

namespace {

// --creds USER[:PASSWORD]; without the password, ask for it on a terminal.
Credentials parse_creds(const std::string& spec) {
    Credentials c;
    auto colon = spec.find(':');
    c.username = spec.substr(0, colon);
    if (c.username.empty()) fail(ErrorKind::Usage, "--creds: the username must not be empty (USERNAME[:PASSWORD])");
    if (colon != std::string::npos) {
        c.password = spec.substr(colon + 1);
    } else {
        if (!::isatty(0)) fail(ErrorKind::Usage, "--creds has no password and standard input is not a terminal to ask for one");
        c.password = prompt_secret("Password: ");
    }
    return c;
}

}  // namespace

CLI::App* add_push(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("push", "Push an image to a registry");
    struct Flags {
        PushOptions push;
        std::string tls_verify, creds, digestfile, image, destination;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("--tls-verify", f->tls_verify, "Require HTTPS and verify certificates (true/false)")
        ->check(CLI::IsMember({"true", "false"}));
    cmd->add_option("--authfile", f->push.authfile, "Path of the auth file (default: $REGISTRY_AUTH_FILE or auth.json)");
    cmd->add_option("--cert-dir", f->push.cert_dir, "Directory with the registry's CA certificates (*.crt) and client keys");
    cmd->add_option("--creds", f->creds, "Credentials USERNAME[:PASSWORD] for the registry, instead of the auth file");
    cmd->add_option("--digestfile", f->digestfile, "Write the digest of the pushed manifest to this file");
    cmd->add_flag("-q,--quiet", f->push.quiet, "Write no progress output");
    cmd->add_option("IMAGE", f->image, "Image to push")->required();
    cmd->add_option("DESTINATION", f->destination, "Where to: [docker://]HOST/REPOSITORY[:TAG] (default: the image's name)");
    cmd->callback([f, &st] {
        if (!f->tls_verify.empty()) f->push.tls_verify = f->tls_verify == "true";
        if (!f->creds.empty()) f->push.creds = parse_creds(f->creds);
        PushResult r = push_image(st.context(), f->image, f->destination, f->push);
        if (!f->digestfile.empty()) atomic_write(f->digestfile, r.manifest_digest, 0644, false);
    });
    return cmd;
}

CLI::App* register_push(CLI::App& parent, State& st) { return add_push(parent, st); }

}  // namespace conman::cli
