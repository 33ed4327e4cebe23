#include "conman/rootfs.hpp"

#include <algorithm>

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sstream>
#include <sys/syscall.h>
#include <unistd.h>

#include "conman/error.hpp"

namespace conman {

UniqueFd open_in_root(const std::string& root, const std::string& path, int flags) {
    UniqueFd dir(::open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir) return UniqueFd();
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    std::string rel = path;
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    long fd;
    do {
        fd = ::syscall(SYS_openat2, dir.get(), rel.c_str(), &how, sizeof how);
    } while (fd < 0 && errno == EINTR);
    return UniqueFd(static_cast<int>(fd));
}

std::optional<std::string> read_in_root(const std::string& root, const std::string& path) {
    UniqueFd fd = open_in_root(root, path, O_RDONLY);
    if (!fd) return std::nullopt;
    return read_all(fd.get());
}

namespace {

bool all_digits(const std::string& s) {
    return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string cur;
    std::istringstream in(s);
    while (std::getline(in, cur, sep)) out.push_back(cur);
    return out;
}

// Finds the line of a passwd/group file whose field `key_field` matches.
std::optional<std::vector<std::string>> find_entry(const std::optional<std::string>& file, const std::string& key,
                                                   size_t key_field) {
    if (!file) return std::nullopt;
    for (auto& line : split(*file, '\n')) {
        if (line.empty() || line[0] == '#') continue;
        auto f = split(line, ':');
        if (f.size() > key_field && f[key_field] == key) return f;
    }
    return std::nullopt;
}

}  // namespace

ResolvedUser resolve_user(const std::string& root, const std::string& spec) {
    ResolvedUser u;
    if (spec.empty()) return u;
    std::string user = spec, group;
    if (auto pos = spec.find(':'); pos != std::string::npos) {
        user = spec.substr(0, pos);
        group = spec.substr(pos + 1);
    }
    auto passwd = read_in_root(root, "/etc/passwd");
    if (all_digits(user)) {
        u.uid = static_cast<uint32_t>(std::stoul(user));
        if (auto e = find_entry(passwd, user, 2); e && e->size() > 3 && all_digits((*e)[3])) {
            u.gid = static_cast<uint32_t>(std::stoul((*e)[3]));
            if (e->size() > 5) u.home = (*e)[5];
        }
    } else {
        auto e = find_entry(passwd, user, 0);
        if (!e || e->size() < 4 || !all_digits((*e)[2]) || !all_digits((*e)[3]))
            fail(ErrorKind::Usage, "unable to find user {}: no matching entries in passwd file", user);
        u.uid = static_cast<uint32_t>(std::stoul((*e)[2]));
        u.gid = static_cast<uint32_t>(std::stoul((*e)[3]));
        if (e->size() > 5) u.home = (*e)[5];
    }
    if (!group.empty()) u.gid = resolve_group(root, group);
    // Supplementary groups: the groups whose member list names the user.
    std::string name = user;
    if (all_digits(user)) {
        auto e = find_entry(passwd, user, 2);
        name = e && !e->empty() ? (*e)[0] : "";
    }
    if (!name.empty() && group.empty()) {
        auto groups = read_in_root(root, "/etc/group").value_or("");
        for (auto& line : split(groups, '\n')) {
            auto f = split(line, ':');
            if (f.size() < 4 || !all_digits(f[2])) continue;
            auto gid = static_cast<uint32_t>(std::stoul(f[2]));
            for (auto& m : split(f[3], ','))
                if (m == name && gid != u.gid &&
                    std::find(u.additional_gids.begin(), u.additional_gids.end(), gid) == u.additional_gids.end())
                    u.additional_gids.push_back(gid);
        }
    }
    return u;
}

uint32_t resolve_group(const std::string& root, const std::string& group) {
    if (all_digits(group)) return static_cast<uint32_t>(std::stoul(group));
    auto e = find_entry(read_in_root(root, "/etc/group"), group, 0);
    if (!e || e->size() < 3 || !all_digits((*e)[2]))
        fail(ErrorKind::Usage, "unable to find group {}: no matching entries in group file", group);
    return static_cast<uint32_t>(std::stoul((*e)[2]));
}

}  // namespace conman
