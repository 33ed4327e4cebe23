// --userns modes (userns.hpp): parsing the flag and computing the container's
// own user namespace mappings inside the namespace conman runs in.
#include <charconv>

#include "conman/error.hpp"
#include "conman/userns.hpp"

namespace conman {

namespace {

uint32_t parse_id(const std::string& value, const std::string& text) {
    uint32_t v = 0;
    auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || text.empty())
        fail(ErrorKind::Usage, "invalid --userns {}: {:?} is not a number", value, text);
    return v;
}

// keep-id: container id `id` is namespace id 0 (the user); container ids
// below it take 1..id, those above keep their numbers, up to what is mapped.
std::vector<IdMapping> keep_id_map(const std::string& value, uint32_t id, uint64_t mapped, const char* kind) {
    if (mapped < 2)
        fail(ErrorKind::Usage, "--userns {}: keep-id needs /etc/sub{} ranges for the user (only one id is mapped)", value,
             kind);
    if (id >= mapped)
        fail(ErrorKind::Usage,
             "--userns {}: {} {} needs {} mapped ids, this user's namespace has {} (give the user a larger /etc/sub{} "
             "range)",
             value, kind, id, static_cast<uint64_t>(id) + 1, mapped, kind);
    std::vector<IdMapping> m;
    if (id > 0) m.push_back({0, 1, id});
    m.push_back({id, 0, 1});
    if (mapped - 1 > id) m.push_back({id + 1, id + 1, static_cast<uint32_t>(mapped - 1 - id)});
    return m;
}

}  // namespace

UsernsConfig resolve_userns(const std::string& value, bool rootless, uint64_t ns_uids, uint64_t ns_gids) {
    UsernsConfig u;
    if (value.empty() || value == "host") {
        u.mode = value;
        return u;
    }
    std::string mode = value.substr(0, value.find(':'));
    if (mode != "keep-id")
        fail(ErrorKind::Usage, "invalid --userns {}: use host or keep-id[:uid=N,gid=N]", value);
    if (!rootless) fail(ErrorKind::Usage, "--userns {}: keep-id is for rootless conman only", value);
    u.mode = mode;
    const HostIdentity& me = host_identity();
    u.keep_uid = me.uid;
    u.keep_gid = me.gid;
    if (auto colon = value.find(':'); colon != std::string::npos) {
        std::string opts = value.substr(colon + 1);
        size_t start = 0;
        while (start <= opts.size()) {
            size_t end = opts.find(',', start);
            if (end == std::string::npos) end = opts.size();
            std::string kv = opts.substr(start, end - start);
            start = end + 1;
            if (kv.rfind("uid=", 0) == 0) u.keep_uid = parse_id(value, kv.substr(4));
            else if (kv.rfind("gid=", 0) == 0) u.keep_gid = parse_id(value, kv.substr(4));
            else fail(ErrorKind::Usage, "invalid --userns {}: unknown option {:?} (uid=N or gid=N)", value, kv);
        }
    }
    u.uid_map = keep_id_map(value, u.keep_uid, ns_uids, "uid");
    u.gid_map = keep_id_map(value, u.keep_gid, ns_gids, "gid");
    return u;
}

}  // namespace conman
