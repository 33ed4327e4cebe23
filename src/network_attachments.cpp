// Attachments of containers to CNI networks: see network_attachments.hpp.
#include "network_attachments.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <set>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/network.hpp"
#include "conman/slirp.hpp"
#include "network_internal.hpp"

namespace conman::net {

namespace {

constexpr int kNetLockTimeoutMs = 60000;

json to_json(const Attachment& a) {
    return {{"network", a.network}, {"ifname", a.ifname}, {"conflist", a.conflist}, {"runtime_config", a.runtime_config},
            {"result", a.result}, {"ip", a.ip}, {"prefix", a.prefix}, {"gateway", a.gateway}, {"mac", a.mac}};
}

Attachment attachment_from(const json& j) {
    Attachment a;
    a.network = j.value("network", "");
    a.ifname = j.value("ifname", "");
    a.conflist = j.value("conflist", json::object());
    a.runtime_config = j.value("runtime_config", json::object());
    a.result = j.value("result", json());
    a.ip = j.value("ip", "");
    a.prefix = j.value("prefix", 0);
    a.gateway = j.value("gateway", "");
    a.mac = j.value("mac", "");
    return a;
}

std::optional<NetState> load_state_file(const std::string& path) {
    auto text = read_file_if_exists(path);
    if (!text) return std::nullopt;
    json j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return std::nullopt;
    NetState s;
    s.id = j.value("id", "");
    s.name = j.value("name", "");
    s.hostname = j.value("hostname", "");
    s.netns = j.value("netns", "");
    s.hosts_path = j.value("hosts_path", "");
    s.hosts_base = j.value("hosts_base", "");
    for (auto& a : j.value("attachments", json::array())) s.attachments.push_back(attachment_from(a));
    return s;
}

bool is_user_network(const std::string& n) { return n != kDefaultNetwork; }

void parse_result(const json& result, const std::string& netns, Attachment& a) {
    if (!result.is_object()) return;
    auto ifaces = result.value("interfaces", json::array());
    for (auto& ipj : result.value("ips", json::array())) {
        std::string addr = ipj.value("address", "");
        auto slash = addr.find('/');
        if (addr.empty() || slash == std::string::npos || addr.find(':') != std::string::npos) continue;
        a.ip = addr.substr(0, slash);
        a.prefix = std::atoi(addr.c_str() + slash + 1);
        a.gateway = ipj.value("gateway", "");
        if (ipj.contains("interface") && ipj["interface"].is_number_integer()) {
            size_t i = ipj["interface"].get<size_t>();
            if (i < ifaces.size()) a.mac = ifaces[i].value("mac", "");
        }
        break;
    }
    if (a.mac.empty()) {
        for (auto& i : ifaces)
            if (i.value("sandbox", "") == netns && i.value("name", "") == a.ifname) a.mac = i.value("mac", "");
    }
}

CniCall call_for(const std::string& id, const std::string& netns, const Attachment& a) {
    return {id, netns, a.ifname, a.runtime_config};
}

}  // namespace

std::string netns_dir(const Context& ctx) { return ctx.runroot + "/netns"; }
std::string netns_path(const Context& ctx, const std::string& id) { return netns_dir(ctx) + "/" + id; }
std::string state_path(const Context& ctx, const std::string& id) { return netns_dir(ctx) + "/" + id + ".json"; }
std::string slirp_dir(const Context& ctx, const std::string& id) { return netns_dir(ctx) + "/" + id + ".slirp"; }


void save_state(const Context& ctx, const NetState& s) {
    json atts = json::array();
    for (auto& a : s.attachments) atts.push_back(to_json(a));
    json j = {{"id", s.id}, {"name", s.name}, {"hostname", s.hostname}, {"netns", s.netns},
              {"hosts_path", s.hosts_path}, {"hosts_base", s.hosts_base}, {"attachments", atts}};
    atomic_write(state_path(ctx, s.id), j.dump(), 0600, false);
}

std::optional<NetState> load_state(const Context& ctx, const std::string& id) { return load_state_file(state_path(ctx, id)); }

std::vector<NetState> all_states(const Context& ctx) {
    std::vector<NetState> out;
    for (auto& f : list_dir(netns_dir(ctx))) {
        if (f.size() < 6 || f.substr(f.size() - 5) != ".json") continue;
        if (auto s = load_state_file(netns_dir(ctx) + "/" + f)) out.push_back(std::move(*s));
    }
    return out;
}

FileLock net_lock(const Context& ctx) {
    mkdir_p(netns_dir(ctx), 0700);
    return FileLock(netns_dir(ctx) + "/lock", FileLock::Mode::Exclusive, kNetLockTimeoutMs);
}

void write_in_place(const std::string& path, const std::string& content) {
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) return;  // the container is gone
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = ::pwrite(fd.get(), content.data() + off, content.size() - off, static_cast<off_t>(off));
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        off += static_cast<size_t>(n);
    }
    (void)::ftruncate(fd.get(), static_cast<off_t>(content.size()));
}

