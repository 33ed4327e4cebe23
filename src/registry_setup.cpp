// registry_setup.hpp: RegistryOptions from the command line and the config
// files. Part of the image module.
#include "conman/registry_setup.hpp"

#include "conman/auth_file.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"

namespace conman {

RegistryOptions registry_options_for(const RegistriesConf& conf, const std::string& name,
                                     std::optional<bool> tls_verify, const std::string& cert_dir) {
    if (conf.blocked(name)) fail(ErrorKind::Usage, "registry {} is blocked in registries.conf", name);
    RegistryOptions ro;
    bool insecure = tls_verify ? !*tls_verify : conf.insecure(name);
    ro.tls_verify = !insecure;
    ro.insecure = insecure;
    if (!cert_dir.empty()) {
        if (!path_exists(cert_dir)) fail(ErrorKind::Usage, "--cert-dir {}: no such directory", cert_dir);
        ro.certs_dir = cert_dir;
    }
    return ro;
}

std::optional<Credentials> registry_credentials(const std::optional<Credentials>& creds, const std::string& authfile,
                                                const std::string& registry, const std::string& repository) {
    if (creds) return creds;
    AuthFile auth(authfile.empty() ? AuthFile::default_path() : authfile);
    return auth.get(registry, repository);
}

}  // namespace conman
