# Shared setup for conman's integration tests: real runc, a busybox rootfs
# built from busybox-static, and a private --root/--runroot per test.

bats_require_minimum_version 1.5.0
# Exit codes 126/127 are what these tests check, not a typo in a command.
export BATS_TEST_WARNINGS_DISABLED=1

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
CONMAN_BIN=${CONMAN_BIN:-$REPO/build/conman}
ROOTFS=${CONMAN_TEST_ROOTFS:-$REPO/build/test-rootfs}

# The sanitizer pass (tests/run.sh, docs/sanitizers.md) sets
# CONMAN_SANITIZER_DIR: every conman and shim a test starts writes its ASan,
# LSan or UBSan report to a file named after the test (pid appended by the
# runtime), and the test's teardown fails when one is there.
if [ -n "${CONMAN_SANITIZER_DIR:-}" ]; then
    SAN_PREFIX=$(basename "$BATS_TEST_FILENAME" .bats)-${BATS_TEST_NUMBER:-file}
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$CONMAN_SANITIZER_DIR/$SAN_PREFIX.asan"
    export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$CONMAN_SANITIZER_DIR/$SAN_PREFIX.ubsan"
fi

# reps N: how many rounds a repetition test (hundreds of the same cycle, to
# catch a leak or a rare race) makes: N, or CONMAN_TEST_REPEAT_PERCENT of N
# (at least 1). The sanitizer pass sets 25: every path of a cycle still runs
# under the sanitizers; the full counts run in the normal pass.
reps() {
    local n=$(($1 * ${CONMAN_TEST_REPEAT_PERCENT:-100} / 100))
    echo $((n > 0 ? n : 1))
}

setup() {
    [ -x "$CONMAN_BIN" ] || skip "conman is not built"
    [ -x "$ROOTFS/bin/busybox" ] || bash "$REPO/scripts/mkrootfs.sh" "$ROOTFS"
    TEST_DIR=$(mktemp -d /tmp/conman-bats.XXXXXX)
    CM_ROOT=$TEST_DIR/root
    # Short runroot: unix socket paths are limited to 107 bytes.
    CM_RUNROOT=$(mktemp -d /run/cmt.XXXXXX)
    # The command as an array, for running conman itself in the background
    # ("${CM[@]}" run ... & makes $! conman's pid, not a subshell's).
    CM=("$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT")
}

