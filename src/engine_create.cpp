// create: validate the request, write the record and bundle under the store
// lock, spawn the shim (which runs `runtime create`), and roll everything
// back if any step fails, so a failed create leaves nothing behind.
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/crash_point.hpp"
#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/container_rootfs.hpp"
#include "conman/fs.hpp"
#include "conman/image_pull.hpp"
#include "conman/image_ref.hpp"
#include "conman/image_store.hpp"
#include "conman/manifest.hpp"
#include "conman/names.hpp"
#include "conman/network.hpp"
#include "conman/rootfs.hpp"
#include "conman/sdnotify.hpp"
#include "conman/security.hpp"
#include "conman/service.hpp"
#include "conman/shim_client.hpp"
#include "conman/spec.hpp"
#include "conman/timeutil.hpp"
#include "conman/userns.hpp"

namespace conman {

namespace {

constexpr const char* kDefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
constexpr std::string_view kCreating = "creating container";

std::vector<std::string> parse_entrypoint(const std::string& s) {
    if (!s.empty() && s[0] == '[') {
        auto j = nlohmann::json::parse(s, nullptr, false);
        if (!j.is_array()) fail(ErrorKind::Usage, "invalid --entrypoint {}: not a JSON array of strings", s);
        std::vector<std::string> out;
        for (auto& e : j) {
            if (!e.is_string()) fail(ErrorKind::Usage, "invalid --entrypoint {}: not a JSON array of strings", s);
            out.push_back(e.get<std::string>());
        }
        return out;
    }
    if (s.empty()) return {};
    return {s};
}

std::map<std::string, std::string> parse_labels(const std::vector<std::string>& labels) {
    std::map<std::string, std::string> out;
    for (auto& l : labels) {
        auto pos = l.find('=');
        std::string k = l.substr(0, pos);
        if (k.empty()) fail(ErrorKind::Usage, "invalid label \"{}\": the key is empty", l);
        out[k] = pos == std::string::npos ? "" : l.substr(pos + 1);
    }
    return out;
}

// What an image contributes to a container.
struct ImageInfo {
    ImageRecord record;
    ImageConfig config;
};

std::optional<ImageInfo> load_image(const Context& ctx, const CreateOptions& o) {
    if (o.rootfs_mode) return std::nullopt;
    ImageInfo info;
    info.record = ensure_image(ctx, o.target, parse_pull_policy(o.pull_policy), o.pull);
    auto body = read_file_if_exists(ImageStore(ctx).blob_path(info.record.config_digest));
    if (!body) fail(ErrorKind::NotFound, "image {}: its config blob is missing", info.record.id.substr(0, 12));
    info.config = parse_image_config(*body);
    return info;
}

// The name a container shows for its image: what the user typed, normalised.
std::string image_display_name(const CreateOptions& o, const ImageRecord& r) {
    std::string n = looks_like_image_id(o.target) ? "" : normalize_image_name(o.target);
    if (!n.empty()) return n;
    return r.names.empty() ? r.id : r.names[0];
}

void set_rootfs(ContainerConfig& c, const Context& ctx, const CreateOptions& o, const ImageInfo* img) {
    if (img) {
        c.image = image_display_name(o, img->record);
        c.image_id = img->record.id;
        c.rootfs = ctx.container_dir(c.id) + "/merged";
        return;
    }
    c.rootfs = absolute_path(o.target);
    struct stat st;
    if (::stat(c.rootfs.c_str(), &st) < 0) throw_sys(errno, "rootfs {}", c.rootfs);
    if (!S_ISDIR(st.st_mode)) fail(ErrorKind::Usage, "rootfs {}: not a directory", c.rootfs);
}

// Docker's rule: --entrypoint replaces the image's entrypoint and drops its
// Cmd; a command after the image replaces the image's Cmd.
void set_command(ContainerConfig& c, const CreateOptions& o, const ImageInfo* img) {
    if (o.entrypoint) {
        c.entrypoint = parse_entrypoint(*o.entrypoint);
        c.cmd = o.cmd;
    } else {
        if (img) c.entrypoint = img->config.config.entrypoint;
        c.cmd = o.cmd.empty() && img ? img->config.config.cmd : o.cmd;
    }
    c.args = c.entrypoint;
    c.args.insert(c.args.end(), c.cmd.begin(), c.cmd.end());
    if (c.args.empty())
        fail(ErrorKind::Usage, "no command given for container: name one{}", img ? " (the image has no Cmd or Entrypoint)" : "");
}

ContainerConfig build_config(const Context& ctx, const CreateOptions& o, const ImageInfo* img) {
    ContainerConfig c;
    c.id = new_container_id();
    c.created = now_ns();
    set_rootfs(c, ctx, o, img);
    if (!o.name.empty() && !valid_name(o.name))
        fail(ErrorKind::Usage, "invalid container name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", o.name);
    c.name = o.name;
    set_command(c, o, img);
    c.hostname = o.hostname.empty() ? short_id(c.id) : o.hostname;
    c.user = !o.user.empty() || !img ? o.user : img->config.config.user;
    c.workdir = !o.workdir.empty() ? o.workdir : img && !img->config.config.working_dir.empty() ? img->config.config.working_dir : "/";
    if (c.workdir[0] != '/') fail(ErrorKind::Usage, "invalid working directory {}: must be an absolute path", c.workdir);
    if (img) c.labels = img->config.config.labels;
    for (auto& [k, v] : parse_labels(o.labels)) c.labels[k] = v;
    if (!o.stop_signal.empty()) c.stop_signal = o.stop_signal;
    else if (img && !img->config.config.stop_signal.empty()) c.stop_signal = img->config.config.stop_signal;
    if (o.stop_timeout) c.stop_timeout = *o.stop_timeout;
    c.auto_remove = o.auto_remove;
    c.stdin = o.interactive;
    c.tty = o.tty;
    c.runtime = ctx.runtime_name;
    c.create_command = o.create_command;
    apply_security_flags(c, o.security);
    c.userns = resolve_userns(o.userns, host_identity().rootless, mapped_id_count("/proc/self/uid_map"),
                              mapped_id_count("/proc/self/gid_map"));
    // keep-id: the user's own ids inside unless --user says otherwise.
    if (c.userns.mode == "keep-id" && o.user.empty()) c.user = fmt::format("{}:{}", c.userns.keep_uid, c.userns.keep_gid);
    apply_resource_flags(c.resources, o.resources, probe_cgroup_support(), host_identity().rootless);
    apply_service_options(c, o);
    apply_network_flags(ctx, Store(ctx), c, o.network, img ? img->config.config.exposed_ports : std::vector<std::string>{});
    return c;
}

// User and environment need the rootfs in place (names come from its /etc/passwd).
void set_user_and_env(ContainerConfig& c, const CreateOptions& o, const ImageInfo* img) {
    auto user = resolve_user(c.rootfs, c.user);
    c.uid = user.uid;
    c.gid = user.gid;
    c.additional_gids = user.additional_gids;
    for (auto& g : c.security.group_add) {
        uint32_t gid = resolve_group(c.rootfs, g);
        if (std::find(c.additional_gids.begin(), c.additional_gids.end(), gid) == c.additional_gids.end())
            c.additional_gids.push_back(gid);
    }
    std::vector<std::string> env = {kDefaultPath};
    if (img) env = merge_env(env, img->config.config.env);
    env = merge_env(env, {"container=conman", "HOSTNAME=" + c.hostname});
    bool has_home = false;
    for (auto& e : env) has_home |= e.rfind("HOME=", 0) == 0;
    if (!has_home) env.push_back("HOME=" + user.home);
    if (o.tty) env = merge_env(env, {"TERM=xterm"});
    for (auto& f : o.env_files) env = merge_env(env, parse_env_file(read_file(f), f));
    c.env = merge_env(env, o.env);
}

void write_bundle(const Store& store, const ContainerConfig& c, const CreateOptions& o) {
    std::string ud = store.userdata_dir(c.id), bundle = store.bundle_dir(c.id);
    mkdir_p(ud);
    mkdir_p(bundle);
    SpecInputs in;
    in.hosts_path = ud + "/hosts";
    in.hostname_path = ud + "/hostname";
    in.resolv_path = ud + "/resolv.conf";
    atomic_write(in.hosts_path, initial_hosts_content(c), 0644, false);
    atomic_write(in.hostname_path, c.hostname + "\n", 0644, false);
    atomic_write(in.resolv_path, resolv_content(c), 0644, false);
    in.netns_path = spec_netns_path(store.context(), c);
    in.rlimits = container_rlimits(c);
    in.cgroups_path = "/conman/" + c.id;
    in.uid_mappings = c.userns.uid_map;
    in.gid_mappings = c.userns.gid_map;
    if (host_identity().rootless) {
        in.rootless = true;
        uint64_t gids = mapped_id_count("/proc/self/gid_map");
        in.tty_gid_mapped = gids > 5;
        if (gids < 2)
            std::fprintf(stderr, "conman: warning: no /etc/subuid and /etc/subgid ranges for %s: only root is mapped into "
                                 "the container (files owned by other users show as nobody)\n",
                         host_identity().name.c_str());
    }
    in.console_rows = o.tty_rows;
    in.console_cols = o.tty_cols;
    auto spec = build_spec(c, in);
    if (c.service.notify_proxy) add_notify_mount(spec, store.socket_dir(c.id));
    atomic_write(bundle + "/config.json", spec.dump(), 0600, false);
}

// Undoes a half-made create unless disarmed.
class CreateRollback {
public:
    CreateRollback(const Store& s, const ContainerConfig& c, const std::string& cidfile)
        : store_(s), c_(c), cidfile_(cidfile) {}
    ~CreateRollback() {
        if (!armed_) return;
        try {
            if (shim_started_) {
                if (auto conn = ShimConnection::connect(store_.socket_dir(c_.id))) conn->kill_and_wait(SIGKILL, 10000);
            }
            if (net_ctx) teardown_container_network(*net_ctx, c_.id);
            if (cidfile_created_) ::unlink(cidfile_.c_str());
            Container tmp;
            tmp.config = c_;
            store_.remove(tmp);
        } catch (...) {
        }
    }
    void disarm() { armed_ = false; }
    bool shim_started_ = false;
    bool cidfile_created_ = false;
    const Context* net_ctx = nullptr;  // set once networking may have been set up

private:
    const Store& store_;
    const ContainerConfig& c_;
    std::string cidfile_;
    bool armed_ = true;
};

void claim_free_name(const Store& store, ContainerConfig& c) {
    if (!c.name.empty()) {
        store.claim_name(c.name, c.id);
        return;
    }
    for (int i = 0; i < 100; ++i) {
        c.name = random_name();
        if (store.id_for_name(c.name)) continue;
        try {
            store.claim_name(c.name, c.id);
            return;
        } catch (const Error&) {
        }
    }
    c.name = c.id.substr(0, 20);
    store.claim_name(c.name, c.id);
}

}  // namespace

int classify_command(const std::string& rootfs, const std::string& cmd, const std::vector<std::string>& env) {
    auto check = [&](const std::string& path) -> int {
        UniqueFd fd = open_in_root(rootfs, path, O_PATH);
        if (!fd) return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        struct stat st;
        if (::fstat(fd.get(), &st) < 0) return 126;
        if (!S_ISREG(st.st_mode) || !(st.st_mode & 0111)) return 126;
        return 0;
    };
    if (cmd.find('/') != std::string::npos) return check(cmd);
    std::string path = "/usr/local/bin:/usr/bin:/bin";
    for (auto& e : env) {
        if (e.rfind("PATH=", 0) == 0) path = e.substr(5);
    }
    int best = 127;
    size_t start = 0;
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string dir = path.substr(start, end - start);
        start = end + 1;
        if (dir.empty()) continue;
        int r = check(dir + "/" + cmd);
        if (r == 0) return 0;
        if (r == 126) best = 126;
    }
    return best;
}

