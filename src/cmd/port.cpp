// conman port: the published ports of containers ("80/tcp -> 0.0.0.0:8080").
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/network.hpp"
#include "conman/store.hpp"

namespace conman::cli {

CLI::App* register_port(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("port", "List the published ports of a container");
    struct Flags {
        bool all = false, latest = false;
        std::vector<std::string> args;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Ports of every container");
    cmd->add_flag("-l,--latest", f->latest, "The most recently created container");
    cmd->add_option("CONTAINER [PORT[/PROTOCOL]]", f->args, "Container and optionally one of its ports");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        FileLock lock = store.lock_shared();
        std::vector<Container> ctrs;
        std::string filter;
        if (f->all || f->latest) {
            if (f->all && f->latest) fail(ErrorKind::Usage, "--all and --latest cannot be used together");
            if (f->args.size() > 1 || (f->all && !f->args.empty()))
                fail(ErrorKind::Usage, "port --all takes no container");
            if (f->latest && !f->args.empty()) filter = f->args[0];
            ctrs = store.load_all();
            if (f->latest && !ctrs.empty()) {
                Container newest = ctrs[0];
                for (auto& c : ctrs)
                    if (c.config.created > newest.config.created) newest = c;
                ctrs = {newest};
            }
        } else {
            if (f->args.empty()) fail(ErrorKind::Usage, "port needs a container name or ID, or --all");
            if (f->args.size() > 2) fail(ErrorKind::Usage, "port takes a container and at most one port");
            ctrs.push_back(store.load(store.resolve(f->args[0])));
            if (f->args.size() == 2) filter = f->args[1];
        }
        uint16_t want_port = 0;
        std::string want_proto = "tcp";
        if (!filter.empty()) {
            auto slash = filter.find('/');
            auto ms = parse_expose(filter);
            want_port = static_cast<uint16_t>(std::stoi(ms[0]));
            if (slash != std::string::npos) want_proto = filter.substr(slash + 1);
        }
        std::string out;
        bool found = false;
        for (auto& c : ctrs) {
            for (auto& p : c.config.network.ports) {
                if (want_port) {
                    if (p.container_port != want_port || p.protocol != want_proto) continue;
                    found = true;
                    std::string line = format_port_line(p);
                    out += line.substr(line.find("-> ") + 3) + "\n";
                    continue;
                }
                if (f->all) out += c.config.id.substr(0, 12) + "\t";
                out += format_port_line(p) + "\n";
            }
        }
        std::cout << out;
        if (want_port && !found)
            fail(ErrorKind::NotFound, "container {} has no published port {}/{}", ctrs.empty() ? "" : ctrs[0].config.name,
                 want_port, want_proto);
    });
    return cmd;
}

}  // namespace conman::cli
