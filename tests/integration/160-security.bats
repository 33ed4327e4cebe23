#!/usr/bin/env bats
# Confinement seen from inside a container: the default seccomp profile,
# capabilities, masked and read-only paths, and the flags that change them.

load helpers

setup_file() {
    # A private copy of the test rootfs with sysprobe (tests/fixtures/sysprobe.c)
    # in it: it makes the syscalls and prints what each returned.
    local base=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    [ -x "$base/bin/busybox" ] || bash "$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$base"
    export SEC_ROOTFS=$BATS_FILE_TMPDIR/rootfs
    cp -a "$base" "$SEC_ROOTFS"
    mkdir -p "$SEC_ROOTFS/mnt"
    gcc -static -O2 -o "$SEC_ROOTFS/bin/sysprobe" "$BATS_TEST_DIRNAME/../fixtures/sysprobe.c"
}

# podman's default set: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID
# SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP.
DEFAULT_CAPS=00000000800405fb

@test "default seccomp profile: namespaces, keyrings, mounts and clock setting fail with EPERM" {
    run_conman run --rm --rootfs "$SEC_ROOTFS" sysprobe unshare keyctl mount settimeofday clone3 chroot personality
    assert_status 0
    [ "${lines[0]}" = "unshare=EPERM" ]
    [ "${lines[1]}" = "keyctl=EPERM" ]
    [ "${lines[2]}" = "mount=EPERM" ]
    [ "${lines[3]}" = "settimeofday=EPERM" ]
    # clone3 is ENOSYS so C libraries fall back to clone, which is filtered by its flags.
    [ "${lines[4]}" = "clone3=ENOSYS" ]
    [ "${lines[5]}" = "chroot=OK" ]
    [ "${lines[6]}" = "personality=OK" ]
}

@test "default capabilities, masked paths and a read-only /sys" {
    run_conman run --rm --rootfs "$SEC_ROOTFS" sh -c 'grep -E "^Cap(Eff|Bnd)" /proc/self/status; wc -c </proc/keys; ls /proc/acpi | wc -l; mkdir /sys/x 2>&1; (echo 1 >/proc/sys/kernel/domainname) 2>&1'
    assert_status 1
    [ "${lines[0]}" = "CapEff:	$DEFAULT_CAPS" ]
    [ "${lines[1]}" = "CapBnd:	$DEFAULT_CAPS" ]
    # Masked: files read as empty (/dev/null over them), directories are empty.
    [ "${lines[2]}" = "0" ]
    [ "${lines[3]}" = "0" ]
    [[ "${lines[4]}" == *"Read-only file system"* ]]
    [[ "${lines[5]}" == *"Read-only file system"* ]]
    # Every masked path this host has is covered inside the container.
    for p in /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
        /proc/sched_debug /proc/scsi /sys/firmware; do
        [ -e "$p" ] || continue
        run_conman run --rm --rootfs "$SEC_ROOTFS" grep -c " $p " /proc/self/mountinfo
        [ "$output" = "1" ] || { echo "$p is not masked" >&2; return 1; }
    done
}

@test "--cap-add and --cap-drop take names with or without CAP_, and ALL" {
    run_conman run --rm --cap-drop ALL --cap-add net_admin --rootfs "$SEC_ROOTFS" grep CapEff /proc/self/status
    assert_status 0
    [ "$output" = "CapEff:	0000000000001000" ]
    run_conman run --rm --cap-drop CAP_CHOWN --cap-drop kill --rootfs "$SEC_ROOTFS" grep CapEff /proc/self/status
    [ "$output" = "CapEff:	00000000800405da" ]
    # CAP_SYS_ADMIN also opens the syscalls the seccomp profile ties to it.
    run_conman run --rm --cap-add SYS_ADMIN --rootfs "$SEC_ROOTFS" sysprobe unshare
    [ "$output" = "unshare=OK" ]
    # exec sessions get the container's set.
    run_conman run -d --name nocaps --cap-drop ALL --rootfs "$SEC_ROOTFS" sleep 100
    run_conman exec nocaps grep CapEff /proc/self/status
    [ "$output" = "CapEff:	0000000000000000" ]
    run_conman run --rm --cap-add bogus --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [ "$stderr" = 'conman: unknown capability "bogus"' ]
    run_conman ps -a --format '{{.Names}}'
    [ "$output" = "nocaps" ]
}

@test "--privileged: every capability we hold, host devices, nothing masked, no seccomp" {
    bnd=$(awk '/^CapBnd/{print $2}' /proc/self/status)
    run_conman run --rm --privileged --rootfs "$SEC_ROOTFS" sh -c 'grep CapEff /proc/self/status; grep -c " /proc/kcore " /proc/self/mountinfo; test -c /dev/fuse -o -c /dev/loop-control && echo devices; sysprobe keyctl unshare; echo 0 >/sys/kernel/mm/ksm/run 2>&1 || true'
    [ "${lines[0]}" = "CapEff:	$bnd" ]
    [ "${lines[1]}" = "0" ]
    [ "${lines[2]}" = "devices" ]
    [ "${lines[3]}" = "keyctl=OK" ]
    [ "${lines[4]}" = "unshare=OK" ]
}

