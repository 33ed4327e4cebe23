#!/usr/bin/env bats
# conman stop and kill: signals, timeouts and the recorded exit codes.

load helpers

TRAP_TERM='trap "echo bye; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
TRAP_USR1='trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'

# wait_for_count CTR TEXT N: waits (bounded, 10 s) until TEXT is in N lines of the log.
wait_for_count() {
    local i
    for i in $(seq 1 200); do
        [ "$(conman logs "$1" 2>/dev/null | grep -c -- "$2")" -ge "$3" ] && return 0
        sleep 0.05
    done
    echo "timed out waiting for $3 lines with '$2' in the log of $1" >&2
    return 1
}

# ms_now: milliseconds since the epoch.
ms_now() {
    echo $(($(date +%s%N) / 1000000))
}

@test "stop -t 1 of a process that ignores SIGTERM kills it: exit 137" {
    # PID 1 of a PID namespace does not die of SIGTERM without a handler.
    conman run -d --name stubborn --rootfs "$ROOTFS" sleep 100 >/dev/null
    t0=$(ms_now)
    run_conman stop -t 1 stubborn
    t1=$(ms_now)
    assert_status 0
    [ "$output" = "stubborn" ]
    # It waited for the timeout, and not much longer.
    [ $((t1 - t0)) -ge 900 ]
    [ $((t1 - t0)) -lt 8000 ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' stubborn
    [ "$output" = "exited 137" ]
    run_conman wait stubborn
    [ "$output" = "137" ]
}

@test "stop sends SIGTERM first: a trap runs and sets the exit code" {
    conman run -d --name trapper --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log trapper ready
    t0=$(ms_now)
    run_conman stop -t 20 trapper
    t1=$(ms_now)
    assert_status 0
    [ "$output" = "trapper" ]
    [ $((t1 - t0)) -lt 10000 ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' trapper
    [ "$output" = "exited 7" ]
    run_conman logs trapper
    [ "$output" = "$(printf 'ready\nbye')" ]
}

@test "stop is synchronous: the container has exited when stop returns" {
    conman run -d --name sync --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log sync ready
    pid=$(conman inspect --format '{{.State.Pid}}' sync)
    conman stop sync >/dev/null
    [ "$pid" -gt 0 ]
    # The process is gone (reaped), not just signalled.
    [ ! -e "/proc/$pid" ]
    run_conman ps -q
    [ -z "$output" ]
    run_conman ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "sync exited" ]
}

@test "create --stop-signal is the signal stop sends" {
    conman run -d --name usr1stop --stop-signal USR1 --rootfs "$ROOTFS" \
        sh -c 'trap "echo usr1; exit 9" USR1; echo ready; while :; do sleep 0.1; done' >/dev/null
    wait_for_log usr1stop ready
    run_conman inspect --format '{{.Config.StopSignal}}' usr1stop
    [ "$output" = "10" ]
    run_conman stop -t 20 usr1stop
    assert_status 0
    run_conman inspect --format '{{.State.ExitCode}}' usr1stop
    [ "$output" = "9" ]
    run_conman logs usr1stop
    [ "$output" = "$(printf 'ready\nusr1')" ]
}

@test "create --stop-timeout is the default timeout of stop" {
    conman run -d --name quick --stop-timeout 1 --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman inspect --format '{{.Config.StopTimeout}}' quick
    [ "$output" = "1" ]
    t0=$(ms_now)
    run_conman stop quick
    t1=$(ms_now)
    assert_status 0
    # Not the default 10 s.
    [ $((t1 - t0)) -ge 900 ]
    [ $((t1 - t0)) -lt 8000 ]
    run_conman inspect --format '{{.State.ExitCode}}' quick
    [ "$output" = "137" ]
}

@test "an invalid --stop-signal is refused at create" {
    run_conman create --stop-signal NOTASIG --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *NOTASIG* ]]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "stop -a stops every running container" {
    conman run -d --name s1 --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    conman run -d --name s2 --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    conman run --name s3 --rootfs "$ROOTFS" true >/dev/null
    wait_for_log s1 ready
    wait_for_log s2 ready
    run_conman stop -a
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    run_conman ps -q
    [ -z "$output" ]
    run_conman ps -a --format '{{.Names}} {{.State}} {{.ExitCode}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "s1 exited 7 s2 exited 7 s3 exited 0 " ]
}

@test "stop of an exited container is fine and keeps its exit code" {
    conman run --name done --rootfs "$ROOTFS" sh -c 'exit 4' >/dev/null || true
    run_conman stop done
    assert_status 0
    [ "$output" = "done" ]
    run_conman inspect --format '{{.State.ExitCode}}' done
    [ "$output" = "4" ]
}

@test "stop of a missing container is 125; with --ignore it is 0" {
    run_conman stop nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
    run_conman stop --ignore nosuch
    assert_status 0
    run_conman stop
    assert_status 125
}

@test "stop of a --rm container removes it" {
    conman run -d --rm --name tmp --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log tmp ready
    run_conman stop tmp
    assert_status 0
    for i in $(seq 1 100); do
        [ -z "$(conman ps -aq)" ] && break
        sleep 0.1
    done
    run_conman ps -aq
    [ -z "$output" ]
}

@test "kill sends SIGKILL by default: exit 137" {
    conman run -d --name victim --rootfs "$ROOTFS" sh -c "$TRAP_TERM" >/dev/null
    wait_for_log victim ready
    run_conman kill victim
    assert_status 0
    [ "$output" = "victim" ]
    run_conman wait victim
    assert_status 0
    [ "$output" = "137" ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' victim
    [ "$output" = "exited 137" ]
    # No trap ran.
    run_conman logs victim
    [ "$output" = "ready" ]
}

@test "kill -s USR1 reaches a trapping container, which keeps running" {
    conman run -d --name usr --rootfs "$ROOTFS" sh -c "$TRAP_USR1" >/dev/null
    wait_for_log usr ready
    run_conman kill -s USR1 usr
    assert_status 0
    [ "$output" = "usr" ]
    wait_for_log usr got-usr1
    run_conman inspect --format '{{.State.Status}}' usr
    [ "$output" = "running" ]
    # SIG-prefixed and numeric forms work too (one at a time: the same
    # signal pending twice is delivered once).
    run_conman kill --signal SIGUSR1 usr
    assert_status 0
    wait_for_count usr got-usr1 2
    run_conman kill -s 10 usr
    assert_status 0
    wait_for_count usr got-usr1 3
    run_conman inspect --format '{{.State.Status}}' usr
    [ "$output" = "running" ]
}

@test "kill of an exited or created container is 125" {
    conman run --name exited --rootfs "$ROOTFS" true >/dev/null
    run_conman kill exited
    assert_status 125
    [[ "$stderr" == *exited* ]]
    conman create --name fresh --rootfs "$ROOTFS" true >/dev/null
    run_conman kill fresh
    assert_status 125
    run_conman kill nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
}

@test "kill -s BOGUS is 125 and the container keeps running" {
    conman run -d --name bogus --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman kill -s BOGUS bogus
    assert_status 125
    [[ "$stderr" == *BOGUS* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run_conman inspect --format '{{.State.Status}}' bogus
    [ "$output" = "running" ]
}

@test "kill -a signals every running container" {
    conman run -d --name k1 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run -d --name k2 --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman kill -a
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    run_conman wait k1 k2
    assert_status 0
    [ "$output" = "$(printf '137\n137')" ]
}
