// Caller side of the image module boundary (see image_module.hpp): finds and
// opens libconman-image.so once per process and calls its entries.
#include "conman/image_module.hpp"

#include <dlfcn.h>

#include <cstdlib>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman_config.h"

namespace conman {

namespace {

// CONMAN_IMAGE_MODULE, else next to this conman binary (a build tree), else
// the installed libexec directory.
std::string module_path(const Context& ctx) {
    if (const char* e = std::getenv("CONMAN_IMAGE_MODULE"); e && *e) return e;
    std::string next_to_us = dirname_of(ctx.self_exe) + "/libconman-image.so";
    if (path_exists(next_to_us)) return next_to_us;
    return std::string(CONMAN_LIBEXECDIR) + "/libconman-image.so";
}

void* module_handle(const Context& ctx) {
    static void* handle = nullptr;  // never closed: entries may have left threads' TLS behind
    if (handle) return handle;
    std::string path = module_path(ctx);
    handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) fail(ErrorKind::System, "loading the image module {}: {}", path, ::dlerror());
    return handle;
}

}  // namespace

void call_image_module(const Context& ctx, const char* symbol, const void* in, void* out) {
    auto fn = reinterpret_cast<ImageModuleEntry>(::dlsym(module_handle(ctx), symbol));
    if (!fn) fail(ErrorKind::System, "the image module {} has no entry {}", module_path(ctx), symbol);
    std::string error;
    int kind = static_cast<int>(ErrorKind::System);
    if (fn(&ctx, in, out, &error, &kind) != 0) throw Error(static_cast<ErrorKind>(kind), error);
}

}  // namespace conman
