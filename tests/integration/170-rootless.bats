#!/usr/bin/env bats
# Rootless conman: ordinary users (made by this file, with and without
# /etc/subuid ranges) run containers in a user namespace; users cannot see
# or reach each other's or root's containers.

load helpers

setup_file() {
    command -v newuidmap >/dev/null || skip "newuidmap (uidmap package) is not installed"
    export RL_USER=cmtest-rl RL_NOSUB=cmtest-nosub
    id "$RL_USER" >/dev/null 2>&1 || useradd -m "$RL_USER"
    id "$RL_NOSUB" >/dev/null 2>&1 || useradd -m "$RL_NOSUB"
    for f in /etc/subuid /etc/subgid; do
        grep -q "^$RL_USER:" "$f" || echo "$RL_USER:300000:65536" >>"$f"
        sed -i "/^$RL_NOSUB:/d" "$f"
    done
    # A rootfs the user owns (container root is the user), with sysprobe.
    local base=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    [ -x "$base/bin/busybox" ] || bash "$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$base"
    export RL_DIR=$(mktemp -d /tmp/cmrl.XXXXXX)
    chmod 755 "$RL_DIR"
    cp -a "$base" "$RL_DIR/rootfs"
    mkdir -p "$RL_DIR/rootfs/tmp" "$RL_DIR/rootfs/mnt"
    chmod 1777 "$RL_DIR/rootfs/tmp"
    gcc -static -O2 -o "$RL_DIR/rootfs/bin/sysprobe" "$BATS_TEST_DIRNAME/../fixtures/sysprobe.c"
    chown -R "$RL_USER:$RL_USER" "$RL_DIR/rootfs"
    cp -a "$RL_DIR/rootfs" "$RL_DIR/rootfs-nosub"
    chown -R "$RL_NOSUB:$RL_NOSUB" "$RL_DIR/rootfs-nosub"
}

teardown_file() {
    for u in "$RL_USER" "$RL_NOSUB"; do
        runuser -u "$u" -- "$CONMAN_BIN" --root "$RL_DIR/$u/root" --runroot "$RL_DIR/$u/run" rm -af -t 0 >/dev/null 2>&1 || true
        pkill -u "$u" conman-shim 2>/dev/null || true
    done
    rm -rf "$RL_DIR"
}

# as_user USER ARGS: conman as USER with that user's private state; like run_conman.
as_user() {
    local u=$1; shift
    local i
    mkdir -p "$RL_DIR/$u"
    chown "$u:$u" "$RL_DIR/$u"
    chmod 700 "$RL_DIR/$u"
    run --separate-stderr runuser -u "$u" -- env HOME="$RL_DIR/$u" XDG_RUNTIME_DIR= \
        "$CONMAN_BIN" --root "$RL_DIR/$u/root" --runroot "$RL_DIR/$u/run" "$@"
}

@test "rootless: run, exec, logs, ps, stop and rm as an ordinary user with subuid ranges" {
    as_user "$RL_USER" run --rm --rootfs "$RL_DIR/rootfs" sh -c 'id -u; cat /proc/self/uid_map | wc -l; echo hi'
    assert_status 0
    [ "${lines[0]}" = "0" ]
    [ "${lines[1]}" = "2" ]
    [ "${lines[2]}" = "hi" ]
    [ -z "$stderr" ]
    as_user "$RL_USER" run -d --name svc --rootfs "$RL_DIR/rootfs" sh -c 'echo started; exec sleep 100'
    assert_status 0
    as_user "$RL_USER" exec svc sh -c 'echo from-exec; id -u'
    [ "${lines[0]}" = "from-exec" ]
    [ "${lines[1]}" = "0" ]
    as_user "$RL_USER" logs svc
    [ "$output" = "started" ]
    as_user "$RL_USER" ps --format '{{.Names}} {{.Status}}'
    [[ "$output" == "svc Up"* ]]
    as_user "$RL_USER" stop -t 0 svc
    assert_status 0
    as_user "$RL_USER" rm svc
    assert_status 0
    as_user "$RL_USER" ps -a -q
    [ -z "$output" ]
    # State is the user's own and private.
    [ "$(stat -c '%U %a' "$RL_DIR/$RL_USER/run")" = "$RL_USER 700" ]
    [ "$(stat -c '%U' "$RL_DIR/$RL_USER/root/containers")" = "$RL_USER" ]
}

@test "rootless: container uids map onto the user's subuid range" {
    as_user "$RL_USER" run --rm --user 1000:1000 --rootfs "$RL_DIR/rootfs" touch /tmp/by-1000
    assert_status 0
    # useradd may have given the user a range already: use whatever /etc/subuid says.
    base=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
    gbase=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subgid)
    [ "$(stat -c '%u:%g' "$RL_DIR/rootfs/tmp/by-1000")" = "$((base + 999)):$((gbase + 999))" ]
    rm -f "$RL_DIR/rootfs/tmp/by-1000"
}

