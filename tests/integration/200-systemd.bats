#!/usr/bin/env bats
# conman under systemd, without systemd: foreground run as ExecStart (exit
# codes, signals), --sdnotify with a test NOTIFY_SOCKET listener, --cidfile,
# --replace, `generate systemd` units run by hand, and restart policies
# (including the boot-time `start --all --filter restart-policy=always`).

load helpers

eval "common_teardown() $(declare -f teardown | tail -n +2)"

teardown() {
    [ -n "${LISTENER_PID:-}" ] && kill "$LISTENER_PID" 2>/dev/null
    [ -n "${RUN_PID:-}" ] && kill -9 "$RUN_PID" 2>/dev/null
    common_teardown
}

# start_listener: a unix datagram socket at $NSOCK standing in for systemd's
# notify socket; each datagram received is appended to $NOUT, then "--".
start_listener() {
    NSOCK=$TEST_DIR/notify.sock
    NOUT=$TEST_DIR/notify.out
    python3 - "$NSOCK" "$NOUT" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
open(sys.argv[2], "a").close()
while True:
    try:
        data = s.recv(65536)
    except socket.timeout:
        break
    with open(sys.argv[2], "a") as f:
        f.write(data.decode() + "\n--\n")
PY
    LISTENER_PID=$!
    local i
    for i in $(seq 1 200); do
        [ -S "$NSOCK" ] && [ -e "$NOUT" ] && return 0
        sleep 0.05
    done
    echo "the notify listener did not start" >&2
    return 1
}

# send_marker TEXT: a datagram from the host, to know that everything sent
# before it has been received.
send_marker() {
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.sendto(sys.argv[2].encode(), sys.argv[1])' "$NSOCK" "$1"
}

# wait_for_text FILE TEXT: bounded (10 s) wait until FILE contains TEXT.
wait_for_text() {
    local i
    for i in $(seq 1 200); do
        grep -q -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timed out waiting for '$2' in $1; it has:" >&2
    cat "$1" >&2 2>/dev/null
    return 1
}

# wait_until CMD...: bounded (20 s) wait until CMD succeeds.
wait_until() {
    local i
    for i in $(seq 1 400); do
        "$@" 2>/dev/null && return 0
        sleep 0.05
    done
    echo "timed out waiting for: $*" >&2
    return 1
}

inspect() { conman inspect --format "$2" "$1"; }
# shim_gone CTR: the container's shim has ended (its lock is free).
shim_gone() { flock -n "$CM_RUNROOT/$(inspect "$1" '{{.Id}}')/shim.lock" true; }
state_is() { [ "$(inspect "$1" '{{.State.Status}}')" = "$2" ]; }
log_count() { conman logs "$1" | grep -c -- "$2"; }
log_count_at_least() { [ "$(log_count "$1" "$2")" -ge "$3" ]; }

# run_unit_line UNIT KEY: runs the unit file's KEY= command as systemd would
# (its quoting; %t -> $TEST_DIR, %n -> the unit's name, %% and $$ unescaped).
run_unit_line() {
    python3 - "$1" "$2" "$TEST_DIR" <<'PY'
import os, re, shlex, sys
path, key, rt = sys.argv[1:4]
cmd = next(l[len(key) + 1:].rstrip("\n") for l in open(path) if l.startswith(key + "="))
cmd = re.sub(r"%(.)", lambda m: {"t": rt, "n": os.path.basename(path), "%": "%"}[m.group(1)], cmd)
args = [a.replace("$$", "$") for a in shlex.split(cmd)]
os.execvp(args[0], args)
PY
}

unit_value() { grep "^$2=" "$1" | head -n 1 | cut -d= -f2-; }

# --- foreground run as ExecStart ---

@test "foreground run returns the container's exit code" {
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'exit 42'
    assert_status 42
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'exit 255'
    assert_status 255
    run_conman run --rm --rootfs "$ROOTFS" true
    assert_status 0
    # Killed by a signal: 128 + the signal (the shell's child, as PID 1 ignores SIGKILL from inside).
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'sleep 100 & kill -KILL $!; wait $!'
    assert_status 137
}

