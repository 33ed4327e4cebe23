// The mount flags of create/run (-v, --mount, --tmpfs, --volumes-from)
// parsed into MountRequests, the OCI options they turn into, the spec
// entries, and the inspect views of a container's mounts.
#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/volume.hpp"

namespace conman {

using nlohmann::json;

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = s.find(sep, start);
        out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) return out;
        start = end + 1;
    }
}

const std::set<std::string> kPropagations = {"private", "rprivate", "shared", "rshared",
                                             "slave",   "rslave",   "unbindable", "runbindable"};
const std::set<std::string> kFlagOptions = {"noexec", "exec", "nosuid", "suid", "nodev", "dev"};

bool is_host_path(const std::string& s) {
    return !s.empty() && (s[0] == '/' || s == "." || s == ".." || s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0);
}

// The pair a flag option belongs to: noexec and exec are the same setting.
std::string flag_key(const std::string& o) { return o.rfind("no", 0) == 0 ? o.substr(2) : o; }

void add_flag_option(MountRequest& r, const std::string& o, const std::string& shown) {
    for (auto& f : r.flags)
        if (flag_key(f) == flag_key(o)) fail(ErrorKind::Usage, "{}: option {} is given twice (as {} and {})", shown, flag_key(o), f, o);
    r.flags.push_back(o);
}

// Options of -v: ro|rw, z|Z, [no]copy, [r]bind, propagation, U, [no]exec, [no]suid, [no]dev.
void apply_volume_options(MountRequest& r, const std::string& opts, const std::string& shown) {
    bool rw_seen = false, label_seen = false, bind_seen = false, copy_seen = false;
    for (auto& o : split(opts, ',')) {
        if (o == "ro" || o == "rw") {
            if (rw_seen) fail(ErrorKind::Usage, "{}: ro and rw may be given only once", shown);
            rw_seen = true;
            r.read_only = o == "ro";
        } else if (o == "z" || o == "Z") {
            if (label_seen) fail(ErrorKind::Usage, "{}: z and Z may be given only once", shown);
            label_seen = true;  // SELinux relabeling: nothing to do without SELinux
        } else if (o == "copy" || o == "nocopy") {
            if (copy_seen) fail(ErrorKind::Usage, "{}: copy and nocopy may be given only once", shown);
            copy_seen = true;
            r.copy_up = o == "copy";
        } else if (o == "bind" || o == "rbind") {
            if (bind_seen) fail(ErrorKind::Usage, "{}: bind and rbind may be given only once", shown);
            bind_seen = true;
            r.recursive = o == "rbind";
        } else if (kPropagations.count(o)) {
            if (!r.propagation.empty()) fail(ErrorKind::Usage, "{}: only one propagation mode may be given", shown);
            r.propagation = o;
        } else if (o == "U") {
            r.chown = true;
        } else if (kFlagOptions.count(o)) {
            add_flag_option(r, o, shown);
        } else if (o == "O" || o == "idmap" || o.rfind("idmap=", 0) == 0) {
            fail(ErrorKind::Usage, "{}: option {} is not supported", shown, o);
        } else {
            fail(ErrorKind::Usage, "{}: unknown option \"{}\"", shown, o);
        }
    }
}

