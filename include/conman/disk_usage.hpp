// `conman system df`: what images and containers take on disk.
//   Images: layers are counted once however many images share them; an image
//   is active when a container (in any state) uses it; reclaimable is what
//   removing every inactive image would free.
//   Containers: a container's size is what it wrote (its overlay upper dir;
//   the whole copy for vfs; 0 for --rootfs, whose directory is the user's);
//   active means running; reclaimable is the size of the others.
// Sizes are apparent bytes of everything but directories, hardlinks once.
#pragma once
#include <cstdint>
#include <vector>

#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/image_store.hpp"

namespace conman {

struct ImageUsage {
    ImageRecord record;
    int64_t size = 0, shared = 0, unique = 0;  // shared: in layers other images use too
    int containers = 0;
};

struct ContainerUsage {
    Container container;
    int64_t size = 0;
};

// Volumes: links are the containers (any state) that mount one; it is
// active when it has any; reclaimable is the size of the others.
struct VolumeUsage {
    std::string name;
    int links = 0;
    int64_t size = 0;
};

struct DiskUsage {
    std::vector<ImageUsage> images;          // newest first
    std::vector<ContainerUsage> containers;  // newest first
    int images_active = 0, containers_active = 0;
    int64_t images_size = 0, images_reclaimable = 0;
    int64_t containers_size = 0, containers_reclaimable = 0;
    std::vector<VolumeUsage> volumes;  // by name
    int volumes_active = 0;
    int64_t volumes_size = 0, volumes_reclaimable = 0;
};

DiskUsage disk_usage(const Context& ctx);

}  // namespace conman
