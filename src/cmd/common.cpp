// Helpers shared by several verbs: the create/run flag set, per-container
// error reporting, and the attach-then-start sequence of run and start -a.
#include <csignal>
#include <iostream>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/runtime.hpp"
#include "conman/service.hpp"
#include "conman/shim_client.hpp"
#include "conman/store.hpp"
#include "conman/table.hpp"
#include "conman/template.hpp"

namespace conman::cli {

void add_create_flags(CLI::App* cmd, CreateOptions& o, std::vector<std::string>& rest) {
    cmd->add_option("--name", o.name, "Name for the container");
    cmd->add_flag("--rm", o.auto_remove, "Remove the container when it exits");
    cmd->add_option("-e,--env", o.env, "Set an environment variable (KEY=VALUE or KEY)")->allow_extra_args(false);
    cmd->add_option("--env-file", o.env_files, "Read environment variables from a file")->allow_extra_args(false);
    cmd->add_option("-w,--workdir", o.workdir, "Working directory inside the container");
    cmd->add_option("-u,--user", o.user, "User: UID[:GID] or NAME[:GROUP]");
    cmd->add_option("--hostname", o.hostname, "Container host name");
    cmd->add_option("--entrypoint", o.entrypoint, "Override the entrypoint (string or JSON array)");
    cmd->add_flag("--rootfs", o.rootfs_mode, "The first argument is a root filesystem directory, not an image");
    cmd->add_option("--pull", o.pull_policy, "Pull policy: missing (default), always, never, newer");
    cmd->add_option("--tls-verify", o.tls_verify, "Require HTTPS and verify certificates (true/false)")
        ->check(CLI::IsMember({"true", "false"}));
    cmd->add_option("--authfile", o.pull.authfile, "Path of the auth file");
    cmd->add_option("--platform", o.pull.platform, "Platform to pull: os/arch[/variant]");
    cmd->add_option("-l,--label", o.labels, "Set a label (KEY=VALUE)")->allow_extra_args(false);
    cmd->add_option("--cidfile", o.cidfile, "Write the container ID to this file");
    cmd->add_flag("--replace", o.replace, "Replace an existing container with the same name");
    cmd->add_option("--restart", o.restart, "Restart policy: no, on-failure[:N], always, unless-stopped");
    cmd->add_option("--sdnotify", o.sdnotify, "sd_notify mode: container (default), conman, ignore");
    cmd->add_option("--stop-signal", o.stop_signal, "Signal that stops the container (default SIGTERM)");
    cmd->add_option("--stop-timeout", o.stop_timeout, "Seconds to wait before killing on stop (default 10)");
    cmd->add_flag("-i,--interactive", o.interactive, "Keep stdin open and attach it");
    cmd->add_flag("-t,--tty", o.tty, "Allocate a pseudo-terminal");
    cmd->add_option("--userns", o.userns, "User namespace: host (default) or keep-id[:uid=N,gid=N] (rootless)");
    auto& s = o.security;
    cmd->add_option("--cap-add", s.cap_add, "Add a capability (NAME, CAP_NAME or ALL)")->allow_extra_args(false);
    cmd->add_option("--cap-drop", s.cap_drop, "Drop a capability (NAME, CAP_NAME or ALL)")->allow_extra_args(false);
    cmd->add_flag("--privileged", s.privileged, "All capabilities and host devices, no masked paths, no seccomp");
    cmd->add_option("--security-opt", s.security_opts,
                    "seccomp=unconfined|PATH, no-new-privileges, mask=PATHS, unmask=PATHS|ALL")
        ->allow_extra_args(false);
    cmd->add_flag("--read-only", s.read_only, "Mount the container's root filesystem read-only");
    cmd->add_option("--read-only-tmpfs", s.read_only_tmpfs, "With --read-only, tmpfs on /run, /tmp, /var/tmp (default true)");
    cmd->add_option("--ulimit", s.ulimits, "Resource limit TYPE=SOFT[:HARD] (e.g. nofile=1024:2048)")->allow_extra_args(false);
    cmd->add_option("--pids-limit", s.pids_limit, "Most processes the container may have (default 2048; 0 or -1: no limit)");
    cmd->add_option("--sysctl", s.sysctls, "Namespaced kernel parameter KEY=VALUE")->allow_extra_args(false);
    cmd->add_option("--device", s.devices, "Host device HOST[:CONTAINER][:rwm]")->allow_extra_args(false);
    cmd->add_option("--group-add", s.group_add, "Extra group (name or GID) for the container's process")->allow_extra_args(false);
    add_resource_flags(cmd, o.resources);
    auto& v = o.volumes;
    cmd->add_option("-v,--volume", v.volume, "Bind mount or volume: [SRC:]DST[:OPTIONS]")->allow_extra_args(false);
    cmd->add_option("--mount", v.mount, "Mount: type=bind|volume|tmpfs,src=,dst=[,OPTIONS]")->allow_extra_args(false);
    cmd->add_option("--tmpfs", v.tmpfs, "Mount a tmpfs: DST[:OPTIONS]")->allow_extra_args(false);
    cmd->add_option("--volumes-from", v.volumes_from, "Mount the volumes of a container: CTR[:ro|rw]")->allow_extra_args(false);
    auto& n = o.network;
    cmd->add_option("--network,--net", n.network, "Network: bridge (default), NAME[,NAME...], none, host, container:CTR")
        ->allow_extra_args(false);
    cmd->add_option("-p,--publish", n.publish, "Publish a port: [IP:][HOSTPORT:]PORT[/PROTOCOL]")->allow_extra_args(false);
    cmd->add_flag("-P,--publish-all", n.publish_all, "Publish every exposed port on a free host port");
    cmd->add_option("--expose", n.expose, "Expose a port or range: PORT[/PROTOCOL]")->allow_extra_args(false);
    cmd->add_option("--dns", n.dns, "DNS server for /etc/resolv.conf")->allow_extra_args(false);
    cmd->add_option("--dns-search", n.dns_search, "DNS search domain for /etc/resolv.conf")->allow_extra_args(false);
    cmd->add_option("--dns-option", n.dns_options, "DNS option for /etc/resolv.conf")->allow_extra_args(false);
    cmd->add_option("--add-host", n.add_hosts, "Add HOST:IP to /etc/hosts")->allow_extra_args(false);
    cmd->add_option("--mac-address", n.mac, "MAC address of the container's interface (bridge networks)");
    cmd->add_option("--ip", n.ip, "IPv4 address of the container on its first network");
    // Everything from the first positional on belongs to the container.
    cmd->prefix_command();
    (void)rest;
}

void add_resource_flags(CLI::App* cmd, ResourceFlags& r) {
    cmd->add_option("-m,--memory", r.memory, "Memory limit (e.g. 512m, 1g; b, k, m, g units)");
    cmd->add_option("--memory-reservation", r.memory_reservation, "Memory soft limit");
    cmd->add_option("--memory-swap", r.memory_swap, "Memory plus swap limit (-1: unlimited swap; default twice --memory)");
    cmd->add_option("--cpus", r.cpus, "Number of CPUs (e.g. 0.5): sets the CPU quota and period");
    cmd->add_option("-c,--cpu-shares", r.cpu_shares, "CPU shares (relative weight, 2-262144)");
    cmd->add_option("--cpu-period", r.cpu_period, "CPU CFS period in microseconds");
    cmd->add_option("--cpu-quota", r.cpu_quota, "CPU CFS quota in microseconds per period");
    cmd->add_option("--cpuset-cpus", r.cpuset_cpus, "CPUs the container may run on (e.g. 0-2,4)");
    cmd->add_option("--cpuset-mems", r.cpuset_mems, "Memory nodes the container may use (NUMA)");
    cmd->add_option("--blkio-weight", r.blkio_weight, "Block I/O weight (10-1000)");
}

void finish_create_options(CreateOptions& o, const std::vector<std::string>& rest, const State& st) {
    if (rest.empty()) fail(ErrorKind::Usage, "{}", o.rootfs_mode ? "--rootfs needs a directory argument" : "an image or --rootfs DIR is required");
    o.target = rest[0];
    finish_pull_flags(o.pull, o.tls_verify);
    parse_pull_policy(o.pull_policy);
    o.cmd.assign(rest.begin() + 1, rest.end());
    o.create_command = st.argv;
    if (o.tty) {
        if (auto ws = terminal_size(0) ? terminal_size(0) : terminal_size(1)) {
            o.tty_rows = ws->rows;
            o.tty_cols = ws->cols;
        }
    }
    if (!o.stop_signal.empty()) parse_signal(o.stop_signal);
    parse_mount_requests(o.volumes);
}

std::vector<std::string> select_refs(const Store& store, std::vector<std::string> refs, bool all,
                                     bool (*keep)(const Container&), const char* verb) {
    if (all) {
        for (auto& c : store.load_all()) {
            if (keep(c)) refs.push_back(c.config.id);
        }
    } else if (refs.empty()) {
        fail(ErrorKind::Usage, "{} needs at least one container name or ID, or --all", verb);
    }
    return refs;
}

bool add_cidfile_refs(State& st, const std::vector<std::string>& cidfiles, bool ignore, std::vector<std::string>& refs) {
    for_each_ref(st, cidfiles, [&](const std::string& path) {
        if (!ignore || path_exists(path)) refs.push_back(read_cidfile(path));
    });
    return !refs.empty() || cidfiles.empty();
}

std::optional<std::string> resolve_or_ignore(const Store& store, const std::string& ref, bool ignore) {
    try {
        return store.resolve(ref);
    } catch (const Error& e) {
        if (ignore && e.kind() == ErrorKind::NotFound) return std::nullopt;
        throw;
    }
}

void report(State& st, const std::exception& e) {
    std::cout.flush();
    std::cerr << "conman: " << e.what() << "\n";
    st.exit_code = 125;
    if (auto* ce = dynamic_cast<const Error*>(&e)) st.exit_code = ce->exit_code();
}

std::string render_rows(const std::string& format, const std::vector<nlohmann::json>& rows,
                        std::string (*header_for)(std::string_view)) {
    bool table = is_table(format);
    Template t = Template::parse(unescape_format(table ? strip_table(format) : format));
    std::string out;
    if (!table) {
        for (auto& r : rows) out += t.render(r) + "\n";
        return out;
    }
    Table tab;
    tab.add_row(split_tabbed(t.render_header(header_for)));
    for (auto& r : rows) tab.add_row(split_tabbed(t.render(r)));
    return tab.render();
}

void add_detach_keys_flag(CLI::App* cmd, std::string& keys) {
    cmd->add_option("--detach-keys", keys, "Key sequence that detaches (default ctrl-p,ctrl-q; \"\" disables)");
}

AttachOutcome relay_session(const Context& ctx, const std::string& id, ShimConnection& conn, const AttachIo& io) {
    RelayOptions ro;
    ro.sig_proxy = io.sig_proxy;
    if (io.stdin) {
        ro.stdin_fd = 0;
        // Detach keys are for a person at a terminal; piped data (which may
        // hold any byte sequence) passes through untouched.
        if (::isatty(0)) ro.detach_keys = parse_detach_keys(io.detach_keys);
    }
    if (io.tty) ro.tty_fd = ::isatty(0) ? 0 : ::isatty(1) ? 1 : -1;
    std::optional<RawMode> raw;
    if (io.tty && io.stdin) raw.emplace(0);
    auto res = relay(conn, ro);
    if (raw) raw->restore();
    if (res.detached) return {0, true};
    if (res.exit) return {res.exit->exit_code, false};
    if (io.exec_session)
        fail(ErrorKind::System, "exec session in {} ended without an exit status: conman-shim went away", id);
    // The shim went away without an exit packet: trust the record.
    Container c = lookup_container(ctx, id);
    if (c.state.exit_code < 0) fail(ErrorKind::System, "container {}: {}", c.config.name, c.state.error);
    return {c.state.exit_code, false};
}

}  // namespace conman::cli
