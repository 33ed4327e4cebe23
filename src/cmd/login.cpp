// conman login: check credentials against a registry and keep them in the
// auth file (containers auth.json), as podman login does. The check runs in
// the image module (image_login.hpp); the file is written here.
#include <unistd.h>

#include <iostream>

#include "conman/auth_file.hpp"
#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/image_login.hpp"
#include "prompt.hpp"

namespace conman::cli {

namespace {

struct LoginFlags {
    std::string username, password, authfile, cert_dir, tls_verify;
    bool password_stdin = false, get_login = false, verbose = false;
    std::string registry;
};

std::string read_stdin_secret() {
    std::string all;
    char buf[4096];
    for (;;) {
        ssize_t r = ::read(0, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "reading the password from standard input");
        }
        if (r == 0) break;
        all.append(buf, static_cast<size_t>(r));
        if (all.size() > (1 << 20)) fail(ErrorKind::Usage, "--password-stdin: more than 1 MiB on standard input");
    }
    if (!all.empty() && all.back() == '\n') all.pop_back();
    if (!all.empty() && all.back() == '\r') all.pop_back();
    return all;
}

void run_login(const LoginFlags& f, const Context& ctx) {
    LoginTarget t = login_target_or_default(f.registry, "login");
    std::string path = f.authfile.empty() ? AuthFile::default_path() : f.authfile;
    AuthFile auth(path);
    if (f.verbose) std::cout << "Used: " << path << std::endl;

    if (f.get_login) {
        auto c = auth.get(t.registry, t.repository);
        if (!c || c->username.empty()) fail(ErrorKind::NotFound, "not logged into {}", t.key);
        std::cout << c->username << std::endl;
        return;
    }
    if (f.password_stdin && !f.password.empty()) fail(ErrorKind::Usage, "--password and --password-stdin cannot be used together");
    if (f.password_stdin && f.username.empty()) fail(ErrorKind::Usage, "--password-stdin needs --username");

    LoginRequest req;
    req.registry = t.registry;
    req.repository = t.repository;
    req.cert_dir = f.cert_dir;
    if (!f.tls_verify.empty()) req.tls_verify = f.tls_verify == "true";

    // Nothing given and something stored: keep it when the registry still takes it.
    if (f.username.empty() && f.password.empty() && !f.password_stdin) {
        if (auto stored = auth.get(t.registry, t.repository); stored && !stored->empty()) {
            std::cout << "Authenticating with existing credentials for " << t.key << std::endl;
            req.creds = *stored;
            try {
                check_login(ctx, req);
                std::cout << "Existing credentials are valid. Already logged in to " << t.key << std::endl;
                return;
            } catch (const Error& e) {
                if (std::string(e.what()).find("invalid username or password") == std::string::npos) throw;
                std::cout << "Existing credentials are invalid, please enter valid username and password" << std::endl;
            }
        }
    }

    Credentials creds;
    creds.username = f.username;
    bool tty = ::isatty(0);
    if (creds.username.empty()) {
        if (!tty)
            fail(ErrorKind::Usage, "login: no --username given and standard input is not a terminal to ask for one");
        creds.username = prompt_line("Username: ");
    }
    if (f.password_stdin) {
        creds.password = read_stdin_secret();
    } else if (!f.password.empty()) {
        creds.password = f.password;
    } else {
        if (!tty)
            fail(ErrorKind::Usage,
                 "login: no password given and standard input is not a terminal to ask for one (use --password-stdin)");
        creds.password = prompt_secret("Password: ");
    }
    if (creds.username.empty()) fail(ErrorKind::Usage, "login: the username must not be empty");
    if (creds.password.empty()) fail(ErrorKind::Usage, "login: the password must not be empty");

    req.creds = creds;
    check_login(ctx, req);
    auth.remove(t.key);  // other spellings of the same key ("https://index.docker.io/v1/")
    auth.set(t.key, creds);
    auth.save();
    std::cout << "Login Succeeded!" << std::endl;
}

}  // namespace

CLI::App* add_login(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("login", "Log in to a registry");
    auto f = std::make_shared<LoginFlags>();
    cmd->add_option("-u,--username", f->username, "Username for the registry");
    cmd->add_option("-p,--password", f->password, "Password for the registry (visible to other users: prefer --password-stdin)");
    cmd->add_flag("--password-stdin", f->password_stdin, "Read the password from standard input");
    cmd->add_option("--authfile", f->authfile, "Path of the auth file (default: $REGISTRY_AUTH_FILE or auth.json)");
    cmd->add_option("--cert-dir", f->cert_dir, "Directory with the registry's CA certificates (*.crt) and client keys");
    cmd->add_option("--tls-verify", f->tls_verify, "Require HTTPS and verify certificates (true/false)")
        ->check(CLI::IsMember({"true", "false"}));
    cmd->add_flag("--get-login", f->get_login, "Print the username stored for the registry");
    cmd->add_flag("-v,--verbose", f->verbose, "Print the path of the auth file used");
    cmd->add_option("REGISTRY", f->registry, "Registry (HOST[:PORT]) or HOST/NAMESPACE[/REPOSITORY]");
    cmd->callback([f, &st] { run_login(*f, st.context()); });
    return cmd;
}

CLI::App* register_login(CLI::App& parent, State& st) { return add_login(parent, st); }

}  // namespace conman::cli
