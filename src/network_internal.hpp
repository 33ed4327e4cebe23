// Internals of container networking shared by the network_*.cpp files:
// the CNI plugin runner and network namespaces.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace conman {

// One CNI invocation's parameters (CNI_* environment and capability args).
struct CniCall {
    std::string container_id, netns, ifname;
    nlohmann::json runtime_config = nlohmann::json::object();  // portMappings, mac, ips
};

// The plugins of conflist that this call needs: portmap only when ports
// are published. The result is the conflist that ADD and later DEL run.
nlohmann::json effective_conflist(const nlohmann::json& conflist, const CniCall& call);
// The JSON one plugin reads on stdin (name, cniVersion, prevResult and the
// runtimeConfig entries its capabilities ask for).
nlohmann::json plugin_stdin(const nlohmann::json& conflist, size_t index, const CniCall& call,
                            const nlohmann::json& prev_result);
// ADD through every plugin, chaining results; returns the final result. On
// failure runs DEL for the chain (as the CNI spec asks) and throws.
nlohmann::json cni_add(const nlohmann::json& conflist, const CniCall& call);
// DEL through every plugin in reverse; throws on the first failure after
// trying all of them.
void cni_del(const nlohmann::json& conflist, const CniCall& call, const nlohmann::json& prev_result);

// Creates path (a new file) as a bind mount of a new network namespace with
// loopback up.
void create_netns(const std::string& path);
// Unmounts and removes path; missing is fine.
void remove_netns(const std::string& path);
bool is_netns_mount(const std::string& path);

}  // namespace conman
