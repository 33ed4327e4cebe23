#!/usr/bin/env bats
# Crash safety: conman killed with SIGKILL in the middle of create, start,
# stop, rm and pull, at named points (CONMAN_CRASH_AT, see crash_point.hpp)
# and after swept delays. Each time the next conman must read the truth,
# `system check` must report what is left and `--repair` must clear it,
# leaving no runtime state, shim, mount or network behind.

load helpers

setup_file() {
    start_test_registry
}

teardown_file() {
    stop_test_registry
}

IMG=localhost/crashbox:latest

import_image() {
    tar -C "$ROOTFS" -c . | conman import - "$IMG" >/dev/null
}

# crash POINT ARGS...: runs conman ARGS with a crash at POINT; it must die of SIGKILL.
crash() {
    local point=$1; shift
    run -137 env CONMAN_CRASH_AT="$point" "${CM[@]}" "$@"
}

# Every container ps lists is in a state the next command can trust: a
# running or created one has a live shim; any other has a reason or a code.
# A shim whose conman was killed before the create finished may still be
# busy: running the runtime (no pid file yet) or killing the container it
# can no longer report. It holds its lock until it is done; once the lock
# is free, the next read must show the container exited with a reason.
assert_listing_truthful() {
    run_conman ps -a --no-trunc --format '{{.ID}}'
    assert_status 0
    local id st
    for id in $output; do
        st=$(conman inspect --format '{{.State.Status}}' "$id")
        case $st in
            running|created|paused)
                local lock=$CM_RUNROOT/$id/shim.lock
                if [ -e "$lock" ] && ! flock -n "$lock" true; then continue; fi
                st=$(conman inspect --format '{{.State.Status}}' "$id")
                [ "$st" = exited ] || { echo "container $id: $st without a shim" >&2; return 1; }
                ;&
            exited|unknown)
                local err code
                err=$(conman inspect --format '{{.State.Error}}' "$id")
                code=$(conman inspect --format '{{.State.ExitCode}}' "$id")
                [ -n "$err" ] || [ "$code" -ge 0 ] ;;
            *) echo "container $id: unexpected status $st" >&2; return 1 ;;
        esac
    done
}

# check_finds TEXT: `system check` reports a problem matching TEXT and fails.
check_finds() {
    run_conman system check
    assert_status 125
    [[ "$output" == *"$1"* ]]
    [[ "$stderr" == *"problems found: run \`conman system check --repair\`"* ]]
}

repair_and_verify() {
    run_conman system check --repair
    assert_status 0
    run_conman system check
    assert_status 0
    [ "$output" = "No problems found" ]
}

# Nothing of this test's containers is left once they are all removed.
assert_nothing_left() {
    run_conman rm -af -t 0
    assert_status 0
    run_conman ps -aq
    [ -z "$output" ]
    [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q 2>/dev/null)" ]
    ! pgrep -f "conman-shim.*$CM_RUNROOT" >/dev/null
    [ -z "$(findmnt -rn -o TARGET | grep "^$CM_ROOT/" || true)" ]
    [ -z "$(ls "$CM_RUNROOT/netns" 2>/dev/null | grep -v '^lock$' || true)" ]
    [ -z "$(ls -A "$CM_ROOT/names")" ]
    run_conman system check
    assert_status 0
}

@test "system check finds nothing in a healthy store" {
    import_image
    conman run -d --name ok "$IMG" sleep 1000 >/dev/null
    conman create --name made "$IMG" true >/dev/null
    conman run --name done "$IMG" true
    run_conman system check
    assert_status 0
    [ "$output" = "No problems found" ]
    assert_nothing_left
}

@test "crash after the name is claimed: the name is free again and check removes the stale entry" {
    import_image
    crash create:name-claimed run -d --name c1 "$IMG" sleep 1000
    run_conman ps -aq
    [ -z "$output" ]
    check_finds "name c1: names container"
    repair_and_verify
    run_conman run -d --name c1 "$IMG" sleep 1000
    assert_status 0
    assert_nothing_left
}

