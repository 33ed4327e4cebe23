// The network verbs that change containers' attachments: connect,
// disconnect, and rm and prune of networks (with the containers on them).
#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "conman/container.hpp"
#include "conman/engine.hpp"
#include "conman/context.hpp"
#include "conman/error.hpp"
#include "conman/lock.hpp"
#include "conman/network.hpp"
#include "conman/store.hpp"
#include "network_attachments.hpp"
#include "network_internal.hpp"

namespace conman {

using namespace net;

std::vector<std::string> containers_on_network(const Store& store, const std::string& network) {
    std::vector<std::string> out;
    for (auto& c : store.load_all()) {
        auto& nets = c.config.network.networks;
        if (c.config.network.mode == "bridge" && std::find(nets.begin(), nets.end(), network) != nets.end())
            out.push_back(c.config.id);
    }
    return out;
}

void connect_container(const Context& ctx, const std::string& network, const std::string& ref, const std::string& ip) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(store.resolve(ref));
    NetworkDef d = NetworkStore(ctx).get(network);
    auto& n = c.config.network;
    if (n.mode != "bridge")
        fail(ErrorKind::Conflict, "container {} uses --network {}: only containers on bridge networks can be connected",
             c.config.name, network_mode_string(c.config));
    if (std::find(n.networks.begin(), n.networks.end(), d.name) != n.networks.end())
        fail(ErrorKind::Conflict, "container {} is already connected to network {}", c.config.name, d.name);
    json rc = json::object();
    if (!ip.empty()) {
        auto a = parse_ipv4(ip);
        if (!a || !parse_subnet(d.subnet).contains(*a))
            fail(ErrorKind::Usage, "--ip {} is not an address in subnet {} of network {}", ip, d.subnet, d.name);
        rc["ips"] = json::array({ip});
    }
    FileLock nl = net_lock(ctx);
    auto st = load_state(ctx, c.config.id);
    bool live = st && is_netns_mount(st->netns);
    if (live) {
        std::set<std::string> used;
        for (auto& a : st->attachments) used.insert(a.ifname);
        std::string ifname;
        for (int i = 0; ifname.empty(); ++i)
            if (!used.count(fmt::format("eth{}", i))) ifname = fmt::format("eth{}", i);
        attach(ctx, *st, d.name, ifname, rc);
    }
    n.networks.push_back(d.name);
    try {
        store.save(c);
    } catch (...) {
        if (live) {
            detach(c.config.id, st->netns, st->attachments.back());
            st->attachments.pop_back();
            save_state(ctx, *st);
        }
        throw;
    }
    if (live) {
        auto all = all_states(ctx);
        write_in_place(st->hosts_path, st->hosts_base + peer_lines(*st, all));
        refresh_hosts(ctx, *st);
    }
}

void disconnect_container(const Context& ctx, const std::string& network, const std::string& ref) {
    Store store(ctx);
    FileLock lock = store.lock();
    Container c = store.load(store.resolve(ref));
    auto& nets = c.config.network.networks;
    std::string name = network;
    if (auto d = NetworkStore(ctx).find(network)) name = d->name;
    auto it = std::find(nets.begin(), nets.end(), name);
    if (c.config.network.mode != "bridge" || it == nets.end())
        fail(ErrorKind::NotFound, "container {} is not connected to network {}", c.config.name, network);
    if (nets.size() == 1)
        fail(ErrorKind::Conflict, "network {} is the last network of container {}: it would be left without one",
             name, c.config.name);
    nets.erase(it);
    store.save(c);
    FileLock nl = net_lock(ctx);
    auto st = load_state(ctx, c.config.id);
    if (!st) return;
    for (size_t i = 0; i < st->attachments.size(); ++i) {
        if (st->attachments[i].network != name) continue;
        NetState before = *st;
        detach(c.config.id, st->netns, st->attachments[i]);
        st->attachments.erase(st->attachments.begin() + static_cast<long>(i));
        save_state(ctx, *st);
        refresh_hosts(ctx, before);
        break;
    }
}

void remove_network(const Context& ctx, const std::string& ref, bool force) {
    NetworkStore ns(ctx);
    NetworkDef d = ns.get(ref);
    if (d.name == kDefaultNetwork) fail(ErrorKind::Conflict, "the default network {} cannot be removed", d.name);
    Store store(ctx);
    std::vector<std::string> users;
    {
        FileLock lock = store.lock_shared();
        users = containers_on_network(store, d.name);
    }
    if (!users.empty() && !force) {
        std::string names;
        for (auto& id : users) names += (names.empty() ? "" : ", ") + store.load(id).config.name;
        fail(ErrorKind::Conflict, "network {} is used by {}: remove {} first or use --force", d.name, names,
             users.size() == 1 ? "it" : "them");
    }
    for (auto& id : users) remove_container(ctx, id, true, 0);
    FileLock lock = store.lock();
    if (!containers_on_network(store, d.name).empty())
        fail(ErrorKind::Conflict, "network {} got a new container while being removed", d.name);
    ns.remove(d.name);
}

std::vector<std::string> prune_networks(const Context& ctx) {
    Store store(ctx);
    FileLock lock = store.lock();
    std::vector<std::string> out;
    NetworkStore ns(ctx);
    for (auto& d : ns.list()) {
        if (d.name == kDefaultNetwork || !containers_on_network(store, d.name).empty()) continue;
        ns.remove(d.name);
        out.push_back(d.name);
    }
    return out;
}

}  // namespace conman
