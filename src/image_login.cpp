// login's credential check (image_login.hpp), in the image module: one
// authenticated GET /v2/ (through the token server for Bearer registries).
#include "conman/error.hpp"
#include "conman/image_login.hpp"
#include "conman/image_module.hpp"
#include "conman/image_ref.hpp"
#include "conman/registry.hpp"
#include "conman/registry_setup.hpp"

namespace conman {

namespace {

void check_login_here(const LoginRequest& req) {
    std::string name = req.repository.empty() ? req.registry : req.registry + "/" + req.repository;
    try {
        RegistriesConf conf = load_registries_conf();
        RegistryOptions ro = registry_options_for(conf, name, req.tls_verify, req.cert_dir);
        ro.creds = req.creds;
        ImageRef where{req.registry, req.repository, "", ""};
        RegistryClient client(where.api_host(), req.repository, ro);
        client.check_credentials();
    } catch (const Error& e) {
        // check_credentials names the API host; say it once, as the user typed it.
        std::string msg = e.what();
        std::string host = ImageRef{req.registry, "", "", ""}.api_host() + ": ";
        if (msg.rfind(host, 0) == 0) msg.erase(0, host.size());
        throw Error(e.kind(), "logging in to " + name + ": " + msg, e.err_no());
    }
}

}  // namespace

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_login_v1, conman::LoginRequest, conman::LoginResult,
                   conman::check_login_here(in);
                   out.ok = true)
