#!/usr/bin/env bats
# Fault injection: a full disk, broken or hanging runtimes, killed processes
# and damaged state files. Each test breaks one thing on purpose and checks
# what a user sees: the exit code, a one-line error naming the object and the
# reason, what ps/inspect say, and that everything else keeps working.

load helpers

setup_file() {
    start_test_registry
}

teardown_file() {
    stop_test_registry
}

eval "helpers_teardown() $(declare -f teardown | tail -n +2)"
teardown() {
    if [ -n "${SMALL:-}" ]; then
        rm -f "$SMALL"/fill*
        "$CONMAN_BIN" --root "$SMALL/root" --runroot "$CM_RUNROOT" rm -af -t 0 >/dev/null 2>&1 || true
        umount "$SMALL" 2>/dev/null || umount -l "$SMALL" 2>/dev/null || true
    fi
    helpers_teardown
}

# small_root MB: a MB-sized tmpfs as this test's --root (SMALL is its mount point).
small_root() {
    SMALL=$TEST_DIR/small
    mkdir -p "$SMALL"
    mount -t tmpfs -o "size=$1m" tmpfs "$SMALL" || skip "cannot mount a tmpfs here"
    CM_ROOT=$SMALL/root
    CM=("$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT")
    conman ps -a >/dev/null  # lays out the store while there is room
}

# fill_disk: takes every free block of the small root.
fill_disk() {
    dd if=/dev/zero of="$SMALL/fill" bs=1M 2>/dev/null || true
    dd if=/dev/zero of="$SMALL/fill2" bs=4k 2>/dev/null || true
    [ "$(stat -f -c %a "$SMALL")" -eq 0 ]
}

free_disk() {
    rm -f "$SMALL"/fill*
}

# one_line: the last run's stderr is one line.
one_line() {
    [ "$(grep -c . <<<"$stderr")" -eq 1 ] || { echo "stderr is not one line: $stderr" >&2; return 1; }
}

# no_leftovers: no container, no name, no runtime state, no shim, no mount.
no_leftovers() {
    run_conman ps -aq
    [ -z "$output" ]
    [ -z "$(ls -A "$CM_ROOT/containers")" ]
    [ -z "$(ls -A "$CM_ROOT/names")" ]
    [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q 2>/dev/null)" ]
    # A shim that reported a failure exits right after: bounded wait.
    local i
    for i in $(seq 1 100); do pgrep -f "conman-shim.*$CM_RUNROOT" >/dev/null || break; sleep 0.05; done
    ! pgrep -f "conman-shim.*$CM_RUNROOT" >/dev/null
    ! grep -q " $CM_ROOT/" /proc/self/mountinfo
}

# --- disk full ---

@test "disk full: create and run fail with 125 naming the container, leave nothing, and the name stays free" {
    small_root 8
    fill_disk
    for verb in create "run -d" run; do
        run_conman $verb --name full --rootfs "$ROOTFS" true
        assert_status 125
        one_line
        [[ "$stderr" == *"No space left on device"* ]]
        [[ "$stderr" == *full* ]] || { echo "$verb: $stderr"; false; }
        no_leftovers
    done
    free_disk
    run_conman run --name full --rootfs "$ROOTFS" echo fits
    assert_status 0
    [ "$output" = "fits" ]
}

@test "disk full: import and pull fail cleanly and leave no half image" {
    small_root 8
    tar -C "$ROOTFS" -cf "$TEST_DIR/rootfs.tar" .
    conman import "$TEST_DIR/rootfs.tar" kept >/dev/null
    fill_disk
    run_conman import "$TEST_DIR/rootfs.tar" fullimg
    assert_status 125
    one_line
    [[ "$stderr" == *"No space left on device"* ]]
    run_conman pull -q --tls-verify=false "$REG/busybox"
    assert_status 125
    one_line
    [[ "$stderr" == *"No space left on device"* ]]
    run_conman images --format '{{.Repository}}'
    assert_status 0
    [ "$output" = "localhost/kept" ]
    [ -z "$(ls -A "$CM_ROOT/images/tmp")" ]
    free_disk
    run_conman import "$TEST_DIR/rootfs.tar" fullimg
    assert_status 0
}

