#!/usr/bin/env bats
# conman exec: through the container's shim, with the exec'd command's exit
# code, 126/127, stdin EOF, terminals and detached sessions.

load helpers


start_box() {
    conman run -d --name box --rootfs "$ROOTFS" sh -c 'echo up; while :; do sleep 1; done' >/dev/null
    wait_for_log box up
}

@test "exec runs in the container and returns the command's exit code" {
    start_box
    run_conman exec box sh -c 'echo out; echo err >&2; exit 3'
    assert_status 3
    [ "$output" = "out" ]
    [ "$stderr" = "err" ]
    run_conman exec box hostname
    [ "$output" = "$(conman inspect --format '{{.Config.Hostname}}' box)" ]
    # Same namespaces: the container's init is pid 1 for the exec'd process.
    run_conman exec box cat /proc/1/cmdline
    [[ "$output" == sh* ]]
}

@test "exec: 127 for a missing command, 126 for a non-executable one" {
    start_box
    run_conman -127 exec box nosuchcmd
    assert_status 127
    [[ "$stderr" == *nosuchcmd* ]]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run_conman exec box /etc/passwd
    assert_status 126
}

@test "exec in a stopped container is 125 with a clear error" {
    conman run --name stopped --rootfs "$ROOTFS" true
    run_conman exec stopped true
    assert_status 125
    [[ "$stderr" == *stopped* ]]
    [[ "$stderr" == *exited* ]]
    run_conman exec nosuch true
    assert_status 125
}

@test "exec -e, -w and -u set the process's environment, directory and user" {
    start_box
    run_conman exec -e FOO=bar -w /tmp -u 1000:1000 box sh -c 'echo $FOO; pwd; id -u; id -g'
    assert_status 0
    [ "${lines[0]}" = "bar" ]
    [ "${lines[1]}" = "/tmp" ]
    [ "${lines[2]}" = "1000" ]
    [ "${lines[3]}" = "1000" ]
}

@test "exec --privileged has every capability, plain exec the default set" {
    start_box
    run_conman exec box sh -c 'grep CapEff /proc/self/status'
    [[ "$output" == *00000000800405fb* ]]
    run_conman exec --privileged box sh -c 'grep CapEff /proc/self/status'
    [[ "$output" != *00000000800405fb* ]]
}

@test "exec -i: stdin EOF ends the command" {
    start_box
    out=$(printf 'hi\n' | conman exec -i box cat)
    [ "$out" = "hi" ]
}

@test "exec output of 1 MB arrives intact" {
    start_box
    expected=$(seq 1 200000 | md5sum)
    [ "$(conman exec box seq 1 200000 | md5sum)" = "$expected" ]
}

@test "exec -it gives a terminal of the client's size and returns its code" {
    start_box
    tmux_start s "${CM[*]} exec -it box sh"
    tmux_wait_for s '#'
    tmux_cmd send-keys -t s 'stty size; tty' Enter
    tmux_wait_for s '40 100'
    tmux_wait_for s '/dev/pts/'
    tmux_cmd send-keys -t s 'exit 9' Enter
    [ "$(tmux_wait_exit s)" = 9 ]
}

@test "exec -d survives conman and its work is seen later" {
    # /dev/shm: the container's own tmpfs (its /tmp is the shared test rootfs's).
    start_box
    run_conman exec -d box sh -c 'sleep 0.5; echo done > /dev/shm/marker'
    assert_status 0
    for n in $(seq 1 200); do
        conman exec box cat /dev/shm/marker 2>/dev/null | grep -q done && break
        sleep 0.05
    done
    run_conman exec box cat /dev/shm/marker
    [ "$output" = "done" ]
}

@test "exec sessions do not leak into the container's log or attach clients" {
    start_box
    conman exec box echo secret-exec-output >/dev/null
    run_conman logs box
    [[ "$output" != *secret-exec-output* ]]
}
