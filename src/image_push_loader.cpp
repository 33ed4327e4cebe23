// The engine's side of push (image_push.hpp): destination parsing, and
// push_image, which runs the push inside the image module.
#include <array>

#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/image_module.hpp"
#include "conman/image_push.hpp"

namespace conman {

std::string push_destination_ref(const std::string& destination) {
    constexpr std::string_view docker = "docker://";
    if (destination.compare(0, docker.size(), docker) == 0) {
        std::string rest = destination.substr(docker.size());
        if (rest.empty()) fail(ErrorKind::Usage, "invalid destination \"{}\": no image reference after docker://", destination);
        return rest;
    }
    // Other transports podman knows: a prefix before the first ":" that is
    // one of these names (a registry's host:port never is).
    static constexpr std::array<std::string_view, 9> others = {
        "containers-storage", "dir", "docker-archive", "docker-daemon", "oci",
        "oci-archive", "ostree", "sif", "tarball"};
    auto colon = destination.find(':');
    if (colon != std::string::npos) {
        std::string_view t(destination.data(), colon);
        for (auto o : others)
            if (t == o)
                fail(ErrorKind::Usage, "destination \"{}\": the {} transport is not supported: conman pushes to registries (docker://)",
                     destination, o);
    }
    return destination;
}

PushResult push_image(const Context& ctx, const std::string& image, const std::string& destination,
                      const PushOptions& o) {
    PushResult r = image_module_call<PushResult>(ctx, "conman_image_push_v1", PushRequest{image, destination, o});
    emit_image(ctx, "push", "", r.destination);
    return r;
}

}  // namespace conman