@test "foreground run forwards SIGTERM, SIGHUP and SIGINT to the container" {
    local sig code
    for sig in TERM:7 HUP:9 INT:11; do
        code=${sig#*:}
        sig=${sig%:*}
        "${CM[@]}" run --rm --rootfs "$ROOTFS" sh -c "trap 'echo got-$sig; exit $code' $sig; echo ready; while :; do sleep 0.05; done" \
            > "$TEST_DIR/out-$sig" 2>&1 &
        RUN_PID=$!
        wait_for_text "$TEST_DIR/out-$sig" ready
        kill -"$sig" "$RUN_PID"
        local rc=0
        wait "$RUN_PID" || rc=$?
        RUN_PID=
        [ "$rc" -eq "$code" ]
        grep -q "got-$sig" "$TEST_DIR/out-$sig"
    done
    run_conman ps -aq
    [ -z "$output" ]
}

@test "--sig-proxy=false leaves signals to conman: the container runs on" {
    "${CM[@]}" run --name np --sig-proxy=false --rootfs "$ROOTFS" sh -c 'echo ready; sleep 100' > "$TEST_DIR/out" 2>&1 &
    RUN_PID=$!
    wait_for_text "$TEST_DIR/out" ready
    kill -TERM "$RUN_PID"
    local rc=0
    wait "$RUN_PID" || rc=$?
    RUN_PID=
    [ "$rc" -eq 143 ]
    state_is np running
}

# --- sd_notify ---

@test "--sdnotify=conman: MAINPID is the live shim, READY=1 once running; the container gets no NOTIFY_SOCKET" {
    start_listener
    NOTIFY_SOCKET=$NSOCK run_conman run -d --name n1 --sdnotify=conman --rootfs "$ROOTFS" \
        sh -c 'echo "ns=[$NOTIFY_SOCKET]"; sleep 100'
    assert_status 0
    wait_for_text "$NOUT" READY=1
    local mainpid
    mainpid=$(grep -m1 '^MAINPID=' "$NOUT" | cut -d= -f2)
    [ "$mainpid" = "$(inspect n1 '{{.State.ConmonPid}}')" ]
    kill -0 "$mainpid"
    [ "$(cat /proc/"$mainpid"/comm)" = conman-shim ]
    state_is n1 running
    wait_for_log n1 'ns=\[\]'
    [ "$(inspect n1 '{{.Config.SdNotifyMode}}')" = conman ]
}

@test "--sdnotify=conman on a foreground run sends READY=1 and still returns the exit code" {
    start_listener
    NOTIFY_SOCKET=$NSOCK run_conman run --rm --sdnotify=conman --rootfs "$ROOTFS" sh -c 'exit 3'
    assert_status 3
    wait_for_text "$NOUT" READY=1
    grep -q '^MAINPID=[0-9]' "$NOUT"
}

@test "--sdnotify=container: the container gets a socket and its READY=1 is relayed with the shim's MAINPID" {
    start_listener
    # busybox logger writes to /dev/log, a datagram socket: point it at the
    # notify socket and put READY=1 on a line of its own.
    NOTIFY_SOCKET=$NSOCK run_conman run -d --name n2 --rootfs "$ROOTFS" sh -c \
        'echo "ns=$NOTIFY_SOCKET"; [ -S "$NOTIFY_SOCKET" ] && echo sock-ok;
         ln -sf "$NOTIFY_SOCKET" /dev/log; logger "$(printf "x\nREADY=1\nSTATUS=serving\nMAINPID=1")"; echo sent; sleep 100'
    assert_status 0
    wait_for_log n2 sent
    run_conman logs n2
    [[ "$output" == *"ns=/run/notify/notify.sock"* ]]
    [[ "$output" == *sock-ok* ]]
    wait_for_text "$NOUT" READY=1
    local shim
    shim=$(inspect n2 '{{.State.ConmonPid}}')
    # Every message carries the shim as MAINPID; the container's own MAINPID=1 is dropped.
    ! grep -q '^MAINPID=1$' "$NOUT"
    grep -q "^MAINPID=$shim\$" "$NOUT"
    grep -q '^STATUS=serving$' "$NOUT"
    # conman's own message said MAINPID only: READY=1 came from the container.
    [ "$(grep -c '^READY=1$' "$NOUT")" -eq 1 ]
    [ "$(inspect n2 '{{.Config.SdNotifyMode}}')" = container ]
}

@test "--sdnotify=ignore: nothing is sent and the container gets no NOTIFY_SOCKET" {
    start_listener
    NOTIFY_SOCKET=$NSOCK run_conman run --rm --sdnotify=ignore --rootfs "$ROOTFS" sh -c 'echo "ns=[$NOTIFY_SOCKET]"'
    assert_status 0
    [ "$output" = "ns=[]" ]
    send_marker MARKER
    wait_for_text "$NOUT" MARKER
    [ "$(head -n 1 "$NOUT")" = MARKER ]
}

@test "--sdnotify rejects unknown modes" {
    run_conman run --rm --sdnotify=bogus --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *bogus* ]]
    run_conman ps -aq
    [ -z "$output" ]
}

