// Built into conman, conman-shim and unit-tests only when meson's b_sanitize
// is set (scripts/build.sh --asan, docs/sanitizers.md): the sanitizer runtimes
// ask for these before main, so a report is fatal and complete however the
// binary was started (by a test, by conman, by the shim, by hand).
// ASAN_OPTIONS / UBSAN_OPTIONS in the environment still override them; the
// test run adds log_path there to collect every report in one directory.

extern "C" {

// The runtimes call these during their own initialisation: no allocation,
// no libc beyond returning a constant.
__attribute__((visibility("default"), used)) const char* __asan_default_options() {
    return "detect_leaks=1:abort_on_error=1:halt_on_error=1"
           ":check_initialization_order=1:strict_init_order=1:allocator_may_return_null=0";
}

__attribute__((visibility("default"), used)) const char* __ubsan_default_options() {
    return "print_stacktrace=1:halt_on_error=1:abort_on_error=1";
}

__attribute__((visibility("default"), used)) const char* __lsan_default_options() {
    return "print_suppressions=0";
}

}  // extern "C"
