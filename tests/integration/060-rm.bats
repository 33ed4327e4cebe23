#!/usr/bin/env bats
# conman rm: what may be removed, and what is left afterwards.

load helpers

@test "rm of an exited container removes it and prints its ID" {
    conman run --name ex --rootfs "$ROOTFS" true
    id=$(conman inspect --format '{{.Id}}' ex)
    run_conman rm ex
    assert_status 0
    [ "$output" = "$id" ]
    run_conman ps -aq
    [ -z "$output" ]
    run_conman inspect ex
    assert_status 125
    [ ! -e "$CM_ROOT/containers/$id" ]
}

@test "rm of a running container without -f is 125, mentions running, and keeps it" {
    id=$(conman run -d --name busy --rootfs "$ROOTFS" sleep 100)
    run_conman rm busy
    assert_status 125
    [[ "$stderr" == *running* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run_conman ps --format '{{.Names}} {{.State}}'
    [ "$output" = "busy running" ]
    run_conman inspect --format '{{.State.Pid}}' busy
    [ -d "/proc/$output" ]
}

@test "rm -f removes a running container and its process" {
    conman run -d --name forced --rootfs "$ROOTFS" sleep 100 >/dev/null
    pid=$(conman inspect --format '{{.State.Pid}}' forced)
    [ -d "/proc/$pid" ]
    run_conman rm -f forced
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run_conman ps -aq
    [ -z "$output" ]
    [ ! -e "/proc/$pid" ]
    [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q 2>/dev/null)" ]
}

@test "rm of a created container works" {
    id=$(conman create --name fresh --rootfs "$ROOTFS" true)
    run_conman rm fresh
    assert_status 0
    [ "$output" = "$id" ]
    run_conman ps -aq
    [ -z "$output" ]
    [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q 2>/dev/null)" ]
}

@test "rm -a removes containers in every state only with -f for running ones" {
    conman run -d --name r --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --name c --rootfs "$ROOTFS" true >/dev/null
    conman run --name e --rootfs "$ROOTFS" true >/dev/null
    run_conman rm -a
    assert_status 125
    [[ "$stderr" == *running* ]]
    run_conman ps -a --format '{{.Names}}'
    [ "$output" = "r" ]
    run_conman rm -af
    assert_status 0
    [ "${#lines[@]}" -eq 1 ]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "rm -af removes everything" {
    conman run -d --name r1 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run -d --name r2 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --name c1 --rootfs "$ROOTFS" true >/dev/null
    run_conman rm -af
    assert_status 0
    [ "${#lines[@]}" -eq 3 ]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "rm of a missing container is 125; --ignore makes it 0" {
    run_conman rm nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
    [[ "$stderr" == *nosuch* ]]
    run_conman rm --ignore nosuch
    assert_status 0
    [ -z "$output" ]
    run_conman rm -i nosuch
    assert_status 0
}

@test "rm of several containers: a missing one is reported, the others removed, exit 125" {
    conman create --name a --rootfs "$ROOTFS" true >/dev/null
    conman create --name b --rootfs "$ROOTFS" true >/dev/null
    run_conman rm a nosuch b
    assert_status 125
    [[ "$stderr" == *nosuch* ]]
    [ "${#lines[@]}" -eq 2 ]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "after rm the name can be used again" {
    first=$(conman create --name again --rootfs "$ROOTFS" true)
    conman rm again >/dev/null
    run_conman run --name again --rootfs "$ROOTFS" echo second
    assert_status 0
    [ "$output" = "second" ]
    run_conman inspect --format '{{.Id}}' again
    [ "$output" != "$first" ]
    # A forced removal of a running one frees its name too.
    conman rm again >/dev/null
    conman run -d --name again --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman rm -f again >/dev/null
    run_conman create --name again --rootfs "$ROOTFS" true
    assert_status 0
}

@test "rm removes the log too: a new container of the same name starts with an empty log" {
    conman run --name logged --rootfs "$ROOTFS" echo old-output >/dev/null
    conman rm logged >/dev/null
    conman create --name logged --rootfs "$ROOTFS" true >/dev/null
    run_conman logs logged
    assert_status 0
    [ -z "$output" ]
}

@test "rm -f -t N stops with the stop signal and waits N seconds before SIGKILL" {
    # PID 1 ignores SIGTERM: rm must wait out the timeout before killing.
    conman run -d --name slow --rootfs "$ROOTFS" sleep 100 >/dev/null
    t0=$(date +%s%N)
    run_conman rm -f -t 1 slow
    t1=$(date +%s%N)
    assert_status 0
    [ $(((t1 - t0) / 1000000)) -ge 900 ]
    # A trap for SIGTERM ends it at once.
    conman run -d --name graceful --rootfs "$ROOTFS" \
        sh -c 'trap "exit 0" TERM; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_for_log graceful ready
    t0=$(date +%s%N)
    run_conman rm -f -t 20 graceful
    t1=$(date +%s%N)
    assert_status 0
    [ $(((t1 - t0) / 1000000)) -lt 10000 ]
    run_conman ps -aq
    [ -z "$output" ]
}
