// The image module (libconman-image.so): everything that needs libcurl or
// libarchive — pull, push, login, archives (load/save/import/export) and
// packing layers (commit). conman opens it with dlopen on first use so the
// forty-odd libraries behind those two never slow down other commands.
//
// The boundary is plain: one extern "C" entry per operation with the shape
//   int NAME(const Context* ctx, const void* in, void* out, std::string* error, int* kind)
// where in/out point to C++ structs both sides include from the same header
// (the module is built from the same tree, so the layouts agree). Errors do
// not cross as exceptions: the entry returns -1 with the message and the
// ErrorKind, and the caller throws them again as conman::Error.
#pragma once
#include <functional>
#include <string>

#include "conman/context.hpp"

namespace conman {

using ImageModuleEntry = int (*)(const Context* ctx, const void* in, void* out, std::string* error, int* kind);

// Caller side: runs the entry `symbol` of the module; rethrows its error.
void call_image_module(const Context& ctx, const char* symbol, const void* in, void* out);

template <typename Out, typename In>
Out image_module_call(const Context& ctx, const char* symbol, const In& in) {
    Out out{};
    call_image_module(ctx, symbol, &in, &out);
    return out;
}

// Module side: runs body, turning any exception into (error, kind, -1).
int image_module_entry(std::string* error, int* kind, const std::function<void()>& body);

}  // namespace conman

// Defines the extern "C" entry NAME in the module: BODY sees ctx, in and out
// already cast to `const Context&`, `const IN&` and `OUT&`.
#define CONMAN_IMAGE_ENTRY(NAME, IN, OUT, BODY)                                                      \
    extern "C" int NAME(const conman::Context* ctx_p, const void* in_p, void* out_p, std::string* error, \
                        int* kind) {                                                                    \
        return conman::image_module_entry(error, kind, [&] {                                            \
            [[maybe_unused]] const conman::Context& ctx = *ctx_p;                                       \
            [[maybe_unused]] const IN& in = *static_cast<const IN*>(in_p);                              \
            [[maybe_unused]] OUT& out = *static_cast<OUT*>(out_p);                                      \
            BODY;                                                                                       \
        });                                                                                             \
    }
