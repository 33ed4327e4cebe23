#!/usr/bin/env bats
# conman run: output, exit codes, and the create flags.

load helpers

@test "run prints the container's output and exits 0" {
    run_conman run --rm --rootfs "$ROOTFS" echo hello
    assert_status 0
    [ "$output" = "hello" ]
}

@test "run keeps stdout and stderr apart" {
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'echo out; echo err >&2'
    assert_status 0
    [ "$output" = "out" ]
    [ "$stderr" = "err" ]
}

@test "run exits with the container's code (1, 3, 143)" {
    run_conman run --rm --rootfs "$ROOTFS" false
    assert_status 1
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'exit 3'
    assert_status 3
    # A child killed by SIGTERM: the shell reports 128+15.
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'sleep 100 & kill -TERM $!; wait $!'
    assert_status 143
}

@test "a missing command is 127 with a one-line error naming it" {
    run_conman -127 run --rm --rootfs "$ROOTFS" nosuchcmd
    assert_status 127
    [[ "$stderr" == *nosuchcmd* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run_conman ps -aq
    [ -z "$output" ]  # nothing half-created is left
}

@test "a non-executable command is 126" {
    run_conman run --rm --rootfs "$ROOTFS" /etc/passwd
    assert_status 126
    [[ "$stderr" == *"/etc/passwd"* ]]
    run_conman ps -aq
    [ -z "$output" ]
}

@test "bad input is 125 and leaves nothing: missing rootfs, bad name, no command" {
    run_conman run --rootfs /nonexistent/dir true
    assert_status 125
    [[ "$stderr" == *"/nonexistent/dir"* ]]
    run_conman run --name 'bad/name' --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"bad/name"* ]]
    run_conman run --rootfs "$ROOTFS"
    assert_status 125
    run_conman --runtime /nonexistent/runc run --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"/nonexistent/runc"* ]]
    run_conman ps -aq
    [ -z "$output" ]
    [ -z "$(ls "$CM_ROOT/containers")" ]
}

@test "-e, --env-file, -w, -u, --hostname and --entrypoint reach the process" {
    printf '# comment\nFROM_FILE=yes\n\nSHARED=file\n' > "$TEST_DIR/env"
    run_conman run --rm -e A=1 -e SHARED=flag --env-file "$TEST_DIR/env" -w /tmp -u user \
        --hostname box1 --rootfs "$ROOTFS" sh -c 'echo $A $FROM_FILE $SHARED; pwd; id -u; id -g; hostname; cat /etc/hostname'
    assert_status 0
    [ "${lines[0]}" = "1 yes flag" ]
    [ "${lines[1]}" = "/tmp" ]
    [ "${lines[2]}" = "1000" ]
    [ "${lines[3]}" = "1000" ]
    [ "${lines[4]}" = "box1" ]
    [ "${lines[5]}" = "box1" ]
    run_conman run --rm --entrypoint /bin/echo --rootfs "$ROOTFS" from entrypoint
    [ "$output" = "from entrypoint" ]
    run_conman run --rm --entrypoint '["/bin/sh","-c"]' --rootfs "$ROOTFS" 'echo json $0' arg0
    [ "$output" = "json arg0" ]
}

@test "-e KEY copies the value from conman's environment" {
    FROM_HOST=hostvalue run_conman run --rm -e FROM_HOST --rootfs "$ROOTFS" sh -c 'echo $FROM_HOST'
    [ "$output" = "hostvalue" ]
}

@test "an unknown user is a clear 125" {
    run_conman run --rm -u nobodyhere --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *nobodyhere* ]]
}

@test "the generated /etc/hosts and /etc/resolv.conf are mounted" {
    run_conman run --rm --name hostsbox --rootfs "$ROOTFS" cat /etc/hosts
    assert_status 0
    [[ "$output" == *localhost* ]]
    [[ "$output" == *hostsbox* ]]
    run_conman run --rm --rootfs "$ROOTFS" test -f /etc/resolv.conf
    assert_status 0
}

@test "--rm removes the container after it exits; without it the container stays" {
    run_conman run --rm --name gone --rootfs "$ROOTFS" true
    assert_status 0
    run_conman ps -a --format '{{.Names}}'
    [[ "$output" != *gone* ]]
    run_conman run --name kept --rootfs "$ROOTFS" true
    run_conman ps -a --format '{{.Names}} {{.State}}'
    [ "$output" = "kept exited" ]
}

@test "duplicate names are refused; --replace replaces" {
    conman run -d --name dup --rootfs "$ROOTFS" sleep 100
    run_conman run -d --name dup --rootfs "$ROOTFS" sleep 100
    assert_status 125
    [[ "$stderr" == *'"dup" is already in use'* ]]
    old=$(conman inspect --format '{{.Id}}' dup)
    run_conman run -d --replace --name dup --rootfs "$ROOTFS" sleep 100
    assert_status 0
    [ "$output" != "$old" ]
    [ "$(conman ps -q --no-trunc)" = "$output" ]
}

@test "--cidfile receives the ID and must not exist yet" {
    run_conman run -d --cidfile "$TEST_DIR/cid" --rootfs "$ROOTFS" sleep 100
    assert_status 0
    [ "$(cat "$TEST_DIR/cid")" = "$output" ]
    run_conman run -d --cidfile "$TEST_DIR/cid" --rootfs "$ROOTFS" true
    assert_status 125
    [[ "$stderr" == *"$TEST_DIR/cid"* ]]
}

@test "run -d prints the full ID and the container runs on" {
    run_conman run -d --rootfs "$ROOTFS" sleep 100
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run_conman inspect --format '{{.State.Status}} {{.State.Running}}' "$output"
    [ "$output" = "running true" ]
}

@test "the container's capabilities are podman's default set" {
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'grep CapEff /proc/self/status'
    assert_status 0
    [[ "$output" == *"00000000800405fb"* ]]
}

@test "labels are recorded" {
    conman run -d --name lab -l team=blue -l tier --rootfs "$ROOTFS" sleep 100
    run_conman inspect --format '{{index .Config.Labels "team"}}' lab
    [ "$output" = "blue" ]
}

@test "--runtime crun: runs, or fails with crun's own message on one line and leaves nothing" {
    command -v crun >/dev/null || skip "crun is not installed"
    run_conman --runtime crun run --rm --rootfs "$ROOTFS" echo via-crun
    if [ "$status" -eq 0 ]; then
        [ "$output" = "via-crun" ]
    else
        assert_status 125
        [[ "$stderr" == "conman: crun"* ]]
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    fi
    run_conman ps -aq
    [ -z "$output" ]
}