ShimStarted launch_shim(const Context& ctx, const Store& store, const ContainerConfig& cfg, LaunchOptions lo,
                        std::optional<ShimConnection>* attached) {
    shim::ShimArgs a;
    a.id = cfg.id;
    a.bundle = store.bundle_dir(cfg.id);
    a.runtime = ctx.require_runtime();
    a.runtime_root = ctx.runtime_root();
    a.log_path = store.log_path(cfg.id);
    a.exit_file = store.exit_path(cfg.id);
    a.socket_dir = store.socket_dir(cfg.id);
    a.events_log = events_log_path(ctx.root);
    a.stdin = cfg.stdin;
    a.terminal = cfg.tty;
    a.start = lo.start;
    a.create_timeout_ms = ctx.create_timeout_ms;
    add_service_shim_args(cfg, a);
    prepare_rootfs(ctx, cfg);  // after a reboot an image rootfs needs mounting again
    if (cfg.auto_remove) {
        a.exit_command = {ctx.self_exe};
        auto g = ctx.global_args();
        a.exit_command.insert(a.exit_command.end(), g.begin(), g.end());
        a.exit_command.insert(a.exit_command.end(), {"container", "cleanup", "--rm", cfg.id});
    } else if (has_network_teardown(cfg)) {  // the network is torn down when the container exits
        a.exit_command = {ctx.self_exe};
        auto g = ctx.global_args();
        a.exit_command.insert(a.exit_command.end(), g.begin(), g.end());
        a.exit_command.insert(a.exit_command.end(), {"container", "cleanup", cfg.id});
    }
    setup_container_network(ctx, store, cfg);
    crash_point("launch:network-ready");
    // The shim bounds the runtime and then needs time to kill it, run
    // `runtime delete` (10 s at most) and report: wait a little longer.
    int wait_ms = ctx.create_timeout_ms + 15000;
    try {
        if (!lo.attach || !attached) return spawn_shim(ctx.shim_path, a, wait_ms);
        auto [ours, theirs] = make_socketpair(SOCK_SEQPACKET);
        ShimStarted s = spawn_shim(ctx.shim_path, a, wait_ms, theirs.get());
        *attached = ShimConnection::adopt(std::move(ours));
        return s;
    } catch (const Error& raw) {
        teardown_container_network(ctx, cfg.id);
        // Name the runtime when its message does not (crun's do not).
        std::string rt = a.runtime.substr(a.runtime.find_last_of('/') + 1);
        Error e = std::string_view(raw.what()).starts_with(rt) ? raw : raw.prefixed(rt);
        // Decide 126/127 from our own lookup in the rootfs (errno based),
        // not from the wording of the runtime's message.
        int code = classify_command(cfg.rootfs, cfg.args[0], cfg.env);
        if (code == 127) throw Error(ErrorKind::CommandNotFound, e.what());
        if (code == 126) throw Error(ErrorKind::NotExecutable, e.what());
        throw e;
    }
}