@test "disk full: a container that fills the disk with output is not blocked; its state and log stay readable" {
    small_root 8
    conman run -d --name idle --rootfs "$ROOTFS" sleep 1000 >/dev/null
    conman run -d --name noisy --rootfs "$ROOTFS" \
        sh -c 'i=0; while [ $i -lt 150000 ]; do echo "line $i of some output that takes space"; i=$((i+1)); done; exit 3'
    run timeout 120 "${CM[@]}" wait noisy
    assert_status 0
    [ "$output" = "3" ]
    # The log took the whole disk.
    [ "$(stat -f -c %a "$SMALL")" -lt 4 ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' noisy
    assert_status 0
    [ "$output" = "exited 3" ]
    run_conman logs noisy
    assert_status 0
    [ "${lines[0]}" = "line 0 of some output that takes space" ]
    [ "${#lines[@]}" -gt 1000 ]
    run_conman ps -a --format '{{.Names}} {{.Status}}'
    assert_status 0
    [[ "$output" == *"noisy Exited (3)"* ]]
    # On the full disk: stop records the exit, rm removes.
    run timeout 60 "${CM[@]}" stop -t 0 idle
    assert_status 0
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' idle
    [ "$output" = "exited 137" ]
    run_conman rm noisy idle
    assert_status 0
    no_leftovers
}

@test "disk full: a running container stops with its exit recorded when the disk fills under it" {
    small_root 8
    conman run -d --name steady --rootfs "$ROOTFS" sh -c 'echo up; trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
    wait_for_log steady up
    fill_disk
    run timeout 60 "${CM[@]}" stop steady
    assert_status 0
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}} {{.State.Error}}' steady
    [ "$output" = "exited 7 " ]
    run_conman logs steady
    [ "$output" = "up" ]
    run_conman rm steady
    assert_status 0
    no_leftovers
}

# --- runtime faults ---

@test "runtime missing: 125 naming it, nothing made" {
    run_conman --runtime /nonexistent/runc-x run --rm --rootfs "$ROOTFS" true
    assert_status 125
    one_line
    [[ "$stderr" == *runc-x* ]]
    no_leftovers
}

@test "runtime that fails: 125 with its name and message, nothing half-made" {
    printf '#!/bin/sh\necho "badrt: the machine is on fire" >&2\nexit 1\n' >"$TEST_DIR/badrt"
    chmod +x "$TEST_DIR/badrt"
    for verb in create "run -d" run; do
        run_conman --runtime "$TEST_DIR/badrt" $verb --name broken --rootfs "$ROOTFS" true
        assert_status 125
        one_line
        [[ "$stderr" == *badrt* ]]
        [[ "$stderr" == *"the machine is on fire"* ]]
        no_leftovers
    done
    run_conman run --name broken --rootfs "$ROOTFS" echo fine
    assert_status 0
    [ "$output" = fine ]
}

@test "runtime that hangs on create: bounded by the create timeout, killed, nothing left" {
    printf '#!/bin/sh\ncase " $* " in *" delete "*) exit 0;; esac\necho $$ > %s/hang.pid\nexec sleep 1000\n' \
        "$TEST_DIR" >"$TEST_DIR/hangrt"
    chmod +x "$TEST_DIR/hangrt"
    SECONDS=0
    export CONMAN_CREATE_TIMEOUT_MS=1500
    run_conman --runtime "$TEST_DIR/hangrt" run -d --name stuck --rootfs "$ROOTFS" true
    assert_status 125
    [ "$SECONDS" -lt 15 ]
    one_line
    [[ "$stderr" == *hangrt* ]]
    [[ "$stderr" == *"timed out"* ]]
    [ -s "$TEST_DIR/hang.pid" ]
    [ ! -d "/proc/$(cat "$TEST_DIR/hang.pid")" ] ||
        grep -q '^State:[[:space:]]*Z' "/proc/$(cat "$TEST_DIR/hang.pid")/status"
    no_leftovers
}