@test "rootless: the default confinement holds inside the user namespace" {
    as_user "$RL_USER" run --rm --rootfs "$RL_DIR/rootfs" sh -c 'grep CapEff /proc/self/status; sysprobe keyctl unshare mount'
    [ "${lines[0]}" = "CapEff:	00000000800405fb" ]
    [ "${lines[1]}" = "keyctl=EPERM" ]
    [ "${lines[2]}" = "unshare=EPERM" ]
    [ "${lines[3]}" = "mount=EPERM" ]
    as_user "$RL_USER" run --rm --pids-limit 100 --rootfs "$RL_DIR/rootfs" true
    assert_status 125
    [[ "$stderr" == *"--pids-limit 100: resource limits need a delegated cgroup"* ]]
}

@test "rootless without subuid ranges: one mapped id and a clear warning" {
    as_user "$RL_NOSUB" run --rm --rootfs "$RL_DIR/rootfs-nosub" sh -c 'cat /proc/self/uid_map | wc -l; id -u'
    assert_status 0
    [ "${lines[0]}" = "1" ]
    [ "${lines[1]}" = "0" ]
    [[ "$stderr" == *"warning: no /etc/subuid and /etc/subgid ranges for $RL_NOSUB: only root is mapped"* ]]
}

@test "users cannot see, attach to or remove root's containers" {
    chmod 755 "$TEST_DIR"
    conman run -d --name rootsvc --rootfs "$ROOTFS" sleep 100 >/dev/null
    run --separate-stderr runuser -u "$RL_USER" -- "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" ps -a
    assert_status 125
    [[ "$stderr" == *"not a private directory"* ]]
    run --separate-stderr runuser -u "$RL_USER" -- "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$RL_DIR/$RL_USER/run" ps -a
    assert_status 125
    [[ "$stderr" == *"Permission denied"* ]]
    run --separate-stderr runuser -u "$RL_USER" -- "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" rm -f rootsvc
    assert_status 125
    run --separate-stderr runuser -u "$RL_USER" -- "$CONMAN_BIN" --root "$RL_DIR/x" --runroot "$CM_RUNROOT" attach rootsvc
    assert_status 125
    run_conman ps --format '{{.Names}} {{.Status}}'
    [[ "$output" == "rootsvc Up"* ]]
    # The root store and the socket directory are root's alone.
    [ "$(stat -c '%a' "$CM_ROOT")" = "700" ] || [ "$(stat -c '%a' "$CM_ROOT/containers")" = "700" ]
    [ "$(stat -c '%a' "$CM_RUNROOT")" = "700" ]
}

@test "a runroot someone else made is refused" {
    evil=$RL_DIR/evil-run
    mkdir -m 777 "$evil"
    run --separate-stderr runuser -u "$RL_USER" -- env HOME="$RL_DIR" "$CONMAN_BIN" --root "$RL_DIR/$RL_USER/root" --runroot "$evil" ps
    assert_status 125
    [[ "$stderr" == *"runroot $evil: not a private directory of this user"* ]]
}

@test "rootless: images are refused with a clear message, not a half-unpacked layer" {
    as_user "$RL_USER" pull --tls-verify=false 127.0.0.1:1/busybox
    assert_status 125
    [ "$stderr" = "conman: pulling 127.0.0.1:1/busybox: images are not supported for ordinary users yet (unpacking layers needs a user namespace); run containers from a directory with --rootfs" ]
    as_user "$RL_USER" images -q
    assert_status 0
    [ -z "$output" ]
    [ -z "$(find "$RL_DIR/$RL_USER/root/images/layers" "$RL_DIR/$RL_USER/root/images/tmp" -mindepth 1 2>/dev/null)" ]
}

@test "rootless: bind mounts, named volumes and tmpfs mounts" {
    hostdir=$RL_DIR/bind-$RL_USER
    mkdir -p "$hostdir"
    chown "$RL_USER:$RL_USER" "$hostdir"
    as_user "$RL_USER" run --rm -v "$hostdir:/mnt/h" --rootfs "$RL_DIR/rootfs" sh -c 'echo hi > /mnt/h/f'
    assert_status 0
    [ "$(cat "$hostdir/f")" = hi ]
    [ "$(stat -c %U "$hostdir/f")" = "$RL_USER" ]
    as_user "$RL_USER" run --rm -v "$hostdir:/mnt/h:ro" --rootfs "$RL_DIR/rootfs" sh -c 'cat /mnt/h/f; touch /mnt/h/g || exit 9'
    assert_status 9
    [ "$output" = hi ]
    as_user "$RL_USER" run --name vw -v rlvol:/mnt/v --rootfs "$RL_DIR/rootfs" sh -c 'echo kept > /mnt/v/f'
    assert_status 0
    as_user "$RL_USER" rm vw
    as_user "$RL_USER" run --rm -v rlvol:/mnt/v:ro --tmpfs /mnt/t:size=1m --rootfs "$RL_DIR/rootfs" \
        sh -c 'cat /mnt/v/f; grep " /mnt/t " /proc/mounts; touch /mnt/v/g || exit 9'
    assert_status 9
    [ "${lines[0]}" = kept ]
    [[ "${lines[1]}" == "tmpfs /mnt/t tmpfs "*"size=1024k"* ]]
    [ "$(stat -c %U "$RL_DIR/$RL_USER/root/volumes/rlvol/_data/f")" = "$RL_USER" ]
    as_user "$RL_USER" volume rm rlvol
    assert_status 0
    as_user "$RL_USER" volume ls -q
    [ -z "$output" ]
}