# --- cidfile, replace ---

@test "--cidfile holds the full ID, is refused when it exists and goes with the container" {
    local cid=$TEST_DIR/ctr.id
    run_conman run -d --name c1 --cidfile "$cid" --rootfs "$ROOTFS" sleep 100
    assert_status 0
    [ "$(cat "$cid")" = "$output" ]
    [ "${#output}" -eq 64 ]
    run_conman run -d --name c2 --cidfile "$cid" --rootfs "$ROOTFS" sleep 100
    assert_status 125
    [[ "$stderr" == *"$cid"* ]]
    run_conman ps -aq --filter name=c2
    [ -z "$output" ]
    run_conman stop -t 0 --cidfile "$cid"
    assert_status 0
    state_is c1 exited
    run_conman rm --cidfile "$cid"
    assert_status 0
    [ ! -e "$cid" ]
    run_conman ps -aq
    [ -z "$output" ]
    # --ignore: a missing cidfile is not an error
    run_conman rm -f --ignore --cidfile "$cid"
    assert_status 0
    run_conman rm -f --cidfile "$cid"
    assert_status 125
}

@test "--cidfile of create is removed by rm, and by run --rm" {
    run_conman create --name c3 --cidfile "$TEST_DIR/c3.id" --rootfs "$ROOTFS" true
    assert_status 0
    [ "$(cat "$TEST_DIR/c3.id")" = "$output" ]
    run_conman rm c3
    [ ! -e "$TEST_DIR/c3.id" ]
    run_conman run --rm --cidfile "$TEST_DIR/c4.id" --rootfs "$ROOTFS" true
    assert_status 0
    [ ! -e "$TEST_DIR/c4.id" ]
}

@test "--replace removes a container of that name first" {
    run_conman run -d --name r1 --rootfs "$ROOTFS" sleep 100
    local old=$output
    run_conman run -d --name r1 --rootfs "$ROOTFS" sleep 100
    assert_status 125
    [[ "$stderr" == *r1* ]]
    run_conman run -d --replace --name r1 --rootfs "$ROOTFS" sleep 100
    assert_status 0
    [ "$output" != "$old" ]
    [ "$(inspect r1 '{{.Id}}')" = "$output" ]
    state_is r1 running
    run_conman inspect "$old"
    assert_status 125
}

# --- generate systemd ---

@test "generate systemd: a start/stop unit whose commands work by hand" {
    run_conman create --name g1 --rootfs "$ROOTFS" sleep 100
    local id=$output
    cd "$TEST_DIR"
    run_conman generate systemd --name --files -t 2 g1
    assert_status 0
    local unit=$TEST_DIR/container-g1.service
    [ "$output" = "$unit" ]
    grep -q '^\[Unit\]$' "$unit"
    grep -q '^\[Install\]$' "$unit"
    [ "$(unit_value "$unit" Type)" = forking ]
    [ "$(unit_value "$unit" Restart)" = on-failure ]
    [ "$(unit_value "$unit" TimeoutStopSec)" = 62 ]
    [ "$(unit_value "$unit" PIDFile)" = "$CM_RUNROOT/$id/shim.pid" ]
    [ "$(unit_value "$unit" ExecStart)" = "$CONMAN_BIN --root $CM_ROOT --runroot $CM_RUNROOT start g1" ]
    [ "$(unit_value "$unit" ExecStop)" = "$CONMAN_BIN --root $CM_ROOT --runroot $CM_RUNROOT stop -t 2 g1" ]
    [ "$(unit_value "$unit" WantedBy)" = default.target ]
    run run_unit_line "$unit" ExecStart
    assert_status 0
    state_is g1 running
    # systemd reads PIDFile once ExecStart has returned: the shim, alive.
    [ "$(cat "$CM_RUNROOT/$id/shim.pid")" = "$(inspect g1 '{{.State.ConmonPid}}')" ]
    kill -0 "$(cat "$CM_RUNROOT/$id/shim.pid")"
    run run_unit_line "$unit" ExecStop
    assert_status 0
    state_is g1 exited
    run run_unit_line "$unit" ExecStopPost
    assert_status 0
    # Without --name the unit and its commands use the ID; stdout without --files.
    run_conman generate systemd --restart-policy always --no-header g1
    assert_status 0
    [[ "${lines[0]}" == "[Unit]" ]]
    [[ "$output" == *"ExecStart=$CONMAN_BIN --root $CM_ROOT --runroot $CM_RUNROOT start $id"* ]]
    [[ "$output" == *"Restart=always"* ]]
}

