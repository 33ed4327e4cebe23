#include "conman/container_rootfs.hpp"

#include <cstdlib>
#include <sys/stat.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_store.hpp"
#include "conman/storage.hpp"

namespace conman {

std::string storage_driver(const Context& ctx) {
    if (!ctx.storage_driver.empty()) return ctx.storage_driver;  // checked by make_context
    ImageStore store(ctx);
    return overlay_supported(store.tmp_dir()) ? "overlay" : "vfs";
}

bool is_mount_point(const std::string& path) {
    struct stat a, b;
    if (::stat(path.c_str(), &a) < 0 || ::stat((path + "/..").c_str(), &b) < 0) return false;
    return a.st_dev != b.st_dev || a.st_ino == b.st_ino;
}

void prepare_rootfs(const Context& ctx, const ContainerConfig& cfg) {
    if (cfg.image_id.empty()) return;
    std::string dir = dirname_of(cfg.rootfs);
    ImageStore store(ctx);
    auto img = store.by_id(cfg.image_id);
    if (!img) fail(ErrorKind::NotFound, "container {}: its image {} is gone", cfg.name, cfg.image_id.substr(0, 12));
    std::vector<std::string> layers;  // bottom first
    for (auto& c : img->chain_ids) {
        if (!store.has_layer(c)) fail(ErrorKind::NotFound, "image {}: layer {} is missing", cfg.image_id.substr(0, 12), c);
        layers.push_back(store.layer_diff(c));
    }
    std::string driver = read_file_if_exists(dir + "/driver").value_or("");
    if (driver.empty()) {
        driver = storage_driver(ctx);
        atomic_write(dir + "/driver", driver, 0600, false);
    }
    mkdir_p(cfg.rootfs, 0755);
    if (driver == "vfs") {
        if (!path_exists(dir + "/vfs-done")) {
            remove_all(cfg.rootfs);
            vfs_create(layers, cfg.rootfs);
            atomic_write(dir + "/vfs-done", "", 0600, false);
        }
        return;
    }
    if (is_mount_point(cfg.rootfs)) return;
    std::vector<std::string> top_first(layers.rbegin(), layers.rend());
    mount_overlay(top_first, dir + "/upper", dir + "/work", cfg.rootfs, store.links_dir());
}

void release_rootfs(const std::string& container_dir) {
    std::string merged = container_dir + "/merged";
    if (path_exists(merged) && is_mount_point(merged)) unmount(merged);
}

}  // namespace conman
