#!/usr/bin/env bats
# A short, bounded libFuzzer run of every parser that takes outside input
# (tests/fuzz/): each target gets FUZZ_SECONDS (default 5) on its seed corpus
# under ASan and UBSan, and must not crash, leak, hang or blow its memory limit.
# Longer campaigns: tests/fuzz/README.md.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$REPO/build-fuzz}
export FUZZ_BUILD_DIR

setup_file() {
    command -v clang++-14 >/dev/null || return 0
    # Built once for the file (a few minutes from scratch, incremental after).
    timeout 1500 bash "$REPO/tests/fuzz/build.sh" "$FUZZ_BUILD_DIR" >"$BATS_FILE_TMPDIR/build.log" 2>&1 ||
        echo failed >"$BATS_FILE_TMPDIR/build-failed"
}

setup() {
    command -v clang++-14 >/dev/null ||
        skip "clang++-14 is not installed (apt-get install clang-14 libclang-rt-14-dev)"
    if [ -e "$BATS_FILE_TMPDIR/build-failed" ]; then
        cat "$BATS_FILE_TMPDIR/build.log"
        false
    fi
}

# fuzz TARGET: runs it for FUZZ_SECONDS, hard-bounded; shows the libFuzzer log on failure.
fuzz() {
    run timeout 120 bash "$REPO/tests/fuzz/run.sh" "${FUZZ_SECONDS:-5}" "$1"
    echo "$output"
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$FUZZ_BUILD_DIR/$1.log"
        return 1
    fi
    [[ "$output" == *"$1"*" ok"* ]]
}

@test "fuzz: image references" { fuzz fuzz_image_ref; }
@test "fuzz: manifests and indexes" { fuzz fuzz_manifest; }
@test "fuzz: image configs" { fuzz fuzz_image_config; }
@test "fuzz: registries.conf" { fuzz fuzz_registries_conf; }
@test "fuzz: auth.json" { fuzz fuzz_auth_file; }
@test "fuzz: WWW-Authenticate headers" { fuzz fuzz_www_auth; }
@test "fuzz: k8s-file log lines" { fuzz fuzz_k8s_log; }
@test "fuzz: --format templates" { fuzz fuzz_template; }
@test "fuzz: shim protocol decoders" { fuzz fuzz_shim_protocol; }
@test "fuzz: --env-file" { fuzz fuzz_env_file; }
