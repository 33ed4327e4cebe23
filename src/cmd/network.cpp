// conman network create/ls/inspect/rm/prune/connect/disconnect/exists:
// CNI bridge networks under <root>/networks.
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/network.hpp"
#include "conman/template.hpp"
#include "conman/timeutil.hpp"

namespace conman::cli {

namespace {

// podman's Go field names, for --format templates.
nlohmann::json template_data(const NetworkDef& d) {
    nlohmann::json j = network_inspect_json(d);
    nlohmann::json subnets = nlohmann::json::array();
    for (auto& s : j["subnets"]) subnets.push_back({{"Subnet", s.value("subnet", "")}, {"Gateway", s.value("gateway", "")}});
    j.update({
        {"Name", d.name},
        {"ID", d.id},
        {"Driver", d.driver},
        {"NetworkInterface", d.bridge},
        {"Created", format_rfc3339nano(d.created)},
        {"Subnets", subnets},
        {"IPv6Enabled", false},
        {"Internal", d.internal},
        {"DNSEnabled", false},
        {"Labels", d.labels},
        {"IPAMOptions", {{"driver", "host-local"}}},
    });
    return j;
}

std::string network_header(std::string_view field) {
    if (field == "ID") return "NETWORK ID";
    return "";
}

CLI::App* add_create(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("create", "Create a bridge network");
    auto o = std::make_shared<NetworkCreateOptions>();
    cmd->add_option("-d,--driver", o->driver, "Network driver (bridge)");
    cmd->add_option("--subnet", o->subnet, "IPv4 subnet ADDRESS/PREFIX (default: the next free 10.87.N.0/24)");
    cmd->add_option("--gateway", o->gateway, "Gateway address (default: the subnet's first address)");
    cmd->add_flag("--internal", o->internal, "No route out of the network and no masquerading");
    cmd->add_option("--interface-name", o->interface_name, "Name of the host's bridge interface");
    cmd->add_option("--label", o->labels, "Set a label KEY=VALUE")->allow_extra_args(false);
    cmd->add_option("NAME", o->name, "Network name (default: the next free conmanN)");
    cmd->callback([o, &st] {
        if (!o->gateway.empty() && o->subnet.empty()) fail(ErrorKind::Usage, "--gateway needs --subnet");
        Context ctx = st.context();
        Store store(ctx);
        FileLock lock = store.lock();
        std::cout << NetworkStore(ctx).create(*o).name << "\n";
    });
    return cmd;
}

CLI::App* add_ls(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("ls", "List networks");
    cmd->alias("list");
    struct Flags {
        bool quiet = false, no_trunc = false;
        std::string format;
        std::vector<std::string> filters;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-q,--quiet", f->quiet, "Print only network names");
    cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate network IDs");
    cmd->add_option("--format", f->format, "table, json or a Go template");
    cmd->add_option("-f,--filter", f->filters, "Filter: name=, id=, driver=, label=")->allow_extra_args(false);
    cmd->callback([f, &st] {
        Context ctx = st.context();
        std::vector<nlohmann::json> rows;
        std::vector<NetworkDef> defs;
        for (auto& d : NetworkStore(ctx).list()) {
            bool keep = true;
            for (auto& flt : f->filters) {
                auto eq = flt.find('=');
                std::string k = flt.substr(0, eq), v = eq == std::string::npos ? "" : flt.substr(eq + 1);
                if (k == "name") keep &= d.name.find(v) != std::string::npos;
                else if (k == "id") keep &= d.id.rfind(v, 0) == 0;
                else if (k == "driver") keep &= d.driver == v;
                else if (k == "label") {
                    auto e2 = v.find('=');
                    auto it = d.labels.find(v.substr(0, e2));
                    keep &= it != d.labels.end() && (e2 == std::string::npos || it->second == v.substr(e2 + 1));
                } else fail(ErrorKind::Usage, "invalid filter \"{}\": supported keys are name, id, driver and label", flt);
            }
            if (!keep) continue;
            nlohmann::json j = template_data(d);
            if (!f->no_trunc && f->format != "json") j["ID"] = d.id.substr(0, 12);
            rows.push_back(j);
            defs.push_back(d);
        }
        std::string out;
        if (f->quiet) {
            for (auto& d : defs) out += d.name + "\n";
        } else if (f->format == "json") {
            nlohmann::json arr = nlohmann::json::array();
            for (auto& d : defs) arr.push_back(network_inspect_json(d));
            out = arr.dump(4) + "\n";
        } else {
            std::string format = f->format.empty() || f->format == "table" ? "table {{.ID}}\t{{.Name}}\t{{.Driver}}" : f->format;
            out = render_rows(format, rows, network_header);
        }
        std::cout << out;
    });
    return cmd;
}

CLI::App* add_inspect(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("inspect", "Show details of networks");
    struct Flags {
        std::string format;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-f,--format", f->format, "Go template or json");
    cmd->add_option("NETWORK", f->refs, "Networks")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        NetworkStore ns(ctx);
        std::optional<Template> tmpl;
        if (!f->format.empty() && f->format != "json") tmpl = Template::parse(unescape_format(f->format));
        nlohmann::json all = nlohmann::json::array();
        std::string out;
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            NetworkDef d = ns.get(ref);
            if (tmpl) out += tmpl->render(template_data(d)) + "\n";
            else all.push_back(network_inspect_json(d));
        });
        if (!tmpl) out = all.dump(4) + "\n";
        std::cout << out;
    });
    return cmd;
}

