// conman generate systemd: print (or with --files write) a systemd unit for
// a container; the unit text comes from systemd_unit.hpp.
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/systemd_unit.hpp"
#include "conman_config.h"

namespace conman::cli {

namespace {

struct GenerateFlags {
    UnitOptions unit;
    bool files = false;
    std::string container;
};

// Which create/run flags take a value, asked of the real `run` definition.
TakesValue run_flag_arity() {
    auto app = std::make_shared<CLI::App>();
    auto state = std::make_shared<State>();
    CLI::App* run = register_run(*app, *state);
    return [app, state, run](std::string_view flag) {
        std::string name(flag);
        const CLI::Option* opt = run->get_option_no_throw(name);
        return opt && opt->get_expected_min() > 0;
    };
}

std::vector<std::string> typed_global_args(const GlobalOptions& g) {
    std::vector<std::string> v;
    auto add = [&](const char* flag, const std::string& val) {
        if (!val.empty()) v.insert(v.end(), {flag, val});
    };
    add("--root", g.root.empty() ? g.root : absolute_path(g.root));
    add("--runroot", g.runroot.empty() ? g.runroot : absolute_path(g.runroot));
    add("--runtime", g.runtime);
    add("--shim-path", g.shim_path);
    add("--storage-driver", g.storage_driver);
    return v;
}

}  // namespace

CLI::App* register_generate(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("generate", "Generate structured data (systemd units) for containers");
    grp->require_subcommand(1);
    auto* cmd = grp->add_subcommand("systemd", "Generate a systemd unit for a container");
    auto f = std::make_shared<GenerateFlags>();
    cmd->add_flag("--new", f->unit.new_container, "The unit creates the container on start and removes it on stop");
    cmd->add_flag("-n,--name", f->unit.use_name, "Use the container's name instead of its ID");
    cmd->add_flag("-f,--files", f->files, "Write the unit to ./<unit name> and print its path");
    cmd->add_option("--restart-policy", f->unit.restart_policy, "The unit's Restart= (default on-failure)");
    cmd->add_option("-t,--time", f->unit.stop_timeout, "Stop timeout in seconds (default: the container's)");
    cmd->add_option("--container-prefix", f->unit.container_prefix, "Unit name prefix (default \"container\")");
    cmd->add_option("--separator", f->unit.separator, "Between prefix and name (default \"-\")");
    cmd->add_flag("--no-header", f->unit.no_header, "Leave out the header comment");
    cmd->add_option("CONTAINER", f->container, "The container")->required();
    cmd->callback([f, &st] {
        check_unit_restart_policy(f->unit.restart_policy);
        if (f->unit.stop_timeout && *f->unit.stop_timeout < 0)
            fail(ErrorKind::Usage, "invalid --time {}: must be 0 or more", *f->unit.stop_timeout);
        Context ctx = st.context();
        Container c = lookup_container(ctx, f->container);
        f->unit.conman_path = ctx.self_exe;
        f->unit.global_args = typed_global_args(st.global);
        f->unit.runroot = ctx.runroot;
        f->unit.version = CONMAN_VERSION;
        GeneratedUnit u = generate_systemd_unit(c.config, f->unit, run_flag_arity());
        if (!f->files) {
            std::cout << u.content;
            return;
        }
        std::string path = absolute_path(u.name);
        atomic_write(path, u.content, 0644, false);
        std::cout << path << "\n";
    });
    return grp;
}

}  // namespace conman::cli
