// login/logout arguments -> auth.json keys (image_login.hpp), and the
// engine's side of the credential check (it runs in the image module).
#include "conman/error.hpp"
#include "conman/image_login.hpp"
#include "conman/image_module.hpp"
#include "conman/image_ref.hpp"
#include "conman/registries_conf.hpp"

namespace conman {

namespace {

std::string fold_docker_hub(std::string host) {
    if (host == "index.docker.io" || host == "registry-1.docker.io") return "docker.io";
    return host;
}

}  // namespace

LoginTarget parse_login_target(std::string_view arg) {
    std::string s(arg);
    bool url = false;
    for (std::string_view p : {"https://", "http://"}) {
        if (s.compare(0, p.size(), p) == 0) {
            s.erase(0, p.size());
            url = true;
            break;
        }
    }
    // A URL names its host only: "https://index.docker.io/v1/" -> "index.docker.io".
    if (url) s = s.substr(0, s.find('/'));
    while (!s.empty() && s.back() == '/') s.pop_back();
    if (s.empty() || s[0] == '/') fail(ErrorKind::Usage, "invalid registry \"{}\"", arg);
    size_t slash = s.find('/');
    LoginTarget t;
    t.registry = fold_docker_hub(s.substr(0, slash));
    if (slash == std::string::npos) {
        t.key = t.registry;
        return t;
    }
    if (!has_explicit_registry(s))
        fail(ErrorKind::Usage, "invalid registry \"{}\": \"{}\" is not a registry host", arg, s.substr(0, slash));
    if (s.find('@') != std::string::npos || s.find(':', s.rfind('/')) != std::string::npos)
        fail(ErrorKind::Usage, "invalid registry \"{}\": a login key names a repository, without a tag or digest", arg);
    ImageRef ref = parse_image_ref(s);  // validates the path
    t.repository = ref.repository;
    t.key = t.registry + s.substr(slash);
    return t;
}

LoginTarget login_target_or_default(const std::string& arg, const char* verb) {
    if (!arg.empty()) return parse_login_target(arg);
    RegistriesConf conf = load_registries_conf();
    if (conf.unqualified_search.empty())
        fail(ErrorKind::Usage, "{}: no registry given, and registries.conf names no unqualified-search-registries", verb);
    return parse_login_target(conf.unqualified_search.front());
}

void check_login(const Context& ctx, const LoginRequest& req) {
    image_module_call<LoginResult>(ctx, "conman_image_login_v1", req);
}

}  // namespace conman