namespace {
Created create_container_unnamed(const Context& ctx, const CreateOptions& o, LaunchOptions lo);
}  // namespace

Created create_container(const Context& ctx, const CreateOptions& o, LaunchOptions lo) {
    try {
        return create_container_unnamed(ctx, o, lo);
    } catch (const Error& e) {
        // A file that could not be written (a full disk) before the container
        // had its own files: say which container was being created.
        if (e.kind() != ErrorKind::System || std::string_view(e.what()).starts_with(kCreating)) throw;
        throw e.prefixed(o.name.empty() ? std::string(kCreating) : fmt::format("{} {}", kCreating, o.name));
    }
}

namespace {

Created create_container_unnamed(const Context& ctx, const CreateOptions& o, LaunchOptions lo) {
    if (!o.cidfile.empty() && path_exists(o.cidfile))
        fail(ErrorKind::Conflict, "container id file {} exists: another container may use it; remove it first", o.cidfile);
    ctx.require_runtime();
    parse_mount_requests(o.volumes);  // bad -v/--mount/--tmpfs fail before any pull
    std::optional<ImageInfo> img = load_image(ctx, o);
    ContainerConfig cfg = build_config(ctx, o, img ? &*img : nullptr);
    if (!img) set_user_and_env(cfg, o, nullptr);
    Store store(ctx);
    if (o.replace && !cfg.name.empty()) {
        if (auto old = store.id_for_name(cfg.name)) remove_container(ctx, *old, true, std::nullopt);
    }
    FileLock lock = store.lock();
    claim_free_name(store, cfg);
    crash_point("create:name-claimed");
    CreateRollback rollback(store, cfg, o.cidfile);
    if (!o.cidfile.empty()) {
        write_cidfile(o.cidfile, cfg.id);
        rollback.cidfile_created_ = true;
    }
    VolumeRollback volume_rollback(ctx);
    Container c;
    try {
        mkdir_p(store.dir(cfg.id));
        if (img) {
            if (!ImageStore(ctx).by_id(img->record.id))
                fail(ErrorKind::NotFound, "image {} was removed while the container was being created", o.target);
            prepare_rootfs(ctx, cfg);
            crash_point("create:rootfs-mounted");
            set_user_and_env(cfg, o, &*img);
        }
        apply_sdnotify_config(cfg);
        attach_volumes(ctx, store, cfg, o.volumes, img ? img->config.config.volumes : std::vector<std::string>{},
                       volume_rollback);
        write_bundle(store, cfg, o);
        crash_point("create:bundle-written");
        c.config = cfg;
        store.save(c);
    } catch (const Error& e) {
        // A file that could not be written (a full disk): say which container.
        if (e.kind() == ErrorKind::System) throw e.prefixed(fmt::format("{} {}", kCreating, cfg.name));
        throw;
    }
    crash_point("create:record-saved");

    Created out;
    // The start time is taken before the runtime starts the process, so it
    // can never be later than its exit.
    int64_t start_time = now_ns();
    // Recorded before the runtime runs anything: a container that exits at
    // once must not have its "died" (written by the shim) precede its start.
    emit(ctx, cfg, "create");
    if (lo.start) {
        emit(ctx, cfg, "init");
        emit(ctx, cfg, "start");
    }
    if (lo.attach) emit(ctx, cfg, "attach");
    rollback.net_ctx = &ctx;
    ShimStarted started = [&] {
        try {
            return launch_shim(ctx, store, cfg, lo, &out.attached);
        } catch (...) {
            emit(ctx, cfg, "remove");  // the rollback removes it
            throw;
        }
    }();
    rollback.shim_started_ = true;
    crash_point("create:shim-started");
    c.state.pid = started.container_pid;
    c.state.shim_pid = started.shim_pid;
    store.save(c);
    if (lo.start) store.mark_started(cfg.id, start_time);
    crash_point("create:done");
    rollback.disarm();
    volume_rollback.disarm();
    store.refresh(c);
    if (!lo.start) emit(ctx, cfg, "init");
    out.container = std::move(c);
    return out;
}

}  // namespace

}  // namespace conman
