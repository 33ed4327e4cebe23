// A container's attachments to CNI networks while its namespace is set up
// (<runroot>/netns/<id>.json), and what is done to them under the network
// lock: ADD and DEL for one network, the teardown of all, and the
// /etc/hosts of every container that shares a network with a changed one.
// Shared by network_container.cpp (setup, teardown, inspect) and
// network_verbs.cpp (connect, disconnect, rm, prune).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "conman/context.hpp"
#include "conman/lock.hpp"

namespace conman::net {

using nlohmann::json;

// One network a container is attached to, as CNI ADD left it.
struct Attachment {
    std::string network, ifname;
    json conflist;        // the effective conflist ADD ran (DEL runs the same)
    json runtime_config;  // capability args given to ADD
    json result;          // ADD's final result
    std::string ip, gateway, mac;
    int prefix = 0;
};

struct NetState {
    std::string id, name, hostname, netns, hosts_path, hosts_base;
    std::vector<Attachment> attachments;
};

std::string netns_dir(const Context& ctx);
std::string netns_path(const Context& ctx, const std::string& id);
std::string state_path(const Context& ctx, const std::string& id);
std::string slirp_dir(const Context& ctx, const std::string& id);

void save_state(const Context& ctx, const NetState& s);
std::optional<NetState> load_state(const Context& ctx, const std::string& id);
std::vector<NetState> all_states(const Context& ctx);
// The lock every change to namespaces and attachments takes (bounded wait).
FileLock net_lock(const Context& ctx);

// Rewrites a bind-mounted file in place: a rename would leave the
// container looking at the old inode.
void write_in_place(const std::string& path, const std::string& content);
// Another container's lines in hosts: its address on each network shared with s.
std::string peer_lines(const NetState& s, const std::vector<NetState>& all);
// Rewrites the hosts file of every container sharing a user network with
// changed (changed itself included when it is still in all).
void refresh_hosts(const Context& ctx, const NetState& changed);

// Runs CNI ADD for one more network of st and records it. The attachment is
// saved before ADD (without a result) so that a conman killed during ADD
// leaves what teardown's DEL needs; a failed ADD is undone at once.
void attach(const Context& ctx, NetState& st, const std::string& network, const std::string& ifname, json rc);
// CNI DEL of one attachment; a failure is a warning on stderr.
void detach(const std::string& id, const std::string& netns, const Attachment& a);
// Stops slirp4netns, runs DEL for every attachment, removes the namespace
// and the state file, and refreshes the hosts of former peers.
void teardown_locked(const Context& ctx, const std::string& id);

}  // namespace conman::net