@test "crash with the rootfs mounted or the bundle written: listed as unknown with a reason, check removes it" {
    import_image
    for point in create:rootfs-mounted create:bundle-written; do
        crash "$point" run -d --name c1 "$IMG" sleep 1000
        assert_listing_truthful
        run_conman ps -a --format '{{.Status}}'
        [[ "$output" == *nknown* ]]
        run_conman inspect --format '{{.State.Error}}' "$(ls "$CM_ROOT/containers" | grep -v '^\.' | head -n 1)"
        [[ "$output" == *"interrupted while creating it"* ]]
        check_finds "has no record: its create was interrupted"
        repair_and_verify
        [ -z "$(findmnt -rn -o TARGET | grep "^$CM_ROOT/" || true)" ]
        run_conman run -d --name c1 "$IMG" sleep 1000
        assert_status 0
        conman rm -f -t 0 c1 >/dev/null
    done
    assert_nothing_left
}

@test "crash after the record, before the shim: exited with a reason; check records it; rm works" {
    import_image
    for point in create:record-saved launch:network-ready; do
        crash "$point" run -d --name c1 "$IMG" sleep 1000
        assert_listing_truthful
        run_conman inspect --format '{{.State.Status}} {{.State.Error}}' c1
        [[ "$output" == "exited conman-shim is not running"* ]]
        check_finds "container"
        [[ "$output" == *"(c1): its conman-shim is gone and left no exit record"* ]]
        repair_and_verify
        [ -z "$(ls "$CM_RUNROOT/netns" 2>/dev/null | grep -v '^lock$' || true)" ]
        # It can be started again, then removed.
        run_conman start c1
        assert_status 0
        [ "$(conman inspect --format '{{.State.Status}}' c1)" = running ]
        conman rm -f -t 0 c1 >/dev/null
    done
    assert_nothing_left
}

@test "crash once the shim runs: the container runs and nothing needs repair" {
    import_image
    for point in create:shim-started create:done; do
        crash "$point" run -d --name c1 "$IMG" sleep 1000
        assert_listing_truthful
        [ "$(conman inspect --format '{{.State.Status}}' c1)" = running ]
        run_conman system check
        assert_status 0
        conman rm -f -t 0 c1 >/dev/null
    done
    assert_nothing_left
}

@test "crash in start: the next conman sees the truth and start or check puts it right" {
    import_image
    conman create --name made "$IMG" sleep 1000 >/dev/null
    crash start:before-runtime start made
    assert_listing_truthful
    [ "$(conman inspect --format '{{.State.Status}}' made)" = created ]
    run_conman start made
    assert_status 0
    [ "$(conman inspect --format '{{.State.Status}}' made)" = running ]

    conman create --name made2 "$IMG" sleep 1000 >/dev/null
    crash start:runtime-started start made2
    assert_listing_truthful
    check_finds "(made2): its start was interrupted"
    repair_and_verify
    [ "$(conman inspect --format '{{.State.Status}}' made2)" = running ]

    conman run --name again "$IMG" true
    crash restart:cleared start again
    assert_listing_truthful
    check_finds "(again): its conman-shim is gone"
    repair_and_verify
    run_conman start -a again
    assert_status 0
    assert_nothing_left
}

@test "crash in stop and rm: the container is stopped or gone, never half" {
    import_image
    conman run -d --name s1 "$IMG" sleep 1000 >/dev/null
    crash stop:exited stop -t 0 s1
    assert_listing_truthful
    [ "$(conman inspect --format '{{.State.Status}}' s1)" = exited ]
    run_conman system check
    assert_status 0

    for point in rm:runtime-deleted rm:network-down rm:unmounted; do
        conman run -d --name r1 "$IMG" sleep 1000 >/dev/null
        crash "$point" rm -f -t 0 r1
        assert_listing_truthful
        [ "$(conman inspect --format '{{.State.Status}}' r1)" = exited ]
        run_conman system check
        assert_status 0
        run_conman rm r1
        assert_status 0
    done
    for point in rm:renamed rm:socket-dir-removed; do
        conman run -d --name r1 "$IMG" sleep 1000 >/dev/null
        crash "$point" rm -f -t 0 r1
        run_conman inspect r1
        assert_status 125
        [[ "$stderr" == *"no such container"* ]]
        check_finds "its removal was interrupted"
        repair_and_verify
        [ -z "$(ls -A "$CM_ROOT/containers" | grep '^\.removing' || true)" ]
        run_conman run -d --name r1 "$IMG" sleep 1000
        assert_status 0
        conman rm -f -t 0 r1 >/dev/null
    done
    assert_nothing_left
}

