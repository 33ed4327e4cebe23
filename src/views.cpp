#include "conman/views.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "conman/names.hpp"
#include "conman/resources.hpp"
#include "conman/runtime.hpp"
#include "conman/spec.hpp"
#include "conman/timeutil.hpp"
#include "conman/volume.hpp"

namespace conman {

using nlohmann::json;

namespace {

std::string go_time(int64_t ns) { return ns ? format_rfc3339nano(ns) : "0001-01-01T00:00:00Z"; }

std::string join(const std::vector<std::string>& v, const char* sep = " ") {
    std::string out;
    for (size_t i = 0; i < v.size(); ++i) out += (i ? sep : "") + v[i];
    return out;
}

int stop_signal_number(const ContainerConfig& c) {
    try {
        return parse_signal(c.stop_signal);
    } catch (...) {
        return 15;
    }
}

json state_json(const Container& c) {
    const auto& s = c.state;
    return {
        {"OciVersion", "1.0.2"},
        {"Status", s.status},
        {"Running", s.status == kRunning},
        {"Paused", s.status == kPaused},
        {"Restarting", false},
        {"OOMKilled", s.oom_killed},
        {"Dead", false},
        {"Pid", s.status == kRunning || s.status == kPaused ? s.pid : 0},
        {"ConmonPid", s.status == kExited ? 0 : s.shim_pid},
        {"ExitCode", s.exit_code},
        {"Error", s.error},
        {"StartedAt", go_time(s.started_at)},
        {"FinishedAt", go_time(s.finished_at)},
    };
}

json config_json(const Container& c) {
    const auto& k = c.config;
    return {
        {"Hostname", k.hostname},
        {"Domainname", ""},
        {"User", k.user},
        {"AttachStdin", false},
        {"AttachStdout", false},
        {"AttachStderr", false},
        {"Tty", k.tty},
        {"OpenStdin", k.stdin},
        {"StdinOnce", false},
        {"Env", k.env},
        {"Cmd", k.cmd},
        {"Image", k.image},
        {"Volumes", nullptr},
        {"WorkingDir", k.workdir},
        {"Entrypoint", join(k.entrypoint)},
        {"OnBuild", nullptr},
        {"Labels", k.labels},
        {"Annotations", json{{"io.conman.name", k.name}}},
        {"StopSignal", stop_signal_number(k)},
        {"CreateCommand", k.create_command},
        {"SdNotifyMode", k.service.sdnotify},
        {"Umask", "0022"},
        {"Timeout", 0},
        {"StopTimeout", k.stop_timeout},
    };
}

}  // namespace

std::string status_text(const Container& c, int64_t now) {
    const auto& s = c.state;
    if (s.status == kRunning) return "Up " + human_duration(now - s.started_at);
    if (s.status == kCreated) return "Created";
    if (s.status == kPaused) return "Paused";
    if (s.status == kExited) {
        if (!s.finished_at) return fmt::format("Exited ({})", s.exit_code);
        return fmt::format("Exited ({}) {} ago", s.exit_code, human_duration(now - s.finished_at));
    }
    return "Unknown";
}

json inspect_json(const Store& store, const Container& c) {
    const auto& k = c.config;
    const SecurityConfig& sec = k.security;
    std::vector<std::string> caps = sec.caps_set ? sec.capabilities : default_capabilities();
    // CapAdd/CapDrop as podman reports them: the difference from the default set.
    json cap_add = json::array(), cap_drop = json::array();
    const auto& def = default_capabilities();
    for (auto& cap : caps)
        if (std::find(def.begin(), def.end(), cap) == def.end()) cap_add.push_back(cap);
    for (auto& cap : def)
        if (std::find(caps.begin(), caps.end(), cap) == caps.end()) cap_drop.push_back(cap);
    json security_opt = json::array();
    if (sec.seccomp == "unconfined") security_opt.push_back("seccomp=unconfined");
    if (sec.seccomp == "custom") security_opt.push_back("seccomp=" + sec.seccomp_source);
    if (sec.no_new_privileges) security_opt.push_back("no-new-privileges");
    for (auto& m : sec.mask) security_opt.push_back("mask=" + m);
    for (auto& m : sec.unmask) security_opt.push_back("unmask=" + m);
    json ulimits = json::array();
    for (auto& u : sec.ulimits) ulimits.push_back({{"Name", u.type}, {"Soft", u.soft}, {"Hard", u.hard}});
    const std::string& id = k.id;
    json args = json::array();
    for (size_t i = 1; i < k.args.size(); ++i) args.push_back(k.args[i]);
    json out = {
        {"Id", id},
        {"Created", go_time(k.created)},
        {"Path", k.args.empty() ? "" : k.args[0]},
        {"Args", args},
        {"State", state_json(c)},
        {"Image", ""},
        {"ImageName", k.image},
        {"Rootfs", k.rootfs},
        {"Pod", ""},
        {"ResolvConfPath", store.userdata_dir(id) + "/resolv.conf"},
        {"HostnamePath", store.userdata_dir(id) + "/hostname"},
        {"HostsPath", store.userdata_dir(id) + "/hosts"},
        {"StaticDir", store.dir(id)},
        {"OCIConfigPath", store.bundle_dir(id) + "/config.json"},
        {"OCIRuntime", k.runtime},
        {"LogPath", store.log_path(id)},
        {"LogTag", ""},
        {"PidFile", store.socket_dir(id) + "/pidfile"},
        {"Name", k.name},
        {"RestartCount", c.state.restart_count},
        {"Driver", ""},
        {"MountLabel", ""},
        {"ProcessLabel", ""},
        {"AppArmorProfile", ""},
        {"EffectiveCaps", caps},
        {"BoundingCaps", caps},
        {"ExecIDs", json::array()},
        {"IsInfra", false},
        {"IsService", false},
        {"Mounts", inspect_mounts(k)},
        {"Config", config_json(c)},
        {"NetworkSettings", network_settings_json(store.context(), k)},
        {"HostConfig",
         {{"AutoRemove", k.auto_remove},
          {"RestartPolicy", {{"Name", k.service.restart_policy == "no" ? "" : k.service.restart_policy},
                             {"MaximumRetryCount", k.service.restart_retries}}},
          {"LogConfig", {{"Type", "k8s-file"}, {"Path", store.log_path(id)}}},
          {"NetworkMode", network_mode_string(k)},
          {"PortBindings", port_bindings_json(k)},
          {"Privileged", k.security.privileged},
          {"ReadonlyRootfs", k.security.read_only},
          {"CapAdd", cap_add},
          {"CapDrop", cap_drop},
          {"SecurityOpt", security_opt},
          {"PidsLimit", k.security.pids_limit},
          {"Sysctls", k.security.sysctls},
          {"GroupAdd", k.security.group_add},
          {"Ulimits", ulimits},
          {"Binds", inspect_binds(k)},
          {"Tmpfs", inspect_tmpfs(k)},
          {"VolumesFrom", k.volumes.volumes_from}}},
    };
    out["HostConfig"].update(resources_inspect_json(k.resources));
    return out;
}

namespace {
json ps_ports_json(const std::vector<PortMapping>& ports) {
    if (ports.empty()) return nullptr;
    json out = json::array();
    for (auto& p : ports)
        out.push_back({{"host_ip", p.host_ip}, {"container_port", p.container_port}, {"host_port", p.host_port},
                       {"range", 1}, {"protocol", p.protocol}});
    return out;
}
}  // namespace

json ps_json(const Container& c, int64_t now) {
    const auto& k = c.config;
    const auto& s = c.state;
    return {
        {"AutoRemove", k.auto_remove},
        {"Command", k.args},
        {"CreatedAt", human_duration(now - k.created) + " ago"},
        {"Created", k.created / 1000000000},
        {"Exited", s.status == kExited},
        {"ExitedAt", s.finished_at / 1000000000},
        {"ExitCode", s.exit_code},
        {"Id", k.id},
        {"Image", k.image},
        {"ImageID", ""},
        {"IsInfra", false},
        {"Labels", k.labels.empty() ? json(nullptr) : json(k.labels)},
        {"Mounts", mount_destinations(k)},
        {"Names", json::array({k.name})},
        {"Namespaces", json::object()},
        {"Networks", json::array()},
        {"Pid", s.status == kRunning || s.status == kPaused ? s.pid : 0},
        {"Pod", ""},
        {"PodName", ""},
        {"Ports", ps_ports_json(k.network.ports)},
        {"Size", nullptr},
        {"StartedAt", s.started_at / 1000000000},
        {"State", s.status},
        {"Status", status_text(c, now)},
    };
}

json ps_template_data(const Container& c, int64_t now, bool no_trunc) {
    const auto& k = c.config;
    json j = ps_json(c, now);
    std::string cmd = join(k.args);
    if (!no_trunc && cmd.size() > 20) cmd = cmd.substr(0, 17) + "...";
    j["ID"] = no_trunc ? k.id : short_id(k.id);
    j["Image"] = k.image.empty() ? "" : k.image;
    j["Command"] = cmd;
    j["CreatedHuman"] = human_duration(now - k.created) + " ago";
    j["CreatedAt"] = go_time(k.created);
    j["Names"] = k.name;
    j["Labels"] = k.labels;
    j["Ports"] = ports_summary(k.network.ports);
    j["Mounts"] = join(mount_destinations(k), ",");
    return j;
}

}  // namespace conman