@test "crun that cannot run here: 125 and a clear error naming crun" {
    command -v crun >/dev/null || skip "crun is not installed"
    run_conman --runtime crun run --rm --rootfs "$ROOTFS" echo via-crun
    [ "$status" -eq 0 ] && skip "crun works on this host"
    assert_status 125
    one_line
    [[ "$stderr" == *crun* ]]
    no_leftovers
}

# --- killed processes ---

@test "kill -9 of the container's process: 137 recorded" {
    conman run -d --name victim --rootfs "$ROOTFS" sleep 1000 >/dev/null
    pid=$(conman inspect --format '{{.State.Pid}}' victim)
    kill -9 "$pid"
    run_conman wait victim
    [ "$output" = "137" ]
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' victim
    [ "$output" = "exited 137" ]
    run_conman ps -a --format '{{.Names}} {{.Status}}'
    [[ "$output" == "victim Exited (137)"* ]]
}

@test "kill -9 of the shim: exited with a reason, logs kept, rm leaves no runtime state or process" {
    conman run -d --name orphan --rootfs "$ROOTFS" sh -c 'echo before; exec sleep 1000' >/dev/null
    wait_for_log orphan before
    shim=$(conman inspect --format '{{.State.ConmonPid}}' orphan)
    pid=$(conman inspect --format '{{.State.Pid}}' orphan)
    kill -9 "$shim"
    for i in $(seq 1 200); do [ -d "/proc/$shim" ] || break; sleep 0.05; done
    run_conman inspect --format '{{.State.Status}}|{{.State.Error}}' orphan
    [[ "$output" == exited\|*shim* ]]
    run_conman logs orphan
    [ "$output" = "before" ]
    run_conman rm orphan
    assert_status 0
    [ ! -d "/proc/$pid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
    no_leftovers
}

# --- damaged state ---

@test "damaged record (empty, garbage) of an exited and a running container: listed as broken, rm -f works" {
    conman run -d --name good --rootfs "$ROOTFS" sh -c 'echo good-log; exec sleep 1000' >/dev/null
    dead=$(conman create --name dead --rootfs "$ROOTFS" true)
    live=$(conman run -d --name live --rootfs "$ROOTFS" sleep 1000)
    livepid=$(conman inspect --format '{{.State.Pid}}' live)
    : >"$CM_ROOT/containers/$dead/config.json"
    head -c 300 /dev/urandom >"$CM_ROOT/containers/$live/config.json"
    run_conman ps -a --format '{{.ID}} {{.Status}}'
    assert_status 0
    [[ "$output" == *"${dead:0:12} Unknown"* ]]
    [[ "$output" == *"${live:0:12} Unknown"* ]]
    run_conman inspect --format '{{.State.Status}}|{{.State.Error}}' "$dead"
    assert_status 0
    [[ "$output" == "unknown|"*"corrupt container record"* ]]
    run_conman inspect --format '{{.State.Status}}' good
    [ "$output" = running ]
    wait_for_log good good-log
    run_conman run --rm --rootfs "$ROOTFS" echo still-works
    [ "$output" = still-works ]
    run_conman rm -f "$dead" "$live"
    assert_status 0
    [ ! -d "/proc/$livepid" ] || grep -q '^State:[[:space:]]*Z' "/proc/$livepid/status"
    [ ! -e "$CM_ROOT/containers/$dead" ]
    [ ! -e "$CM_ROOT/containers/$live" ]
    # Their names are free again.
    run_conman create --name dead --rootfs "$ROOTFS" true
    assert_status 0
    run_conman create --name live --rootfs "$ROOTFS" true
    assert_status 0
    [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q | grep -e "$dead" -e "$live")" ]
}

@test "damaged exit and started files: the container still lists and is removable" {
    run_conman run --name ex --rootfs "$ROOTFS" sh -c 'exit 4'
    assert_status 4
    id=$(conman inspect --format '{{.Id}}' ex)
    printf '{"exit_co' >"$CM_ROOT/containers/$id/exit"
    printf 'not-a-number' >"$CM_ROOT/containers/$id/started"
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}|{{.State.Error}}' ex
    assert_status 0
    [[ "$output" == "exited -1|"*"corrupt exit record"* ]]
    run_conman ps -a --format '{{.Names}} {{.Status}}'
    assert_status 0
    [[ "$output" == "ex Exited (-1)"* ]]
    run_conman start ex
    assert_status 0
    run_conman wait ex
    [ "$output" = 4 ]
    head -c 100 /dev/urandom >"$CM_ROOT/containers/$id/exit"
    run_conman rm ex
    assert_status 0
    run_conman ps -aq
    [ -z "$output" ]
}

