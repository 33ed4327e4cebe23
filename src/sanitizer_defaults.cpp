// Built into conman, conman-shim and unit-tests only when meson's b_sanitize
// is set (scripts/build.sh --asan, docs/sanitizers.md): the sanitizer runtimes
// ask for these before main, so a report is fatal and complete however the
// binary was started (by a test, by conman, by the shim, by hand).
// ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override them; the
// test run adds log_path there to collect every report in one directory.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>

extern "C" {

// The runtimes call these during their own initialisation: no allocation,
// no libc beyond returning a constant.
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
    return "detect_leaks=1:abort_on_error=1:halt_on_error=1"
           ":check_initialization_order=1:strict_init_order=1";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
    return "print_stacktrace=1:halt_on_error=1:abort_on_error=1";
}

}  // extern "C"

namespace {

// GCC's libubsan, loaded next to libasan, parses UBSAN_OPTIONS but never
// applies its log_path (its reports go to stderr, which the shim has pointed
// at /dev/null). Hand the path to libubsan's own report file; the last
// log_path in UBSAN_OPTIONS wins, as in the runtimes' flag parsing.
__attribute__((constructor)) void ubsan_log_path() {
    const char* opts = std::getenv("UBSAN_OPTIONS");
    if (!opts) return;
    const char* last = nullptr;
    for (const char* p = std::strstr(opts, "log_path="); p; p = std::strstr(p + 1, "log_path="))
        if (p == opts || p[-1] == ':' || p[-1] == ' ') last = p + std::strlen("log_path=");
    if (!last) return;
    static char path[4096];
    size_t n = std::strcspn(last, ": ");
    if (n == 0 || n >= sizeof path) return;
    std::memcpy(path, last, n);
    path[n] = '\0';
    void* ubsan = ::dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (!ubsan) return;
    using SetPath = void (*)(const char*);
    if (auto set = reinterpret_cast<SetPath>(::dlsym(ubsan, "__sanitizer_set_report_path"))) set(path);
}

}  // namespace