@test "generate systemd --new: run -d --rm --replace --sdnotify=conman from the create command" {
    start_listener
    run_conman run -d --name g2 -e 'GREETING=hi there' --rootfs "$ROOTFS" sh -c 'echo "$GREETING"; sleep 100'
    local first=$output
    cd "$TEST_DIR"
    run_conman generate systemd --new --name --files g2
    assert_status 0
    local unit=$TEST_DIR/container-g2.service
    [ "$(unit_value "$unit" Type)" = notify ]
    [ "$(unit_value "$unit" NotifyAccess)" = all ]
    local start
    start=$(unit_value "$unit" ExecStart)
    [[ "$start" == "$CONMAN_BIN --root $CM_ROOT --runroot $CM_RUNROOT run --cidfile=%t/%n.ctr-id --rm --sdnotify=conman --replace -d --name g2 "* ]]
    [[ "$start" == *'"echo \"$$GREETING\"; sleep 100"' ]]
    [ "$(unit_value "$unit" ExecStop)" = "$CONMAN_BIN --root $CM_ROOT --runroot $CM_RUNROOT stop --ignore -t 10 --cidfile=%t/%n.ctr-id" ]
    # ExecStart replaces the original container and notifies.
    NOTIFY_SOCKET=$NSOCK run run_unit_line "$unit" ExecStart
    assert_status 0
    local id
    id=$(cat "$TEST_DIR/container-g2.service.ctr-id")
    [ "$id" != "$first" ]
    [ "$(inspect g2 '{{.Id}}')" = "$id" ]
    state_is g2 running
    wait_for_log g2 'hi there'
    wait_for_text "$NOUT" READY=1
    [ "$(grep -m1 '^MAINPID=' "$NOUT" | cut -d= -f2)" = "$(inspect g2 '{{.State.ConmonPid}}')" ]
    # A restart of the unit: stop, remove, start a fresh one.
    local n
    for n in 1 2; do
        run run_unit_line "$unit" ExecStop
        assert_status 0
        run_conman ps -q
        [ -z "$output" ]  # stopped (and, --rm, perhaps removed already)
        run run_unit_line "$unit" ExecStopPost
        assert_status 0
        run_conman ps -aq
        [ -z "$output" ]
        [ ! -e "$TEST_DIR/container-g2.service.ctr-id" ]
        [ "$n" -eq 2 ] && break
        run run_unit_line "$unit" ExecStart
        assert_status 0
        [ "$(cat "$TEST_DIR/container-g2.service.ctr-id")" != "$id" ]
        state_is g2 running
    done
    # Both are harmless when there is nothing to stop (--ignore).
    run run_unit_line "$unit" ExecStop
    assert_status 0
    run run_unit_line "$unit" ExecStopPost
    assert_status 0
}

@test "generate systemd refuses bad input" {
    run_conman generate systemd nosuch
    assert_status 125
    [[ "$stderr" == *nosuch* ]]
    run_conman create --name g3 --rootfs "$ROOTFS" true
    run_conman generate systemd --restart-policy sometimes g3
    assert_status 125
    [[ "$stderr" == *sometimes* ]]
}

# --- restart policies ---

@test "--restart=on-failure:2 restarts exactly twice" {
    run_conman run -d --name rf --restart on-failure:2 --rootfs "$ROOTFS" sh -c 'echo run; exit 3'
    assert_status 0
    wait_until shim_gone rf
    state_is rf exited
    [ "$(log_count rf run)" -eq 3 ]
    [ "$(inspect rf '{{.RestartCount}}')" = 2 ]
    [ "$(inspect rf '{{.State.ExitCode}}')" = 3 ]
    [ "$(inspect rf '{{.HostConfig.RestartPolicy.Name}}')" = on-failure ]
    [ "$(inspect rf '{{.HostConfig.RestartPolicy.MaximumRetryCount}}')" = 2 ]
}

@test "--restart=on-failure does not restart a clean exit" {
    run_conman run -d --name rok --restart on-failure --rootfs "$ROOTFS" sh -c 'echo run; exit 0'
    wait_until shim_gone rok
    [ "$(log_count rok run)" -eq 1 ]
    [ "$(inspect rok '{{.RestartCount}}')" = 0 ]
}