@test "damaged names index: dangling link, regular file: no crash, no duplicate names" {
    id=$(conman create --name taken --rootfs "$ROOTFS" true)
    ln -s 0000000000000000000000000000000000000000000000000000000000000000 "$CM_ROOT/names/ghost"
    rm "$CM_ROOT/names/taken"
    echo "$id" >"$CM_ROOT/names/taken"
    run_conman ps -a --format '{{.Names}}'
    assert_status 0
    [ "$output" = taken ]
    run_conman inspect --format '{{.Id}}' taken
    assert_status 0
    [ "$output" = "$id" ]
    run_conman create --name taken --rootfs "$ROOTFS" true
    assert_status 125
    one_line
    [[ "$stderr" == *"already in use"* ]]
    run_conman create --name ghost --rootfs "$ROOTFS" true
    assert_status 0
    [ "$(conman ps -a --format '{{.Names}}' | sort | tr '\n' ' ')" = "ghost taken " ]
    run_conman rm taken ghost
    assert_status 0
    [ -z "$(ls -A "$CM_ROOT/names")" ]
}

@test "torn lines in the events log and the container log are skipped" {
    conman run --name talk --rootfs "$ROOTFS" sh -c 'echo one; echo two'
    id=$(conman inspect --format '{{.Id}}' talk)
    printf '{"time": 17, "type": "contai' >>"$CM_ROOT/events/events.log"
    printf 'garbage\n' >>"$CM_ROOT/events/events.log"
    conman rm talk >/dev/null
    run_conman events --stream=false --format '{{.Status}} {{.Name}}'
    assert_status 0
    [[ "$output" == *"remove talk"* ]]
    conman run --name talk2 --rootfs "$ROOTFS" sh -c 'echo one; echo two'
    log="$CM_ROOT/containers/$(conman inspect --format '{{.Id}}' talk2)/ctr.log"
    { head -n 1 "$log"; printf '2026-12-05T08:00:0\nnot a record\n'; tail -n 1 "$log"; } >"$log.new"
    mv "$log.new" "$log"
    run_conman logs talk2
    assert_status 0
    [ "$output" = "$(printf 'one\ntwo')" ]
}

@test "damaged image record: other images listed, rmi of it works" {
    tar -C "$ROOTFS" -cf "$TEST_DIR/rootfs.tar" .
    conman import "$TEST_DIR/rootfs.tar" img1 >/dev/null
    bad=$(conman import "$TEST_DIR/rootfs.tar" img2 --change 'CMD ["true"]')
    bad=${bad#sha256:}
    echo '{"id": "' >"$CM_ROOT/images/records/$bad.json"
    run_conman images --format '{{.Repository}}'
    assert_status 0
    [[ "$output" == *localhost/img1* ]]
    run_conman run --rm img1 echo ok
    [ "$output" = ok ]
    # rmi by its full ID removes the record it cannot read, and the layers
    # only it used: nothing is left for system check.
    run_conman rmi "$bad"
    assert_status 0
    [[ "$output" == *"Deleted: $bad"* ]]
    [ ! -e "$CM_ROOT/images/records/$bad.json" ]
    run_conman system check
    assert_status 0
    run_conman run --rm img1 echo still
    [ "$output" = still ]
}

@test "damaged volume record: volume ls works and volume rm removes it" {
    conman volume create good >/dev/null
    conman volume create bad >/dev/null
    echo '{"na' >"$CM_ROOT/volumes/bad/config.json"
    run_conman volume ls --format '{{.Name}}'
    assert_status 0
    [[ "$output" == *good* ]]
    run_conman volume rm bad
    assert_status 0
    run_conman volume ls -q
    [ "$output" = good ]
    run_conman volume create bad
    assert_status 0
}