teardown() {
    tmux_teardown
    if [ -n "${CM_ROOT:-}" ]; then
        "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" rm -af -t 0 >/dev/null 2>&1 || true
    fi
    # Anything a test left behind on purpose (killed shims, ...).
    for pidfile in "$CM_RUNROOT"/*/pidfile; do
        [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
    done
    runc --root "$CM_RUNROOT/runtime" list -q 2>/dev/null | while read -r id; do
        runc --root "$CM_RUNROOT/runtime" delete --force "$id" >/dev/null 2>&1
    done
    rm -rf "$TEST_DIR" "$CM_RUNROOT"
    sanitizer_reports_check
}

# sanitizer_reports_check: fails, printing them, when this test's processes
# left sanitizer reports (only in the sanitizer pass). tests/run.sh counts
# the ones that arrive later (a shim exiting after teardown) by their names.
sanitizer_reports_check() {
    [ -n "${CONMAN_SANITIZER_DIR:-}" ] || return 0
    local f found=0
    for f in "$CONMAN_SANITIZER_DIR/$SAN_PREFIX".*; do
        [ -e "$f" ] || continue
        echo "sanitizer report $f:" >&2
        cat "$f" >&2
        found=1
    done
    [ "$found" -eq 0 ] && return 0
    echo "$SAN_PREFIX" >>"$CONMAN_SANITIZER_DIR/counted"
    return 1
}

# The test registry (tests/fixtures/registry.sh: docker-registry on
# 127.0.0.1 with the offline fixtures) for a whole file: call these from
# setup_file and teardown_file; REG is its host:port.
start_test_registry() {
    export REG_DIR=$BATS_FILE_TMPDIR/registry
    local rootfs=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    command -v docker-registry >/dev/null || skip "docker-registry is not installed"
    REG_PORT=$(bash "$BATS_TEST_DIRNAME/../fixtures/registry.sh" start "$REG_DIR" "$rootfs" | tail -n 1)
    export REG="127.0.0.1:$REG_PORT"
}

stop_test_registry() {
    bash "$BATS_TEST_DIRNAME/../fixtures/registry.sh" stop "$REG_DIR"
}

# conman with this test's private state.
conman() {
    "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" "$@"
}

# run_conman [-N] ARGS: like bats' run, keeping stderr separate in $stderr.
# -N (e.g. -127) is the expected status, checked by run itself; bats wants it
# for 127, which it otherwise warns about (BW01).
run_conman() {
    # bats' run assigns a global i: keep it from clobbering callers' loops.
    local i expect=()
    [[ "${1:-}" =~ ^-[0-9]+$ ]] && { expect=("$1"); shift; }
    run "${expect[@]}" --separate-stderr "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" "$@"
}

# wait_for_log CTR TEXT: waits (bounded, 10 s) until the container's log has TEXT.
wait_for_log() {
    local i
    for i in $(seq 1 200); do
        conman logs "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.05
    done
    echo "timed out waiting for '$2' in the log of $1" >&2
    return 1
}

# wait_for_file PATH: waits (bounded, 10 s) until PATH exists and is not empty.
wait_for_file() {
    local i
    for i in $(seq 1 200); do
        [ -s "$1" ] && return 0
        sleep 0.05
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# assert_status N: the last run's exit status.
assert_status() {
    if [ "$status" -ne "$1" ]; then
        echo "expected exit status $1, got $status" >&2
        echo "output: $output" >&2
        echo "stderr: ${stderr:-}" >&2
        return 1
    fi
}

# --- real terminals through tmux (one private tmux server per test) ---

tmux_cmd() {
    tmux -L "cmt-$$-${BATS_TEST_NUMBER:-0}" -f /dev/null "$@"
}

# tmux_start NAME COMMAND...: a detached 100x40 session running COMMAND.
# A wrapping shell records COMMAND's exit status in a file (tmux itself may
# mark a pane dead before it knows the status).
tmux_start() {
    local name=$1; shift
    rm -f "$TEST_DIR/tmux-$name.status"
    tmux_cmd new-session -d -s "$name" -x 100 -y 40 \
        "$*; echo \$? > $TEST_DIR/tmux-$name.status.tmp; mv $TEST_DIR/tmux-$name.status.tmp $TEST_DIR/tmux-$name.status; sleep 600"
}

# tmux_wait_for NAME TEXT: waits (bounded, 10 s) until the pane shows TEXT.
tmux_wait_for() {
    local n
    for n in $(seq 1 200); do
        tmux_cmd capture-pane -p -t "$1" 2>/dev/null | grep -q -- "$2" && return 0
        sleep 0.05
    done
    echo "timed out waiting for '$2' in tmux pane $1; it shows:" >&2
    tmux_cmd capture-pane -p -t "$1" >&2
    return 1
}

# tmux_wait_exit NAME: waits (bounded, 10 s) for the command in the pane
# to end and prints its exit status.
tmux_wait_exit() {
    local n
    for n in $(seq 1 200); do
        if [ -f "$TEST_DIR/tmux-$1.status" ]; then
            cat "$TEST_DIR/tmux-$1.status"
            return 0
        fi
        sleep 0.05
    done
    echo "timed out waiting for the command in tmux pane $1 to exit; it shows:" >&2
    tmux_cmd capture-pane -p -t "$1" >&2
    return 1
}

tmux_teardown() {
    tmux_cmd kill-server >/dev/null 2>&1 || true
}
