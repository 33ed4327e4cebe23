// The CNI plugin runner: executes the plugins of a conflist with the CNI
// environment and their config on stdin, chaining prevResult (CNI spec
// 1.0.0), ADD in order and DEL in reverse.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/process.hpp"
#include "network_internal.hpp"

namespace conman {

using nlohmann::json;

namespace {

constexpr int kPluginTimeoutMs = 60000;

std::string cni_path() {
    if (const char* p = std::getenv("CONMAN_CNI_PATH"); p && *p) return p;
    return "/usr/lib/cni:/usr/libexec/cni:/opt/cni/bin";
}

std::string find_plugin(const std::string& type) {
    std::string path = cni_path();
    size_t start = 0;
    if (type.empty() || type.find('/') != std::string::npos) fail(ErrorKind::Usage, "invalid CNI plugin type \"{}\"", type);
    while (start <= path.size()) {
        size_t end = path.find(':', start);
        if (end == std::string::npos) end = path.size();
        std::string cand = path.substr(start, end - start) + "/" + type;
        if (end > start && ::access(cand.c_str(), X_OK) == 0) return cand;
        start = end + 1;
    }
    fail(ErrorKind::NotFound, "CNI plugin {} not found in {}: install containernetworking-plugins", type, path);
}

using PluginOutput = CaptureResult;

// Runs a plugin with stdin_data on its stdin, capturing stdout and stderr,
// bounded. Plugin configs are far below a pipe's capacity.
PluginOutput exec_plugin(const std::string& path, const std::vector<std::string>& env, const std::string& stdin_data) {
    try {
        return run_capture({path}, kPluginTimeoutMs, env, &stdin_data);
    } catch (const Error& e) {
        if (e.err_no() != ETIMEDOUT) throw;
        fail(ErrorKind::System, "CNI plugin {} timed out after {} ms", path, kPluginTimeoutMs);
    }
}

std::vector<std::string> plugin_env(const char* command, const CniCall& call) {
    const char* path = std::getenv("PATH");
    return {
        fmt::format("CNI_COMMAND={}", command),
        "CNI_CONTAINERID=" + call.container_id,
        "CNI_NETNS=" + call.netns,
        "CNI_IFNAME=" + call.ifname,
        "CNI_ARGS=IgnoreUnknown=1",
        "CNI_PATH=" + cni_path(),
        // The plugins run iptables and friends.
        std::string("PATH=") + (path && *path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
    };
}

// Runs one plugin; returns its stdout parsed (null for an empty output).
json run_plugin(const char* command, const json& conflist, size_t index, const CniCall& call, const json& prev) {
    const json& plugin = conflist["plugins"][index];
    std::string type = plugin.value("type", "");
    std::string path = find_plugin(type);
    auto t0 = std::chrono::steady_clock::now();
    PluginOutput o = exec_plugin(path, plugin_env(command, call), plugin_stdin(conflist, index, call, prev).dump());
    if (std::getenv("CONMAN_CNI_TRACE"))
        std::fprintf(stderr, "cni %s %s %.1f ms\n", type.c_str(), command,
                     std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    json out = o.out.empty() ? json() : json::parse(o.out, nullptr, false);
    if (o.status != 0) {
        std::string msg;
        if (out.is_object()) {
            msg = out.value("msg", "");
            std::string details = out.value("details", "");
            if (!details.empty()) msg += ": " + details;
        }
        if (msg.empty()) msg = o.err.empty() ? o.out : o.err;
        while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
        fail(ErrorKind::System, "network {}: CNI plugin {} {} failed: {}", conflist.value("name", ""), type, command,
             msg.empty() ? fmt::format("exit status {}", status_to_exit_code(o.status)) : msg);
    }
    if (out.is_discarded())
        fail(ErrorKind::System, "network {}: CNI plugin {} {} printed no valid JSON", conflist.value("name", ""), type, command);
    return out;
}

}  // namespace

json effective_conflist(const json& conflist, const CniCall& call) {
    json out = conflist;
    json plugins = json::array();
    bool have_ports = call.runtime_config.contains("portMappings") && !call.runtime_config["portMappings"].empty();
    for (const json& p : conflist.value("plugins", json::array())) {
        if (p.value("type", "") == "portmap" && !have_ports) continue;  // nothing to map: spare two execs
        plugins.push_back(p);
    }
    out["plugins"] = plugins;
    out.erase("conman");
    return out;
}

json plugin_stdin(const json& conflist, size_t index, const CniCall& call, const json& prev_result) {
    json cfg = conflist["plugins"][index];
    cfg["name"] = conflist.value("name", "");
    cfg["cniVersion"] = conflist.value("cniVersion", "1.0.0");
    if (!prev_result.is_null()) cfg["prevResult"] = prev_result;
    json rc = json::object();
    if (cfg.contains("capabilities") && cfg["capabilities"].is_object()) {
        for (auto& [cap, on] : cfg["capabilities"].items()) {
            if (on.is_boolean() && on.get<bool>() && call.runtime_config.contains(cap)) rc[cap] = call.runtime_config[cap];
        }
    }
    if (!rc.empty()) cfg["runtimeConfig"] = rc;
    return cfg;
}

json cni_add(const json& conflist, const CniCall& call) {
    json result;
    const size_t n = conflist["plugins"].size();
    for (size_t i = 0; i < n; ++i) {
        try {
            result = run_plugin("ADD", conflist, i, call, result);
        } catch (const Error&) {
            try {
                cni_del(conflist, call, result);
            } catch (const Error&) {
            }
            throw;
        }
    }
    return result;
}

void cni_del(const json& conflist, const CniCall& call, const json& prev_result) {
    std::optional<Error> first;
    const size_t n = conflist["plugins"].size();
    for (size_t i = n; i-- > 0;) {
        try {
            run_plugin("DEL", conflist, i, call, prev_result);
        } catch (const Error& e) {
            if (!first) first = e;
        }
    }
    if (first) throw *first;
}

}  // namespace conman
