#!/bin/bash
# Configures (once) and builds conman into build/.
# --asan: a second tree, build-asan/, instrumented with AddressSanitizer and
# UndefinedBehaviorSanitizer (docs/sanitizers.md): -O0 with line tables
# (-g1) and frame pointers,
# any UB report fatal. Same targets (conman, conman-shim, libconman-image.so,
# unit-tests); the libFuzzer targets are built by tests/fuzz/build.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--asan" ]; then
    [ -f build-asan/build.ninja ] || meson setup build-asan \
        -Dbuildtype=plain -Doptimization=0 -Ddebug=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dcpp_args='-g1 -fno-sanitize-recover=undefined -fno-omit-frame-pointer' \
        -Dcpp_link_args='-fno-sanitize-recover=undefined' >/dev/null
    ninja -C build-asan ${NINJA_JOBS:+-j"$NINJA_JOBS"} >build-asan/build.log 2>&1 || { tail -n 40 build-asan/build.log; exit 1; }
    exit 0
fi
[ -f build/build.ninja ] || meson setup build --buildtype=debugoptimized >/dev/null
ninja -C build ${NINJA_JOBS:+-j"$NINJA_JOBS"} >/dev/null
