#!/bin/bash
# The test command: installs what is missing, builds, runs the Catch2 unit
# tests and the bats integration tests against real runc, and ends with one
# line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || { echo "0 passed, 1 failed"; exit 1; }
bash scripts/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

# The sanitizer pass (docs/sanitizers.md): the unit tests and every bats file
# (but 900-fuzz) again, against build-asan/ (ASan+UBSan), in lanes, with the
# repetition tests at a quarter of their rounds; any report is a failure.
# CONMAN_SANITIZERS=0 skips it. build-asan/ is built at the lowest priority
# while the normal pass runs.
san_mode=${CONMAN_SANITIZERS:-1}
case $san_mode in
    0|1) ;;
    *) echo "CONMAN_SANITIZERS is '$san_mode': it must be 1 (the default) or 0"; echo "0 passed, 1 failed"; exit 1 ;;
esac
san_build_pid=
if [ "$san_mode" != 0 ]; then
    san_build_start=$SECONDS
    # Its errors are not lost: sanitizer_pass runs scripts/build.sh --asan
    # again, which finishes a failed build or prints why it failed.
    setsid nice -n 19 bash scripts/build.sh --asan >/dev/null 2>&1 &
    san_build_pid=$!
    # An interrupted run takes the background build (its own process group) with it.
    trap '[ -n "$san_build_pid" ] && kill -- -"$san_build_pid" 2>/dev/null' EXIT
fi
export CONMAN_TEST_ROOTFS=${CONMAN_TEST_ROOTFS:-$PWD/build/test-rootfs}
[ -x "$CONMAN_TEST_ROOTFS/bin/busybox" ] || bash scripts/mkrootfs.sh "$CONMAN_TEST_ROOTFS"

passed=0 failed=0 skipped=0
log=$(mktemp)

echo "== unit tests (Catch2)"
build/tests/unit/unit-tests -r compact >"$log" 2>&1
unit_rc=$?
# Catch2 v2's compact reporter ends with "Passed all N test cases ..." or
# "Failed M test cases, failed K assertions."; the listing gives the total.
summary=$(grep -E "^(Passed|Failed)" "$log" | tail -n 1)
total=$(build/tests/unit/unit-tests --list-test-names-only 2>/dev/null | grep -c .)
if [ $unit_rc -eq 0 ]; then
    passed=$((passed + total))
else
    grep -E 'failed|FAILED' "$log" | head -n 40
    f=$(grep -oE 'Failed ([0-9]+) test case' "$log" | grep -oE '[0-9]+' | tail -n 1)
    f=${f:-$total}
    failed=$((failed + f))
    passed=$((passed + total - f))
fi
echo "unit: $summary"

echo "== integration tests (bats, real runc)"
files=("${@:-tests/integration}")
# count_tap LOG: adds a bats TAP log's results to the counters; sets ok, sk, nok.
count_tap() {
    ok=$(grep -cE '^ok [0-9]+' "$1")
    sk=$(grep -cE '^ok [0-9]+ .*# skip' "$1")
    nok=$(grep -cE '^not ok [0-9]+' "$1")
    passed=$((passed + ok - sk))
    skipped=$((skipped + sk))
    failed=$((failed + nok))
}
bats --tap --timing "${files[@]}" >"$log" 2>&1
cat "$log"
count_tap "$log"

if [ "$san_mode" = 0 ]; then
    echo "== sanitizer pass skipped (CONMAN_SANITIZERS=0)"
else
    echo "== sanitizer pass (ASan+UBSan)"
    san_start=$SECONDS
    wait "$san_build_pid"
    san_build_rc=$?
    san_build_pid=
    echo "asan build in the background: rc $san_build_rc, done $((SECONDS - san_build_start)) s after it started, waited $((SECONDS - san_start)) s"
    source tests/sanitizer_pass.sh
    sanitizer_pass "${files[@]}"
    echo "sanitizer pass: $((SECONDS - san_start)) s"
fi
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