bool parse_bool(const std::string& v, const std::string& key, const std::string& shown) {
    if (v.empty() || v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    fail(ErrorKind::Usage, "{}: {} must be true or false, not \"{}\"", shown, key, v);
}

void check_size(const std::string& v, const std::string& shown) {
    size_t digits = 0;
    while (digits < v.size() && std::isdigit(static_cast<unsigned char>(v[digits]))) ++digits;
    std::string unit = v.substr(digits);
    static const std::set<std::string> units = {"", "k", "K", "m", "M", "g", "G", "%", "b", "kb", "mb", "gb"};
    if (digits == 0 || !units.count(unit)) fail(ErrorKind::Usage, "{}: invalid size \"{}\"", shown, v);
}

void check_mode(const std::string& v, const std::string& shown) {
    if (v.empty() || v.size() > 4 || v.find_first_not_of("01234567") != std::string::npos)
        fail(ErrorKind::Usage, "{}: invalid mode \"{}\": an octal number is expected", shown, v);
}

// Default flags of a bind source: the flags of the file system it is on
// (a user namespace may not clear them, and podman carries them over).
void carry_source_flags(std::vector<std::string>& out, const std::vector<std::string>& given, const std::string& src) {
    struct statvfs sv;
    if (src.empty() || ::statvfs(src.c_str(), &sv) < 0) return;
    auto given_key = [&](const char* k) {
        return std::any_of(given.begin(), given.end(), [&](const std::string& f) { return flag_key(f) == k; });
    };
    if ((sv.f_flag & ST_NOSUID) && !given_key("suid")) out.push_back("nosuid");
    if ((sv.f_flag & ST_NODEV) && !given_key("dev")) out.push_back("nodev");
    if ((sv.f_flag & ST_NOEXEC) && !given_key("exec")) out.push_back("noexec");
}

bool has_option(const std::vector<std::string>& v, const std::string& o) {
    return std::find(v.begin(), v.end(), o) != v.end();
}

}  // namespace

std::string clean_container_path(const std::string& p, const std::string& what) {
    if (p.empty() || p[0] != '/') fail(ErrorKind::Usage, "{}: the container path \"{}\" must be absolute", what, p);
    std::vector<std::string> parts;
    for (auto& c : split(p, '/')) {
        if (c.empty() || c == ".") continue;
        if (c == "..") {
            if (!parts.empty()) parts.pop_back();
            continue;
        }
        parts.push_back(c);
    }
    std::string out;
    for (auto& c : parts) out += "/" + c;
    if (out.empty()) fail(ErrorKind::Usage, "{}: cannot mount over the container's root directory", what);
    return out;
}

MountRequest parse_volume_flag(const std::string& spec) {
    std::string shown = fmt::format("invalid volume \"{}\"", spec);
    if (spec.empty()) fail(ErrorKind::Usage, "{}: it is empty", shown);
    auto parts = split(spec, ':');
    if (parts.size() > 3) fail(ErrorKind::Usage, "{}: expected [SOURCE:]DESTINATION[:OPTIONS]", shown);
    for (auto& p : parts)
        if (p.empty()) fail(ErrorKind::Usage, "{}: expected [SOURCE:]DESTINATION[:OPTIONS] without empty fields", shown);
    MountRequest r;
    std::string src, dst, opts;
    if (parts.size() == 1) {
        dst = parts[0];
    } else if (parts.size() == 2) {
        // "/ctr:ro" is an anonymous volume with options; "src:/ctr" has a source.
        if (parts[1].empty() || parts[1][0] != '/') {
            if (!parts[0].empty() && parts[0][0] == '/') {
                dst = parts[0];
                opts = parts[1];
            } else {
                src = parts[0];
                dst = parts[1];  // relative: refused below, naming it
            }
        } else {
            src = parts[0];
            dst = parts[1];
        }
    } else {
        src = parts[0];
        dst = parts[1];
        opts = parts[2];
    }
    r.destination = clean_container_path(dst, shown);
    if (is_host_path(src)) {
        r.type = "bind";
        r.source = absolute_path(src);
    } else {
        r.type = "volume";
        if (!src.empty() && !valid_volume_name(src))
            fail(ErrorKind::Usage, "{}: \"{}\" is neither an absolute host path nor a valid volume name "
                                   "([a-zA-Z0-9][a-zA-Z0-9_.-]*)", shown, src);
        r.source = src;
    }
    if (!opts.empty()) apply_volume_options(r, opts, shown);
    return r;
}

