// The engine's side of pulling: --pull policies, and pull_image, which runs
// the pull inside the image module (image_module.hpp).
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/image_module.hpp"
#include "conman/image_pull.hpp"
#include "conman/image_ref.hpp"

namespace conman {

ImageRecord pull_image(const Context& ctx, const std::string& input, const PullOptions& o) {
    ImageRecord r = image_module_call<ImageRecord>(ctx, "conman_image_pull_v1", PullRequest{input, o});
    emit_image(ctx, "pull", r.id, input);
    return r;
}

PullPolicy parse_pull_policy(const std::string& s) {
    if (s == "missing" || s == "ifmissing" || s == "ifnotpresent") return PullPolicy::Missing;
    if (s == "always" || s == "true") return PullPolicy::Always;
    if (s == "never" || s == "false") return PullPolicy::Never;
    if (s == "newer" || s == "ifnewer") return PullPolicy::Newer;
    fail(ErrorKind::Usage, "invalid --pull policy \"{}\": use missing, always, never or newer", s);
}

ImageRecord ensure_image(const Context& ctx, const std::string& ref, PullPolicy policy, const PullOptions& o) {
    ImageStore store(ctx);
    auto local = store.find(ref);
    if (policy == PullPolicy::Never) {
        if (!local) fail(ErrorKind::NotFound, "{}: image not known locally and --pull=never", ref);
        return *local;
    }
    if (local && policy == PullPolicy::Missing) return *local;
    if (local && policy == PullPolicy::Newer && looks_like_image_id(ref)) return *local;
    try {
        return pull_image(ctx, ref, o);
    } catch (const Error&) {
        if (local && policy == PullPolicy::Newer) return *local;  // registry unreachable: keep ours
        throw;
    }
}

}  // namespace conman