@test "--restart=always restarts until stop, and stop leaves it stopped" {
    run_conman run -d --name ra --restart always --rootfs "$ROOTFS" sh -c 'echo run; exit 0'
    assert_status 0
    wait_until log_count_at_least ra run 3
    run_conman stop -t 1 ra
    assert_status 0
    wait_until shim_gone ra
    state_is ra exited
    local n
    n=$(inspect ra '{{.RestartCount}}')
    [ "$n" -ge 2 ]
    # The shim is gone: nothing can start it again. A user start does, and
    # starts the count afresh.
    run_conman start ra
    assert_status 0
    wait_until log_count_at_least ra run $((n + 3))
    run_conman rm -f ra
    assert_status 0
    run_conman ps -aq
    [ -z "$output" ]
}

@test "--restart=always: a process killed from outside is restarted; stop and kill are not" {
    run_conman run -d --name rk --restart always --rootfs "$ROOTFS" sh -c 'echo run; sleep 100'
    wait_for_log rk run
    local pid
    pid=$(inspect rk '{{.State.Pid}}')
    kill -9 "$pid"
    wait_until log_count_at_least rk run 2
    wait_until state_is rk running
    [ "$(inspect rk '{{.RestartCount}}')" = 1 ]
    [ "$(inspect rk '{{.State.Pid}}')" != "$pid" ]
    kill -0 "$(inspect rk '{{.State.Pid}}')"
    run_conman stop -t 0 rk
    assert_status 0
    wait_until shim_gone rk
    state_is rk exited
    [ "$(log_count rk run)" -eq 2 ]

    run_conman run -d --name rk2 --restart on-failure --rootfs "$ROOTFS" sleep 100
    run_conman kill rk2
    assert_status 0
    wait_until shim_gone rk2
    state_is rk2 exited
    [ "$(inspect rk2 '{{.State.ExitCode}}')" = 137 ]
    [ "$(inspect rk2 '{{.RestartCount}}')" = 0 ]
}

@test "--restart=unless-stopped restarts like always, but a stop holds across a reboot" {
    run_conman run -d --name ru --restart unless-stopped --rootfs "$ROOTFS" sh -c 'echo run; sleep 100'
    wait_for_log ru run
    kill -9 "$(inspect ru '{{.State.Pid}}')"
    wait_until log_count_at_least ru run 2
    wait_until state_is ru running
    run_conman stop -t 0 ru
    wait_until shim_gone ru
    # A reboot: the runtime state is gone.
    rm -rf "${CM_RUNROOT:?}"/*
    run_conman start --all --filter restart-policy=always --filter restart-policy=unless-stopped
    assert_status 0
    state_is ru exited
    # A user start clears the stop.
    run_conman start ru
    wait_until state_is ru running
}

@test "--restart rejects bad policies and --rm" {
    run_conman run -d --restart sometimes --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *sometimes* ]]
    run_conman run -d --restart always:3 --rootfs "$ROOTFS" true
    assert_status 125
    run_conman run --rm --restart always --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *--rm* ]]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "after a reboot, start --all --filter restart-policy=always brings back the always containers" {
    # No network: a real reboot also clears the namespaces' mounts, which rm below cannot.
    run_conman run -d --name b1 --network none --restart always --rootfs "$ROOTFS" sh -c 'echo up; sleep 1000'
    run_conman run -d --name b2 --network none --rootfs "$ROOTFS" sleep 1000
    run_conman run -d --name b3 --network none --restart on-failure --rootfs "$ROOTFS" sleep 1000
    wait_for_log b1 up
    local c
    # Power off: shims and containers die without a word, the runroot is wiped.
    for c in b1 b2 b3; do
        kill -9 "$(inspect $c '{{.State.ConmonPid}}')" "$(inspect $c '{{.State.Pid}}')"
    done
    for c in b1 b2 b3; do wait_until shim_gone $c; done
    runc --root "$CM_RUNROOT/runtime" list -q | while read -r id; do
        runc --root "$CM_RUNROOT/runtime" delete --force "$id"
    done
    rm -rf "${CM_RUNROOT:?}"/*
    state_is b1 exited
    # What contrib/systemd/conman-restart.service runs at boot.
    grep -q -- 'start --all --filter restart-policy=always' "$REPO/contrib/systemd/conman-restart.service"
    run_conman start --all --filter restart-policy=always
    assert_status 0
    [ "$output" = "$(inspect b1 '{{.Id}}')" ]
    state_is b1 running
    state_is b2 exited
    state_is b3 exited
    wait_until log_count_at_least b1 up 2
    run_conman ps -q --filter restart-policy=always
    [ "$output" = "$(inspect b1 '{{.Id}}' | cut -c1-12)" ]
    run_conman start --filter restart-policy=always b1
    assert_status 125
}