std::string peer_lines(const NetState& s, const std::vector<NetState>& all) {
    std::set<std::string> mine;
    for (auto& a : s.attachments)
        if (is_user_network(a.network)) mine.insert(a.network);
    std::string out;
    for (auto& p : all) {
        if (p.id == s.id) continue;
        for (auto& a : p.attachments) {
            if (!mine.count(a.network) || a.ip.empty()) continue;
            out += a.ip + "\t" + p.name;
            if (!p.hostname.empty() && p.hostname != p.name) out += " " + p.hostname;
            out += "\n";
            break;
        }
    }
    return out;
}

void refresh_hosts(const Context& ctx, const NetState& changed) {
    std::set<std::string> nets;
    for (auto& a : changed.attachments)
        if (is_user_network(a.network)) nets.insert(a.network);
    if (nets.empty()) return;
    auto all = all_states(ctx);
    for (auto& s : all) {
        bool shares = std::any_of(s.attachments.begin(), s.attachments.end(),
                                  [&](const Attachment& a) { return nets.count(a.network) > 0; });
        if (!shares || s.hosts_path.empty()) continue;
        write_in_place(s.hosts_path, s.hosts_base + peer_lines(s, all));
    }
}

void attach(const Context& ctx, NetState& st, const std::string& network, const std::string& ifname, json rc) {
    Attachment pending;
    pending.network = network;
    pending.ifname = ifname;
    pending.runtime_config = std::move(rc);
    CniCall call = call_for(st.id, st.netns, pending);
    pending.conflist = effective_conflist(NetworkStore(ctx).conflist(network), call);
    st.attachments.push_back(pending);
    save_state(ctx, st);
    Attachment& a = st.attachments.back();
    try {
        a.result = cni_add(a.conflist, call);
        parse_result(a.result, st.netns, a);
    } catch (const Error& e) {
        detach(st.id, st.netns, a);
        st.attachments.pop_back();
        save_state(ctx, st);
        throw e.prefixed(fmt::format("attaching container {} to network {}", st.id.substr(0, 12), network));
    }
    save_state(ctx, st);
}

void detach(const std::string& id, const std::string& netns, const Attachment& a) {
    try {
        cni_del(a.conflist, call_for(id, netns, a), a.result);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "conman: warning: container %s: %s\n", id.substr(0, 12).c_str(), e.what());
    }
}

void teardown_locked(const Context& ctx, const std::string& id) {
    std::string ns = netns_path(ctx, id);
    std::string slirp = slirp_dir(ctx, id);
    if (path_exists(slirp)) {
        slirp_stop(slirp);
        try {
            remove_all(slirp);
        } catch (const std::exception&) {
        }
    }
    auto st = load_state(ctx, id);
    if (st) {
        for (auto it = st->attachments.rbegin(); it != st->attachments.rend(); ++it) detach(id, ns, *it);
    }
    try {
        remove_netns(ns);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "conman: warning: %s\n", e.what());
    }
    ::unlink(state_path(ctx, id).c_str());
    if (st) refresh_hosts(ctx, *st);
}

}  // namespace conman::net