@test "--security-opt seccomp=unconfined and seccomp=PATH; bad profiles are refused at create" {
    run_conman run --rm --security-opt seccomp=unconfined --rootfs "$SEC_ROOTFS" sysprobe keyctl mount
    [ "${lines[0]}" = "keyctl=OK" ]
    [ "${lines[1]}" = "mount=EPERM" ]  # still no CAP_SYS_ADMIN
    cat >"$TEST_DIR/profile.json" <<'JSON'
{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}
JSON
    run_conman run --rm --security-opt seccomp="$TEST_DIR/profile.json" --rootfs "$SEC_ROOTFS" sysprobe mkdir keyctl
    [ "${lines[0]}" = "mkdir=EACCES" ]
    [ "${lines[1]}" = "keyctl=OK" ]
    echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["nosuchcall"], "action": "SCMP_ACT_ERRNO"}]}' >"$TEST_DIR/bad.json"
    run_conman create --name badprof --security-opt seccomp="$TEST_DIR/bad.json" --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [ "$stderr" = "conman: seccomp profile $TEST_DIR/bad.json: unknown syscall \"nosuchcall\"" ]
    echo '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_EXPLODE"}]}' >"$TEST_DIR/bad2.json"
    run_conman create --security-opt seccomp="$TEST_DIR/bad2.json" --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [[ "$stderr" == *'unknown action "SCMP_ACT_EXPLODE"'* ]]
    run_conman create --security-opt seccomp="$TEST_DIR/missing.json" --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"missing.json"* ]]
    run_conman ps -a -q
    [ -z "$output" ]
}

@test "no-new-privileges, mask= and unmask=" {
    run_conman run --rm --security-opt no-new-privileges --security-opt mask=/etc/hostname \
        --security-opt unmask=/proc/kcore --rootfs "$SEC_ROOTFS" \
        sh -c 'grep NoNewPrivs /proc/self/status; wc -c </etc/hostname; grep -c " /proc/kcore " /proc/self/mountinfo'
    [ "${lines[0]}" = "NoNewPrivs:	1" ]
    [ "${lines[1]}" = "0" ]
    [ "${lines[2]}" = "0" ]
    run_conman run --rm --rootfs "$SEC_ROOTFS" grep NoNewPrivs /proc/self/status
    [ "$output" = "NoNewPrivs:	0" ]
}

@test "--read-only keeps /run, /tmp and /var/tmp writable unless --read-only-tmpfs=false" {
    run_conman run --rm --read-only --rootfs "$SEC_ROOTFS" sh -c 'touch /x 2>&1; touch /tmp/y /run/y /var/tmp/y && echo tmpfs-ok'
    [[ "${lines[0]}" == *"Read-only file system"* ]]
    [ "${lines[1]}" = "tmpfs-ok" ]
    run_conman run --rm --read-only --read-only-tmpfs=false --rootfs "$SEC_ROOTFS" sh -c 'touch /tmp/y 2>&1'
    [[ "$output" == *"Read-only file system"* ]]
}

@test "--user, --group-add, --ulimit, --pids-limit, --sysctl, --device" {
    run_conman run --rm --user 1000:1000 --group-add 10 --group-add 4242 --rootfs "$SEC_ROOTFS" sh -c 'id -u; id -g; id -G'
    [ "${lines[0]}" = "1000" ]
    [ "${lines[1]}" = "1000" ]
    [ "${lines[2]}" = "1000 10 4242" ]
    run_conman run --rm --group-add nosuchgroup --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"unable to find group nosuchgroup"* ]]
    run_conman run --rm --ulimit nofile=512:1024 --rootfs "$SEC_ROOTFS" sh -c 'ulimit -n; ulimit -Hn'
    [ "${lines[0]}" = "512" ]
    [ "${lines[1]}" = "1024" ]
    # More than this process's hard limit: clamped, with a warning.
    hard=$(ulimit -Hn)
    run_conman run --rm --ulimit nofile=64:$((hard + 1000)) --rootfs "$SEC_ROOTFS" sh -c 'ulimit -Hn'
    [ "$output" = "$hard" ]
    [[ "$stderr" == *"warning"*"RLIMIT_NOFILE"* ]]
    run_conman run --rm --ulimit bogus=1 --rootfs "$SEC_ROOTFS" true
    assert_status 125
    run_conman run --rm --pids-limit 50 --rootfs "$SEC_ROOTFS" sh -c 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'
    [ "$output" = "50" ]
    run_conman run --rm --sysctl net.ipv4.ip_forward=1 --rootfs "$SEC_ROOTFS" cat /proc/sys/net/ipv4/ip_forward
    [ "$output" = "1" ]
    run_conman run --rm --sysctl kernel.hostname=x --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"not namespaced"* ]]
    run_conman run --rm --device /dev/null:/dev/mynull:rw --rootfs "$SEC_ROOTFS" sh -c 'echo hi >/dev/mynull && ls -l /dev/mynull'
    assert_status 0
    [[ "$output" == c*"1,"*"3"*"/dev/mynull" ]]
    run_conman run --rm --device /etc/passwd --rootfs "$SEC_ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"not a device node"* ]]
}

@test "inspect shows the confinement a container was created with" {
    run_conman create --name insp --cap-drop kill --cap-add net_admin --read-only --pids-limit 99 \
        --security-opt no-new-privileges --rootfs "$SEC_ROOTFS" true
    assert_status 0
    run_conman inspect --format '{{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}} {{.HostConfig.ReadonlyRootfs}} {{.HostConfig.SecurityOpt}} {{.HostConfig.PidsLimit}} {{len .EffectiveCaps}}' insp
    [ "$output" = "[CAP_NET_ADMIN] [CAP_KILL] true [no-new-privileges] 99 11" ]
    run_conman create --name dflt --rootfs "$SEC_ROOTFS" true
    run_conman inspect --format '{{.HostConfig.CapAdd}} {{.HostConfig.Privileged}} {{len .EffectiveCaps}}' dflt
    [ "$output" = "[] false 11" ]
}