MountRequest parse_mount_flag(const std::string& spec) {
    std::string shown = fmt::format("invalid --mount \"{}\"", spec);
    MountRequest r;
    std::string src, dst;
    bool have_dst = false, have_src = false;
    std::vector<std::pair<std::string, std::string>> kv;
    for (auto& field : split(spec, ',')) {
        if (field.empty()) continue;
        auto eq = field.find('=');
        kv.emplace_back(field.substr(0, eq), eq == std::string::npos ? "" : field.substr(eq + 1));
        if (kv.back().first == "type") r.type = kv.back().second;
    }
    if (r.type.empty()) fail(ErrorKind::Usage, "{}: type= is required (bind, volume or tmpfs)", shown);
    if (r.type != "bind" && r.type != "volume" && r.type != "tmpfs")
        fail(ErrorKind::Usage, "{}: unsupported type \"{}\" (bind, volume or tmpfs)", shown, r.type);
    bool is_tmpfs = r.type == "tmpfs";
    auto only_for = [&](const std::string& key, bool ok) {
        if (!ok) fail(ErrorKind::Usage, "{}: {} does not apply to type={}", shown, key, r.type);
    };
    for (auto& [k, v] : kv) {
        if (k == "type") continue;
        if (k == "src" || k == "source") {
            only_for(k, !is_tmpfs);
            if (v.empty()) fail(ErrorKind::Usage, "{}: {} is empty", shown, k);
            src = v;
            have_src = true;
        } else if (k == "dst" || k == "destination" || k == "target") {
            dst = v;
            have_dst = true;
        } else if (k == "ro" || k == "readonly") {
            r.read_only = parse_bool(v, k, shown);
        } else if (k == "rw") {
            r.read_only = !parse_bool(v, k, shown);
        } else if (k == "bind-propagation") {
            only_for(k, r.type == "bind");
            if (!kPropagations.count(v)) fail(ErrorKind::Usage, "{}: invalid bind-propagation \"{}\"", shown, v);
            r.propagation = v;
        } else if (k == "bind-nonrecursive") {
            only_for(k, r.type == "bind");
            r.recursive = !parse_bool(v, k, shown);
        } else if (k == "relabel" || k == "z" || k == "Z") {
            only_for(k, !is_tmpfs);  // SELinux: nothing to do here
        } else if (k == "nocopy" || k == "volume-nocopy") {
            only_for(k, r.type == "volume");
            r.copy_up = !parse_bool(v, k, shown);
        } else if (k == "U" || k == "chown") {
            r.chown = parse_bool(v, k, shown);
        } else if (kFlagOptions.count(k) && v.empty()) {
            add_flag_option(r, k, shown);
        } else if (k == "tmpfs-size") {
            only_for(k, is_tmpfs);
            check_size(v, shown);
            r.tmpfs_options.push_back("size=" + v);
        } else if (k == "tmpfs-mode") {
            only_for(k, is_tmpfs);
            check_mode(v, shown);
            r.tmpfs_options.push_back("mode=" + v);
        } else if (k == "tmpcopyup" || k == "notmpcopyup") {
            only_for(k, is_tmpfs);
            r.tmpfs_options.push_back(k);
        } else {
            fail(ErrorKind::Usage, "{}: unknown option \"{}\"", shown, k);
        }
    }
    if (!have_dst) fail(ErrorKind::Usage, "{}: dst= (the path in the container) is required", shown);
    r.destination = clean_container_path(dst, shown);
    if (r.type == "bind") {
        if (!have_src) fail(ErrorKind::Usage, "{}: type=bind needs src=", shown);
        if (!is_host_path(src)) fail(ErrorKind::Usage, "{}: the bind source \"{}\" must be a host path", shown, src);
        r.source = absolute_path(src);
    } else if (r.type == "volume" && have_src) {
        if (!valid_volume_name(src))
            fail(ErrorKind::Usage, "{}: invalid volume name \"{}\" ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", shown, src);
        r.source = src;
    }
    return r;
}

