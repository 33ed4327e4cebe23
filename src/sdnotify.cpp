// conman's side of sd_notify (see sdnotify.hpp): NOTIFY_SOCKET handling,
// the container-mode proxy mount, and the MAINPID/READY=1 messages.
#include <cstdlib>

#include "conman/error.hpp"
#include "conman/restart_policy.hpp"
#include "conman/sdnotify.hpp"

namespace conman {

void check_sdnotify_mode(const std::string& mode) {
    if (mode != "container" && mode != "conman" && mode != "ignore")
        fail(ErrorKind::Usage, "invalid --sdnotify \"{}\": use container, conman or ignore", mode);
}

const std::string& notify_socket() {
    static const std::string value = [] {
        const char* v = std::getenv("NOTIFY_SOCKET");
        std::string s = v ? v : "";
        ::unsetenv("NOTIFY_SOCKET");
        return s;
    }();
    return value;
}

void apply_sdnotify_config(ContainerConfig& c) {
    c.service.notify_proxy = c.service.sdnotify == "container" && !notify_socket().empty();
    if (!c.service.notify_proxy) return;
    std::string var = fmt::format("NOTIFY_SOCKET={}/{}", kContainerNotifyDir, kNotifySocketName);
    std::erase_if(c.env, [](const std::string& e) { return e.starts_with("NOTIFY_SOCKET="); });
    c.env.push_back(var);
}

void add_service_shim_args(const ContainerConfig& c, shim::ShimArgs& a) {
    const std::string& host = notify_socket();  // also takes it out of the shim's environment
    if (c.service.restart_policy != "no" && !c.service.restart_policy.empty())
        a.restart = format_restart_policy({c.service.restart_policy, c.service.restart_retries});
    if (!c.service.notify_proxy) return;
    a.notify_proxy = true;
    a.notify_socket = host;
}

void add_notify_mount(nlohmann::json& spec, const std::string& socket_dir) {
    spec["mounts"].push_back({{"destination", kContainerNotifyDir},
                              {"type", "bind"},
                              {"source", socket_dir + "/" + kNotifyDirName},
                              {"options", {"bind", "nosuid", "noexec", "nodev"}}});
}

void notify_container_started(const ContainerConfig& c, int shim_pid) {
    const std::string& host = notify_socket();
    if (host.empty() || shim_pid <= 0) return;
    if (c.service.sdnotify == "conman") sd_notify_send(host, fmt::format("MAINPID={}\nREADY=1", shim_pid));
    else if (c.service.sdnotify == "container") sd_notify_send(host, fmt::format("MAINPID={}", shim_pid));
}

}  // namespace conman
