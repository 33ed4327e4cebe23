// Disk usage for `system df`: see disk_usage.hpp. Reads only: the store's
// shared lock while records load, nothing held while trees are measured.
#include "conman/disk_usage.hpp"

#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <set>

#include "conman/container_path.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/store.hpp"
#include "conman/volume.hpp"

namespace conman {

namespace {

void tree_size(int dirfd, std::set<std::pair<dev_t, ino_t>>& seen, int64_t& total) {
    std::vector<std::string> names;
    try {
        names = dir_names(dirfd, "");
    } catch (const Error&) {
        return;  // vanished or unreadable: counts as nothing
    }
    for (auto& n : names) {
        struct stat st;
        if (::fstatat(dirfd, n.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) continue;
        if (S_ISDIR(st.st_mode)) {
            UniqueFd d(::openat(dirfd, n.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            if (d) tree_size(d.get(), seen, total);
            continue;
        }
        if (st.st_nlink > 1 && !seen.insert({st.st_dev, st.st_ino}).second) continue;
        total += st.st_size;
    }
}

int64_t dir_size(const std::string& path) {
    UniqueFd d(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!d) return 0;
    std::set<std::pair<dev_t, ino_t>> seen;
    int64_t total = 0;
    tree_size(d.get(), seen, total);
    return total;
}

int64_t container_size(const Store& store, const Container& c) {
    if (c.config.image_id.empty()) return 0;
    std::string dir = store.dir(c.config.id);
    if (read_file_if_exists(dir + "/driver").value_or("overlay") == "vfs") return dir_size(dir + "/merged");
    return dir_size(dir + "/upper");
}

}  // namespace

DiskUsage disk_usage(const Context& ctx) {
    DiskUsage du;
    ImageStore images(ctx);
    Store store(ctx);
    std::vector<Container> containers;
    std::vector<VolumeRecord> volumes;
    {
        FileLock lock = store.lock_shared();
        containers = store.load_all();
        volumes = VolumeStore(ctx).all();
    }
    std::map<std::string, int> users;  // image ID -> containers
    for (auto& c : containers) {
        if (!c.config.image_id.empty()) ++users[c.config.image_id];
    }
    auto records = images.list();
    std::map<std::string, int64_t> layer_size;
    std::map<std::string, int> layer_images;  // chain ID -> images holding it
    std::set<std::string> active_layers;
    for (auto& r : records) {
        for (auto& chain : std::set<std::string>(r.chain_ids.begin(), r.chain_ids.end())) {
            if (!layer_size.count(chain)) {
                auto s = read_file_if_exists(images.layer_dir(chain) + "/size");
                layer_size[chain] = s ? std::atoll(s->c_str()) : 0;
            }
            ++layer_images[chain];
            if (users.count(r.id)) active_layers.insert(chain);
        }
    }
    for (auto& r : records) {
        ImageUsage u;
        u.record = r;
        u.containers = users.count(r.id) ? users[r.id] : 0;
        for (auto& chain : std::set<std::string>(r.chain_ids.begin(), r.chain_ids.end())) {
            u.size += layer_size[chain];
            if (layer_images[chain] > 1) u.shared += layer_size[chain];
        }
        u.unique = u.size - u.shared;
        if (u.containers) ++du.images_active;
        du.images.push_back(std::move(u));
    }
    for (auto& [chain, size] : layer_size) {
        du.images_size += size;
        if (!active_layers.count(chain)) du.images_reclaimable += size;
    }
    for (auto& c : containers) {
        if (c.state.status == "unknown") continue;
        ContainerUsage u{c, container_size(store, c)};
        du.containers_size += u.size;
        if (c.running()) ++du.containers_active;
        else du.containers_reclaimable += u.size;
        du.containers.push_back(std::move(u));
    }
    for (auto& v : volumes) {
        VolumeUsage u{v.name, 0, dir_size(VolumeStore(ctx).mountpoint(v.name))};
        for (auto& c : containers)
            for (auto& m : c.config.volumes.mounts)
                if (m.type == "volume" && m.name == v.name) {
                    ++u.links;
                    break;
                }
        du.volumes_size += u.size;
        if (u.links) ++du.volumes_active;
        else du.volumes_reclaimable += u.size;
        du.volumes.push_back(std::move(u));
    }
    return du;
}

}  // namespace conman
