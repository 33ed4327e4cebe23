#!/usr/bin/env bats
# The shim owns the container: it survives conman, records exits, keeps
# output, and a dead shim is reported rather than hidden.

load helpers

@test "the container survives kill -9 of the foreground conman; logs and exit code kept" {
    "${CM[@]}" run --name survivor --rootfs "$ROOTFS" sh -c 'echo start; sleep 1; echo end; exit 5' \
        >"$TEST_DIR/out" 2>&1 &
    cli=$!
    wait_for_log survivor start
    kill -9 "$cli"
    wait "$cli" || true
    run_conman wait survivor
    assert_status 0
    [ "$output" = "5" ]
    run_conman logs survivor
    [ "${lines[0]}" = "start" ]
    [ "${lines[1]}" = "end" ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' survivor
    [ "$output" = "exited 5" ]
}

@test "kill -9 of the shim: reported exited with a reason, and rm cleans up" {
    conman run -d --name orphan --rootfs "$ROOTFS" sleep 1000
    shim=$(conman inspect --format '{{.State.ConmonPid}}' orphan)
    pid=$(conman inspect --format '{{.State.Pid}}' orphan)
    [ "$shim" -gt 0 ]
    [ -d "/proc/$pid" ]
    kill -9 "$shim"
    # The shim's lock is released when the process is gone: wait for that event.
    for i in $(seq 1 200); do [ -d "/proc/$shim" ] || break; sleep 0.05; done
    run_conman ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "orphan exited" ]
    run_conman inspect --format '{{.State.Error}}' orphan
    [[ "$output" == *shim* ]]
    run_conman rm orphan
    assert_status 0
    # Gone, or a zombie waiting for the host's init to reap it.
    [ ! -d "/proc/$pid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
    run_conman ps -aq
    [ -z "$output" ]
}

@test "50 concurrent run -d all succeed with distinct names" {
    for i in $(seq 1 50); do
        conman run -d --rootfs "$ROOTFS" sleep 1000 >"$TEST_DIR/id.$i" 2>"$TEST_DIR/err.$i" &
    done
    failed=0
    for job in $(jobs -p); do wait "$job" || failed=$((failed + 1)); done
    cat "$TEST_DIR"/err.* >&2
    [ "$failed" -eq 0 ]
    run_conman ps -q
    [ "${#lines[@]}" -eq 50 ]
    [ "$(conman ps --format '{{.Names}}' | sort -u | wc -l)" -eq 50 ]
    [ "$(cat "$TEST_DIR"/id.* | sort -u | wc -l)" -eq 50 ]
}

@test "large output reaches the attached client and the log intact" {
    expected=$(seq 1 200000 | md5sum)
    run_conman run --name big --rootfs "$ROOTFS" seq 1 200000
    assert_status 0
    [ "$(printf '%s\n' "$output" | md5sum)" = "$expected" ]
    [ "$(conman logs big | md5sum)" = "$expected" ]
}

@test "the last output before exit is never lost, partial line included" {
    for round in 1 2 3 4 5; do
        run_conman run --rm --rootfs "$ROOTFS" sh -c 'echo first; printf tail-without-newline'
        assert_status 0
        [ "$output" = "$(printf 'first\ntail-without-newline')" ]
    done
}

@test "foreground run forwards SIGTERM to the container and returns its code" {
    "${CM[@]}" run --name sigs --rootfs "$ROOTFS" \
        sh -c 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done' \
        >"$TEST_DIR/out" 2>&1 &
    cli=$!
    wait_for_log sigs ready
    kill -TERM "$cli"
    rc=0
    wait "$cli" || rc=$?
    [ "$rc" -eq 42 ]
    grep -q "got TERM" "$TEST_DIR/out"
}

@test "--sig-proxy=false leaves the container alone" {
    "${CM[@]}" run --sig-proxy=false --name nosig --rootfs "$ROOTFS" \
        sh -c 'trap "echo got TERM; exit 42" TERM; echo ready; while :; do sleep 0.1; done' \
        >"$TEST_DIR/out" 2>&1 &
    cli=$!
    wait_for_log nosig ready
    kill -TERM "$cli"
    wait "$cli" || true
    run_conman inspect --format '{{.State.Status}}' nosig
    [ "$output" = "running" ]
}

@test "a corrupt record damages only itself and rm -f removes it" {
    conman run -d --name good --rootfs "$ROOTFS" sleep 1000
    bad=$(conman create --name bad --rootfs "$ROOTFS" true)
    echo '{"config": {tru' > "$CM_ROOT/containers/$bad/config.json"
    run_conman ps -a --format '{{.Names}} {{.State}}'
    assert_status 0
    [[ "$output" == *"good running"* ]]
    run_conman inspect --format '{{.State.Status}}' good
    [ "$output" = "running" ]
    run_conman rm -f "$bad"
    assert_status 0
    run_conman ps -aq --no-trunc
    [ "$output" = "$(conman inspect --format '{{.Id}}' good)" ]
}

@test "conman-shim stays small: no curl or archive libraries" {
    shim=$(dirname "$CONMAN_BIN")/shim/conman-shim
    run ldd "$shim"
    [[ "$output" != *libcurl* ]]
    [[ "$output" != *libarchive* ]]
    [[ "$output" != *libseccomp* ]]
}
