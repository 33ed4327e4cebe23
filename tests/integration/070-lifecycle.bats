#!/usr/bin/env bats
# create, start, start -a, wait, rename and restarting an exited container.

load helpers

TRAP_TERM='trap "echo bye; exit 7" TERM; echo ready; while :; do sleep 0.1; done'

@test "create prints a 64-hex ID and leaves the container Created, not running" {
    run_conman create --name made --rootfs "$ROOTFS" echo hi
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    id=$output
    run_conman ps -a --format '{{.ID}} {{.Names}} {{.Status}}'
    [ "$output" = "${id:0:12} made Created" ]
    run_conman ps -q
    [ -z "$output" ]
    run_conman inspect --format '{{.State.Status}}' made
    [ "$output" = "created" ]
    # Nothing ran yet.
    run_conman logs made
    [ -z "$output" ]
}

@test "start prints the reference it was given and the container runs" {
    id=$(conman create --name starter --rootfs "$ROOTFS" sh -c 'echo up; sleep 100')
    run_conman start starter
    assert_status 0
    [ "$output" = "starter" ]
    run_conman ps --format '{{.Names}} {{.Status}}'
    [[ "$output" == "starter Up "* ]]
    run_conman inspect --format '{{.State.Status}} {{.State.Running}}' starter
    [ "$output" = "running true" ]
    wait_for_log starter up
    # By ID prefix: prints that prefix; a running container is left alone.
    run_conman start "${id:0:12}"
    assert_status 0
    [ "$output" = "${id:0:12}" ]
    run_conman ps -q --no-trunc
    [ "$output" = "$id" ]
}

@test "start of several containers starts them all" {
    conman create --name m1 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --name m2 --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman start m1 m2
    assert_status 0
    [ "$output" = "$(printf 'm1\nm2')" ]
    run_conman ps --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "m1 m2 " ]
}

@test "start of a missing container is 125" {
    run_conman start nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
}

@test "start -a shows the output and exits with the container's code" {
    conman create --name att --rootfs "$ROOTFS" sh -c 'echo to-out; echo to-err >&2; exit 3' >/dev/null
    run_conman start -a att
    assert_status 3
    [ "$output" = "to-out" ]
    [ "$stderr" = "to-err" ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' att
    [ "$output" = "exited 3" ]
}

@test "start -a of an exited container runs it again attached" {
    conman run --name rerun --rootfs "$ROOTFS" sh -c 'echo pass; exit 5' >/dev/null || true
    run_conman start -a rerun
    assert_status 5
    [ "$output" = "pass" ]
    run_conman logs rerun
    [ "$output" = "$(printf 'pass\npass')" ]
}

@test "wait prints the exit code: 0, 3 and 137" {
    conman run -d --name w0 --rootfs "$ROOTFS" true >/dev/null
    conman run -d --name w3 --rootfs "$ROOTFS" sh -c 'exit 3' >/dev/null
    conman run -d --name w137 --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman wait w0
    assert_status 0
    [ "$output" = "0" ]
    run_conman wait w3
    assert_status 0
    [ "$output" = "3" ]
    conman kill w137 >/dev/null
    run_conman wait w137
    assert_status 0
    [ "$output" = "137" ]
}

@test "wait blocks until a running container exits" {
    conman run -d --name blocker --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log blocker ready
    "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" wait blocker > "$TEST_DIR/wait.out" &
    waiter=$!
    # Still waiting: the container is running.
    run_conman inspect --format '{{.State.Status}}' blocker
    [ "$output" = "running" ]
    kill -0 "$waiter"
    conman kill -s TERM blocker >/dev/null
    rc=0
    wait "$waiter" || rc=$?
    [ "$rc" -eq 0 ]
    [ "$(cat "$TEST_DIR/wait.out")" = "7" ]
}

@test "wait on several containers prints one code per container, in order" {
    conman run -d --name a --rootfs "$ROOTFS" sh -c 'exit 1' >/dev/null
    conman run -d --name b --rootfs "$ROOTFS" sh -c 'exit 2' >/dev/null
    conman run -d --name c --rootfs "$ROOTFS" true >/dev/null
    run_conman wait b a c
    assert_status 0
    [ "$output" = "$(printf '2\n1\n0')" ]
}

@test "wait on a missing container is 125; a created one is waited for until it runs and exits" {
    run_conman wait nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
    conman create --name later --rootfs "$ROOTFS" sh -c 'exit 4' >/dev/null
    "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" wait later > "$TEST_DIR/wait.out" &
    waiter=$!
    conman start later >/dev/null
    rc=0
    wait "$waiter" || rc=$?
    [ "$rc" -eq 0 ]
    [ "$(cat "$TEST_DIR/wait.out")" = "4" ]
}

@test "rename: the new name finds the container, the old one is gone" {
    id=$(conman run -d --name before --rootfs "$ROOTFS" sleep 100)
    run_conman rename before after
    assert_status 0
    run_conman inspect --format '{{.Id}} {{.Name}}' after
    assert_status 0
    [ "$output" = "$id after" ]
    run_conman inspect before
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
    run_conman ps --format '{{.Names}}'
    [ "$output" = "after" ]
    # The old name is free again.
    run_conman create --name before --rootfs "$ROOTFS" true
    assert_status 0
    # Rename works by ID too, and the container keeps running.
    run_conman rename "${id:0:12}" third
    assert_status 0
    run_conman ps --format '{{.Names}} {{.State}}'
    [ "$output" = "third running" ]
}

@test "rename to a name in use is 125 and changes nothing" {
    conman create --name one --rootfs "$ROOTFS" true >/dev/null
    conman create --name two --rootfs "$ROOTFS" true >/dev/null
    run_conman rename one two
    assert_status 125
    [[ "$stderr" == *'"two" is already in use'* ]]
    run_conman ps -a --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "one two " ]
    run_conman rename one 'bad/name'
    assert_status 125
    [[ "$stderr" == *"bad/name"* ]]
    run_conman rename nosuch three
    assert_status 125
    run_conman ps -a --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "one two " ]
}

@test "starting an exited container runs it again: its output is twice in the log" {
    conman run --name again --rootfs "$ROOTFS" echo once-more >/dev/null
    run_conman inspect --format '{{.State.Status}}' again
    [ "$output" = "exited" ]
    run_conman start again
    assert_status 0
    [ "$output" = "again" ]
    run_conman wait again
    [ "$output" = "0" ]
    run_conman logs again
    [ "$output" = "$(printf 'once-more\nonce-more')" ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' again
    [ "$output" = "exited 0" ]
}

@test "a stopped container can be started again and runs" {
    conman run -d --name cycle --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log cycle ready
    conman stop cycle >/dev/null
    run_conman inspect --format '{{.State.ExitCode}}' cycle
    [ "$output" = "7" ]
    run_conman start cycle
    assert_status 0
    run_conman inspect --format '{{.State.Status}}' cycle
    [ "$output" = "running" ]
    pid=$(conman inspect --format '{{.State.Pid}}' cycle)
    [ -d "/proc/$pid" ]
    for i in $(seq 1 200); do
        [ "$(conman logs cycle | grep -c ready)" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(conman logs cycle | grep -c ready)" -eq 2 ]
    run_conman stop cycle
    assert_status 0
    run_conman inspect --format '{{.State.ExitCode}}' cycle
    [ "$output" = "7" ]
}
