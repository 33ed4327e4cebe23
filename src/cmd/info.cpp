// conman info: host, store and runtime facts, as podman's info shows them.
#include <iostream>
#include <sys/utsname.h>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/container_rootfs.hpp"
#include "conman/image_store.hpp"
#include "conman/process.hpp"
#include "conman/store.hpp"
#include "conman/template.hpp"
#include "conman_config.h"

namespace conman::cli {

namespace {

std::string runtime_version(const Context& ctx) {
    if (ctx.runtime_path.empty()) return "not found";
    try {
        auto r = run_capture({ctx.runtime_path, "--version"}, 10000);
        return r.out.substr(0, r.out.find('\n'));
    } catch (...) {
        return "unknown";
    }
}

nlohmann::json info_json(const Context& ctx) {
    utsname u{};
    uname(&u);
    Store store(ctx);
    int running = 0, stopped = 0, created = 0, paused = 0;
    auto all = store.load_all();
    for (auto& c : all) {
        if (c.state.status == kRunning) ++running;
        else if (c.state.status == kCreated) ++created;
        else if (c.state.status == kPaused) ++paused;
        else ++stopped;
    }
    bool v2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0;
    return {
        {"host",
         {{"arch", u.machine},
          {"hostname", u.nodename},
          {"kernel", u.release},
          {"os", "linux"},
          {"cgroupVersion", v2 ? "v2" : "v1"},
          {"cpus", sysconf(_SC_NPROCESSORS_ONLN)},
          {"memTotal", static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * sysconf(_SC_PAGESIZE)},
          {"security", {{"rootless", ctx.rootless}}},
          {"ociRuntime", {{"name", ctx.runtime_name}, {"path", ctx.runtime_path}, {"version", runtime_version(ctx)}}},
          {"conmon", {{"package", "conman-shim"}, {"path", ctx.shim_path}, {"version", CONMAN_VERSION}}}}},
        {"store",
         {{"graphRoot", ctx.root},
          {"runRoot", ctx.runroot},
          {"containerStore", {{"number", all.size()}, {"running", running}, {"stopped", stopped}, {"paused", paused}, {"created", created}}},
          {"imageStore", {{"number", ImageStore(ctx).list().size()}}},
          {"graphDriverName", storage_driver(ctx)}}},
        {"version", {{"Version", CONMAN_VERSION}, {"OsArch", std::string("linux/") + u.machine}}},
    };
}

// Prints nested objects as indented "key: value" lines (podman's YAML look).
void print_yaml(const nlohmann::json& j, int indent, std::string& out) {
    for (auto& [k, v] : j.items()) {
        out += std::string(indent, ' ') + k + ":";
        if (v.is_object()) {
            out += "\n";
            print_yaml(v, indent + 2, out);
        } else {
            out += " " + (v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
        }
    }
}

}  // namespace

CLI::App* register_info(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("info", "Show system information");
    auto format = std::make_shared<std::string>();
    cmd->add_option("-f,--format", *format, "Go template or json");
    cmd->callback([format, &st] {
        Context ctx = st.context();
        auto j = info_json(ctx);
        if (*format == "json") {
            std::cout << j.dump(4) << "\n";
        } else if (!format->empty()) {
            std::cout << Template::parse(unescape_format(*format)).render(j) << "\n";
        } else {
            std::string out;
            print_yaml(j, 0, out);
            std::cout << out;
        }
    });
    return cmd;
}

}  // namespace conman::cli
