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
    start_test_registry
}

teardown_file() {
    stop_test_registry
    for u in "$RL_USER" "$RL_NOSUB"; do
        runuser -u "$u" -- env HOME="$RL_DIR/$u" "$CONMAN_BIN" --root "$RL_DIR/$u/root" --runroot "$RL_DIR/$u/run" \
            rm -af -t 0 >/dev/null 2>&1 || true
        pkill -u "$u" -f conman-shim 2>/dev/null || true  # shims and pause processes
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

@test "two users at once: each keeps exactly its own containers" {
    for u in "$RL_USER" "$RL_NOSUB"; do
        fs=rootfs; [ "$u" = "$RL_NOSUB" ] && fs=rootfs-nosub
        mkdir -p "$RL_DIR/$u" && chown "$u:$u" "$RL_DIR/$u" && chmod 700 "$RL_DIR/$u"
        for i in 1 2 3 4; do
            runuser -u "$u" -- env HOME="$RL_DIR/$u" XDG_RUNTIME_DIR= "$CONMAN_BIN" --root "$RL_DIR/$u/root" \
                --runroot "$RL_DIR/$u/run" run -d --name "$u-$i" --rootfs "$RL_DIR/$fs" sleep 100 >/dev/null 2>&1 &
        done
    done
    wait
    for u in "$RL_USER" "$RL_NOSUB"; do
        as_user "$u" ps --format '{{.Names}}'
        assert_status 0
        [ "$(echo "$output" | sort | tr '\n' ' ')" = "$u-1 $u-2 $u-3 $u-4 " ]
        as_user "$u" rm -f "$u-1" "$u-2" "$u-3" "$u-4"
        assert_status 0
    done
}

@test "a runroot someone else made is refused" {
    evil=$RL_DIR/evil-run
    mkdir -m 777 "$evil"
    run --separate-stderr runuser -u "$RL_USER" -- env HOME="$RL_DIR" "$CONMAN_BIN" --root "$RL_DIR/$RL_USER/root" --runroot "$evil" ps
    assert_status 125
    [[ "$stderr" == *"runroot $evil: not a private directory of this user"* ]]
}

@test "rootless: pull, run, exec and rmi an image (layers unpacked in the user's namespace)" {
    as_user "$RL_USER" pull -q --tls-verify=false "$REG/multi"
    assert_status 0
    # Whiteouts, a removed directory and an opaque directory, through overlay in the user namespace.
    as_user "$RL_USER" run --rm "$REG/multi" 'id -u; ls /app | tr "\n" ","; echo; ls /app/opq'
    assert_status 0
    [ "${lines[0]}" = "4242" ]
    [ "${lines[1]}" = "keep.txt,opq,setuid," ]
    [ "${lines[2]}" = "upper.txt" ]
    # Image files owned by root belong to the user on the host; other ids to the subuid range.
    base=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
    owner=$(stat -c %U "$(find "$RL_DIR/$RL_USER/root/images/layers" -path '*/diff/bin/busybox' | head -n 1)")
    [ "$owner" = "$RL_USER" ]
    as_user "$RL_USER" run --name imgsvc "$REG/multi" 'touch /tmp/made-by-appuser; stat -c %u /tmp/made-by-appuser'
    assert_status 0
    [ "$output" = "4242" ]
    upper=$(find "$RL_DIR/$RL_USER/root/containers" -path '*/upper/tmp/made-by-appuser' | head -n 1)
    [ "$(stat -c %u "$upper")" = "$((base + 4241))" ]
    as_user "$RL_USER" rm -f imgsvc
    assert_status 0
    as_user "$RL_USER" rmi "$REG/multi"
    assert_status 0
    as_user "$RL_USER" images -q
    [ -z "$output" ]
}

@test "rootless: a terminal, attach, commit, save, load, cp and export" {
    local u=$RL_USER home=$RL_DIR/$RL_USER
    as_user "$u" ps -a   # makes the user's state directory
    run runuser -u "$u" -- env HOME="$home" XDG_RUNTIME_DIR= script -qec \
        "$CONMAN_BIN --root $home/root --runroot $home/run run --rm -t --rootfs $RL_DIR/rootfs sh -c 'tty; echo in-tty'" /dev/null
    assert_status 0
    [[ "$output" == *"/dev/pts/0"* ]]
    [[ "$output" == *"in-tty"* ]]
    # attach: stdin in, output back, EOF ends the container.
    as_user "$u" create -i --name att --rootfs "$RL_DIR/rootfs" sh -c 'while read l; do echo got:$l; done; echo eof'
    assert_status 0
    as_user "$u" start att
    run bash -c "printf 'one\ntwo\n' | runuser -u $u -- env HOME=$home XDG_RUNTIME_DIR= $CONMAN_BIN --root $home/root --runroot $home/run attach att"
    assert_status 0
    [ "$output" = "$(printf 'got:one\ngot:two\neof')" ]
    as_user "$u" rm att
    assert_status 0
    as_user "$u" run --name made --tls-verify=false "$REG/busybox" sh -c 'echo payload >/tmp/f'
    assert_status 0
    as_user "$u" commit -q made localhost/mine
    assert_status 0
    as_user "$u" cp made:/tmp/f "$home/copied"
    assert_status 0
    [ "$(cat "$home/copied")" = "payload" ]
    [ "$(stat -c %U "$home/copied")" = "$u" ]
    as_user "$u" export -o "$home/made.tar" made
    assert_status 0
    tar -tf "$home/made.tar" | grep -qx 'tmp/f'
    as_user "$u" save -o "$home/mine.tar" localhost/mine
    assert_status 0
    as_user "$u" rm made
    as_user "$u" rmi localhost/mine
    assert_status 0
    as_user "$u" load -q -i "$home/mine.tar"
    assert_status 0
    as_user "$u" run --rm localhost/mine cat /tmp/f
    assert_status 0
    [ "$output" = "payload" ]
    as_user "$u" rmi -a -f
}

@test "rootless: the vfs storage driver works too" {
    as_user "$RL_USER" --storage-driver vfs run --rm --tls-verify=false "$REG/multi" 'cat /app/keep.txt; ls /app/opq'
    assert_status 0
    [ "${lines[0]}" = "keep" ]
    [ "${lines[1]}" = "upper.txt" ]
}

@test "rootless: --userns=keep-id runs as the user, and files it writes are the user's" {
    uid=$(id -u "$RL_USER")
    gid=$(id -g "$RL_USER")
    as_user "$RL_USER" run --rm --userns keep-id --rootfs "$RL_DIR/rootfs" sh -c 'id -u; id -g; touch /tmp/by-keep-id'
    assert_status 0
    [ "${lines[0]}" = "$uid" ]
    [ "${lines[1]}" = "$gid" ]
    [ "$(stat -c '%u:%g' "$RL_DIR/rootfs/tmp/by-keep-id")" = "$uid:$gid" ]
    rm -f "$RL_DIR/rootfs/tmp/by-keep-id"
    as_user "$RL_USER" run --rm --userns keep-id:uid=500,gid=600 --rootfs "$RL_DIR/rootfs" sh -c 'id -u; id -g'
    [ "${lines[0]}" = "500" ]
    [ "${lines[1]}" = "600" ]
    as_user "$RL_USER" run --rm --userns keep-id:uid=999999 --rootfs "$RL_DIR/rootfs" true
    assert_status 125
    [[ "$stderr" == *"--userns keep-id:uid=999999: uid 999999 needs 1000000 mapped ids"* ]]
    as_user "$RL_USER" ps -aq
    [ -z "$output" ]
}

@test "--userns: bad values and keep-id as root are refused" {
    run_conman run --rm --userns nonsense --rootfs "$ROOTFS" true
    assert_status 125
    [ "$stderr" = "conman: invalid --userns nonsense: use host or keep-id[:uid=N,gid=N]" ]
    run_conman run --rm --userns keep-id --rootfs "$ROOTFS" true
    assert_status 125
    [ "$stderr" = "conman: --userns keep-id: keep-id is for rootless conman only" ]
    run_conman run --rm --userns host --rootfs "$ROOTFS" true
    assert_status 0
}

@test "rootless: containers outlive the pause process; concurrent first calls make one namespace" {
    as_user "$RL_USER" run -d --name keeper --rootfs "$RL_DIR/rootfs" sleep 100
    assert_status 0
    pidfile=$RL_DIR/$RL_USER/run/pause.pid
    old=$(cat "$pidfile")
    kill -9 "$old"
    as_user "$RL_USER" exec keeper echo still-here
    assert_status 0
    [ "$output" = "still-here" ]
    new=$(cat "$pidfile")
    [ "$new" != "$old" ]
    # The new pause process holds the running container's namespace.
    as_user "$RL_USER" inspect --format '{{.State.ConmonPid}}' keeper
    shim=$output
    [ "$(readlink /proc/$new/ns/user)" = "$(readlink /proc/$shim/ns/user)" ]
    as_user "$RL_USER" rm -f keeper
    assert_status 0
    # No namespace at all: eight invocations at once agree on one.
    kill -9 "$(cat "$pidfile")"
    before=$(pgrep -c -u "$RL_USER" -f '^conman-shim --pause$' || true)
    for i in 1 2 3 4 5 6 7 8; do
        runuser -u "$RL_USER" -- env HOME="$RL_DIR/$RL_USER" XDG_RUNTIME_DIR= \
            "$CONMAN_BIN" --root "$RL_DIR/$RL_USER/root" --runroot "$RL_DIR/$RL_USER/run" ps -q >"$RL_DIR/ps.$i" 2>&1 &
    done
    wait
    for i in 1 2 3 4 5 6 7 8; do [ ! -s "$RL_DIR/ps.$i" ]; done
    # (a killed pause process is a zombie with no command line: pgrep -f skips it)
    after=$(pgrep -c -u "$RL_USER" -f '^conman-shim --pause$')
    [ "$after" -eq $((before + 1)) ]
    kill -0 "$(cat "$pidfile")"
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