CLI::App* add_rm(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("rm", "Remove networks");
    cmd->alias("remove");
    struct Flags {
        bool force = false;
        std::vector<std::string> refs;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-f,--force", f->force, "Remove the containers that use the network too");
    cmd->add_option("NETWORK", f->refs, "Networks to remove")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        for_each_ref(st, f->refs, [&](const std::string& ref) {
            std::string name = NetworkStore(ctx).get(ref).name;
            remove_network(ctx, ref, f->force);
            std::cout << name << "\n";
        });
    });
    return cmd;
}

CLI::App* add_prune(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("prune", "Remove networks no container uses");
    auto force = std::make_shared<bool>(false);
    cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
    cmd->callback([force, &st] {
        if (!*force) {
            std::cout << "WARNING! This removes every network that no container uses.\n"
                         "Are you sure you want to continue? [y/N] "
                      << std::flush;
            std::string answer;
            std::getline(std::cin, answer);
            if (answer != "y" && answer != "Y" && answer != "yes") return;
        }
        Context ctx = st.context();
        for (auto& n : prune_networks(ctx)) std::cout << n << "\n";
    });
    return cmd;
}

CLI::App* add_connect(CLI::App& grp, State& st, bool connect) {
    auto* cmd = grp.add_subcommand(connect ? "connect" : "disconnect",
                                   connect ? "Connect a container to a network" : "Disconnect a container from a network");
    struct Flags {
        std::string network, container, ip;
        bool force = false;
    };
    auto f = std::make_shared<Flags>();
    if (connect) cmd->add_option("--ip", f->ip, "IPv4 address on this network");
    else cmd->add_flag("-f,--force", f->force, "Accepted for podman compatibility");
    cmd->add_option("NETWORK", f->network, "Network")->required();
    cmd->add_option("CONTAINER", f->container, "Container")->required();
    cmd->callback([f, &st, connect] {
        Context ctx = st.context();
        if (connect) connect_container(ctx, f->network, f->container, f->ip);
        else disconnect_container(ctx, f->network, f->container);
    });
    return cmd;
}

CLI::App* add_exists(CLI::App& grp, State& st) {
    auto* cmd = grp.add_subcommand("exists", "Exit 0 when the network exists, 1 when it does not");
    auto ref = std::make_shared<std::string>();
    cmd->add_option("NETWORK", *ref, "Network")->required();
    cmd->callback([ref, &st] {
        Context ctx = st.context();
        st.exit_code = NetworkStore(ctx).find(*ref) ? 0 : 1;
    });
    return cmd;
}

}  // namespace

CLI::App* register_network(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("network", "Manage networks");
    grp->require_subcommand(1);
    add_create(*grp, st);
    add_ls(*grp, st);
    add_inspect(*grp, st);
    add_rm(*grp, st);
    add_prune(*grp, st);
    add_connect(*grp, st, true);
    add_connect(*grp, st, false);
    add_exists(*grp, st);
    return grp;
}

}  // namespace conman::cli