@test "crash between a pull's layer renames and its record: no image, check removes the orphan layers" {
    crash pull:layers-committed pull --tls-verify=false "$REG/busybox"
    run_conman images -q
    [ -z "$output" ]
    check_finds "belongs to no image"
    [[ "$output" == *"layer sha256:"* ]]
    repair_and_verify
    [ -z "$(ls "$CM_ROOT/images/layers")" ]
    run_conman pull -q --tls-verify=false "$REG/busybox"
    assert_status 0
    run_conman run --rm "$REG/busybox" echo pulled
    assert_status 0
    [ "$output" = pulled ]
}

@test "an unpacker killed with a layer half written: the pull fails naming it, no image, nothing to repair" {
    # The crash point kills the unpacking process after its second tar
    # entry; conman itself lives and must report it.
    run -125 --separate-stderr env CONMAN_CRASH_AT=unpack:mid-layer "${CM[@]}" pull -q --tls-verify=false "$REG/busybox"
    [[ "$stderr" == *"layer sha256:"*"the unpacker died before it reported"* ]]
    run_conman images -q
    [ -z "$output" ]
    [ -z "$(ls -A "$CM_ROOT/images/layers")" ]
    [ -z "$(ls -A "$CM_ROOT/images/tmp")" ]
    run_conman system check
    assert_status 0
    run_conman pull -q --tls-verify=false "$REG/busybox"
    assert_status 0
    run_conman run --rm "$REG/busybox" echo pulled
    [ "$output" = pulled ]
}

# sweep CMD...: kills `conman CMD` after 0, 5, 10, ... ms; after each kill
# the listing is truthful and check --repair leaves a clean store.
sweep() {
    local ms
    for ms in 0 5 10 20 40 60 80 120 160 240 320 480; do
        "${CM[@]}" "$@" >/dev/null 2>&1 &
        local pid=$!
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" || true
        assert_listing_truthful
        run_conman system check --repair
        assert_status 0
        run_conman system check
        assert_status 0
    done
}

@test "kill -9 after a swept delay: run -d" {
    import_image
    sweep run -d "$IMG" sleep 1000
    assert_nothing_left
}

@test "kill -9 after a swept delay: rm -f of a running container" {
    import_image
    local ms
    for ms in 0 5 10 20 40 60 80 120 160 240 320 480; do
        conman run -d --name victim "$IMG" sleep 1000 >/dev/null
        "${CM[@]}" rm -f -t 0 victim >/dev/null 2>&1 &
        local pid=$!
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" || true
        assert_listing_truthful
        run_conman system check --repair
        assert_status 0
        # Whatever the kill left, rm finishes the job and the name is free.
        run_conman rm -f -t 0 victim
        [ "$status" -eq 0 ] || [[ "$stderr" == *"no such container"* ]]
    done
    assert_nothing_left
}

@test "kill -9 after a swept delay: pull" {
    local ms
    for ms in 0 10 20 40 80 120 160 240 320 480; do
        "${CM[@]}" pull -q --tls-verify=false "$REG/busybox" >/dev/null 2>&1 &
        local pid=$!
        sleep "$(printf '0.%03d' "$ms")"
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" || true
        run_conman system check --repair --max 0
        assert_status 0
        run_conman system check --max 0
        assert_status 0
        # Either the image is whole or absent; a second pull completes it.
        run_conman pull -q --tls-verify=false "$REG/busybox"
        assert_status 0
        run_conman run --rm "$REG/busybox" true
        assert_status 0
        conman rmi -f "$REG/busybox" >/dev/null
        [ -z "$(ls "$CM_ROOT/images/layers")" ]
    done
}