MountRequest parse_tmpfs_flag(const std::string& spec) {
    std::string shown = fmt::format("invalid --tmpfs \"{}\"", spec);
    MountRequest r;
    r.type = "tmpfs";
    auto colon = spec.find(':');
    r.destination = clean_container_path(spec.substr(0, colon), shown);
    if (colon == std::string::npos) return r;
    for (auto& o : split(spec.substr(colon + 1), ',')) {
        if (o.empty()) continue;
        if (o == "ro" || o == "rw") {
            r.read_only = o == "ro";
        } else if (kFlagOptions.count(o)) {
            add_flag_option(r, o, shown);
        } else if (o.rfind("size=", 0) == 0) {
            check_size(o.substr(5), shown);
            r.tmpfs_options.push_back(o);
        } else if (o.rfind("mode=", 0) == 0) {
            check_mode(o.substr(5), shown);
            r.tmpfs_options.push_back(o);
        } else if (o.rfind("nr_inodes=", 0) == 0 || o.rfind("uid=", 0) == 0 || o.rfind("gid=", 0) == 0 ||
                   o == "tmpcopyup" || o == "notmpcopyup" || o == "noatime" || o == "relatime" ||
                   o == "strictatime" || o == "nodiratime") {
            r.tmpfs_options.push_back(o);
        } else if (o == "z" || o == "Z") {
            // SELinux labels: nothing to do
        } else {
            fail(ErrorKind::Usage, "{}: unknown option \"{}\"", shown, o);
        }
    }
    return r;
}

std::pair<std::string, std::string> parse_volumes_from(const std::string& spec) {
    auto parts = split(spec, ':');
    if (parts[0].empty() || parts.size() > 2)
        fail(ErrorKind::Usage, "invalid --volumes-from \"{}\": expected CONTAINER[:ro|rw]", spec);
    if (parts.size() == 1) return {parts[0], ""};
    std::string mode;
    for (auto& o : split(parts[1], ',')) {
        if (o == "ro" || o == "rw") {
            if (!mode.empty()) fail(ErrorKind::Usage, "invalid --volumes-from \"{}\": ro and rw may be given only once", spec);
            mode = o;
        } else if (o != "z" && o != "Z") {
            fail(ErrorKind::Usage, "invalid --volumes-from \"{}\": unknown option \"{}\" (ro, rw or z)", spec, o);
        }
    }
    return {parts[0], mode};
}

std::vector<MountRequest> parse_mount_requests(const VolumeFlags& f) {
    std::vector<MountRequest> out;
    for (auto& s : f.volume) out.push_back(parse_volume_flag(s));
    for (auto& s : f.mount) out.push_back(parse_mount_flag(s));
    for (auto& s : f.tmpfs) out.push_back(parse_tmpfs_flag(s));
    std::set<std::string> seen;
    for (auto& r : out)
        if (!seen.insert(r.destination).second)
            fail(ErrorKind::Usage, "{}: duplicate mount destination", r.destination);
    for (auto& s : f.volumes_from) parse_volumes_from(s);
    return out;
}

std::vector<std::string> mount_options(const MountRequest& r, const std::string& host_source) {
    std::vector<std::string> out;
    if (r.type == "tmpfs") {
        out.push_back(r.read_only ? "ro" : "rw");
        for (const char* k : {"exec", "suid", "dev"}) {
            bool given = false;
            for (auto& f : r.flags)
                if (flag_key(f) == k) {
                    out.push_back(f);
                    given = true;
                }
            if (!given) out.push_back(std::string("no") + k);
        }
        bool copy_given = false;
        for (auto& o : r.tmpfs_options) {
            if (o == "tmpcopyup" || o == "notmpcopyup") {
                copy_given = true;
                if (o == "notmpcopyup") continue;  // not a mount option: the absence of tmpcopyup
            }
            out.push_back(o);
        }
        if (!copy_given) out.push_back("tmpcopyup");  // podman: the image's files show through
        return out;
    }
    out.push_back(r.recursive ? "rbind" : "bind");
    out.push_back(r.read_only ? "ro" : "rw");
    out.push_back(r.propagation.empty() ? "rprivate" : r.propagation);
    for (auto& f : r.flags) out.push_back(f);
    if (r.type == "volume") {
        // podman's defaults for volumes: nosuid, nodev.
        for (const char* d : {"nosuid", "nodev"})
            if (!std::any_of(r.flags.begin(), r.flags.end(), [&](const std::string& f) { return flag_key(f) == flag_key(d); }))
                out.push_back(d);
    }
    std::vector<std::string> carried;
    carry_source_flags(carried, r.flags, host_source);
    for (auto& c : carried)
        if (!has_option(out, c)) out.push_back(c);
    return out;
}

