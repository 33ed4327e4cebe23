// conman logout: remove stored registry credentials from the auth file
// (one registry, or all of them with --all), as podman logout does.
#include <iostream>

#include "conman/auth_file.hpp"
#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/image_login.hpp"

namespace conman::cli {

CLI::App* add_logout(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("logout", "Log out of a registry");
    struct Flags {
        std::string authfile;
        bool all = false;
        std::string registry;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("--authfile", f->authfile, "Path of the auth file (default: $REGISTRY_AUTH_FILE or auth.json)");
    cmd->add_flag("-a,--all", f->all, "Remove the credentials of every registry");
    cmd->add_option("REGISTRY", f->registry, "Registry (HOST[:PORT]) or HOST/NAMESPACE[/REPOSITORY]");
    cmd->callback([f, &st] {
        (void)st;
        std::string path = f->authfile.empty() ? AuthFile::default_path() : f->authfile;
        if (f->all) {
            if (!f->registry.empty()) fail(ErrorKind::Usage, "logout: give a registry or --all, not both");
            AuthFile auth(path);
            auth.remove_all();
            auth.save();
            std::cout << "Removed login credentials for all registries" << std::endl;
            return;
        }
        LoginTarget t = login_target_or_default(f->registry, "logout");
        AuthFile auth(path);
        if (!auth.remove(t.key)) {
            // Credentials that only Docker's config.json holds are not ours to remove.
            std::string docker = AuthFile::default_docker_config();
            if (!docker.empty() && docker != path) {
                AuthFile theirs(docker);
                theirs.set_docker_config("");
                if (theirs.get(t.registry, t.repository))
                    fail(ErrorKind::NotFound, "not logged into {} with conman: the credentials come from {} (use docker logout)",
                         t.key, docker);
            }
            fail(ErrorKind::NotFound, "not logged into {}", t.key);
        }
        auth.save();
        std::cout << "Removed login credentials for " << t.key << std::endl;
    });
    return cmd;
}

CLI::App* register_logout(CLI::App& parent, State& st) { return add_logout(parent, st); }

}  // namespace conman::cli
