// Recording events from the engine: one call per operation, into the log
// under the store's root (events.hpp).
#include "conman/container.hpp"
#include "conman/context.hpp"
#include "conman/events.hpp"

namespace conman {

void emit(const Context& ctx, const ContainerConfig& c, const std::string& status,
          std::optional<int> exit_code) noexcept {
    try {
        Event e = container_event(status, c.id, c.name, c.image, c.labels);
        e.exit_code = exit_code;
        append_event(events_log_path(ctx.root), e);
    } catch (...) {
    }
}

void emit_image(const Context& ctx, const std::string& status, const std::string& id,
                const std::string& name) noexcept {
    try {
        Event e = container_event(status, id, name, "", {});
        e.type = "image";
        append_event(events_log_path(ctx.root), e);
    } catch (...) {
    }
}

}  // namespace conman