json oci_mount(const MountConfig& m) {
    // "ro"/"rw" and plain flags are mount options; the runtime also reads
    // propagation and rbind from the same list.
    std::string type = m.type == "tmpfs" ? "tmpfs" : "bind";
    return {{"destination", m.destination}, {"type", type}, {"source", m.type == "tmpfs" ? "tmpfs" : m.source},
            {"options", m.options}};
}

namespace {
size_t depth(const std::string& p) { return static_cast<size_t>(std::count(p.begin(), p.end(), '/')); }
}  // namespace

void add_user_mounts(json& mounts, const std::vector<MountConfig>& user) {
    if (user.empty()) return;
    std::set<std::string> dests;
    for (auto& m : user) dests.insert(m.destination);
    json kept = json::array();
    for (auto& m : mounts)
        if (!dests.count(m.value("destination", ""))) kept.push_back(m);
    std::vector<const MountConfig*> order;
    for (auto& m : user) order.push_back(&m);
    std::stable_sort(order.begin(), order.end(),
                     [](const MountConfig* a, const MountConfig* b) { return depth(a->destination) < depth(b->destination); });
    for (auto* m : order) kept.push_back(oci_mount(*m));
    mounts = std::move(kept);
}

namespace {
bool is_ro(const MountConfig& m) { return has_option(m.options, "ro"); }
std::string propagation_of(const MountConfig& m) {
    for (auto& o : m.options)
        if (kPropagations.count(o)) return o;
    return "rprivate";
}
std::vector<std::string> plain_options(const MountConfig& m) {
    std::vector<std::string> out;
    for (auto& o : m.options)
        if (o != "ro" && o != "rw" && !kPropagations.count(o)) out.push_back(o);
    return out;
}
}  // namespace

json inspect_mounts(const ContainerConfig& c) {
    json out = json::array();
    for (auto& m : c.volumes.mounts) {
        if (m.type == "tmpfs") continue;
        json j = {{"Type", m.type}};
        if (m.type == "volume") j["Name"] = m.name;
        j["Source"] = m.source;
        j["Destination"] = m.destination;
        j["Driver"] = m.type == "volume" ? "local" : "";
        j["Mode"] = "";
        j["Options"] = plain_options(m);
        j["RW"] = !is_ro(m);
        j["Propagation"] = propagation_of(m);
        out.push_back(j);
    }
    return out;
}

std::vector<std::string> mount_destinations(const ContainerConfig& c) {
    std::vector<std::string> out;
    for (auto& m : c.volumes.mounts) out.push_back(m.destination);
    return out;
}

json inspect_binds(const ContainerConfig& c) {
    json out = json::array();
    for (auto& m : c.volumes.mounts) {
        if (m.type == "tmpfs") continue;
        std::string opts = is_ro(m) ? "ro" : "rw";
        opts += "," + propagation_of(m);
        for (auto& o : plain_options(m)) opts += "," + o;
        out.push_back(fmt::format("{}:{}:{}", m.type == "volume" ? m.name : m.source, m.destination, opts));
    }
    return out;
}

json inspect_tmpfs(const ContainerConfig& c) {
    json out = json::object();
    for (auto& m : c.volumes.mounts) {
        if (m.type != "tmpfs") continue;
        std::string opts;
        for (auto& o : m.options) opts += (opts.empty() ? "" : ",") + o;
        out[m.destination] = opts;
    }
    return out;
}

}  // namespace conman
