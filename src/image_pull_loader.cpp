// The engine's side of pulling: --pull policies and the loader of the image
// module. libcurl and libarchive (with some forty libraries behind them) live
// in libconman-image.so, opened with dlopen only when an image must be
// pulled, so every other command starts without loading them.
#include <dlfcn.h>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_pull.hpp"
#include "conman/image_ref.hpp"
#include "conman_config.h"

namespace conman {

namespace {

using PullFn = int (*)(const Context*, const std::string*, const PullOptions*, ImageRecord*, std::string*, int*);

std::string module_path(const Context& ctx) {
    if (const char* e = std::getenv("CONMAN_IMAGE_MODULE"); e && *e) return e;
    std::string next_to_us = dirname_of(ctx.self_exe) + "/libconman-image.so";
    if (path_exists(next_to_us)) return next_to_us;
    return std::string(CONMAN_LIBEXECDIR) + "/libconman-image.so";
}

PullFn load_pull(const Context& ctx) {
    static PullFn fn = nullptr;
    if (fn) return fn;
    std::string path = module_path(ctx);
    void* h = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) fail(ErrorKind::System, "loading the image module {}: {}", path, ::dlerror());
    fn = reinterpret_cast<PullFn>(::dlsym(h, "conman_image_pull_v1"));
    if (!fn) fail(ErrorKind::System, "image module {} has no conman_image_pull_v1", path);
    return fn;
}

}  // namespace

ImageRecord pull_image(const Context& ctx, const std::string& input, const PullOptions& o) {
    ImageRecord out;
    std::string error;
    int kind = 0;
    if (load_pull(ctx)(&ctx, &input, &o, &out, &error, &kind) != 0) throw Error(static_cast<ErrorKind>(kind), error);
    return out;
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
