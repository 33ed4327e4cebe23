#!/usr/bin/env bats
# Interactive containers through real terminals (tmux) and pipes: run -i/-t,
# detach and attach, resize, stdin EOF, several attached clients.

load helpers

@test "run -i streams stdin and its EOF ends the container" {
    run_conman run --rm -i --rootfs "$ROOTFS" cat
    [ "$output" = "" ]
    assert_status 0
    out=$(printf 'hi\n' | conman run --rm -i --rootfs "$ROOTFS" cat)
    [ "$out" = "hi" ]
    out=$(printf 'a\nb\n' | conman run --rm -i --rootfs "$ROOTFS" sh -c 'cat; echo done')
    [ "$out" = "$(printf 'a\nb\ndone')" ]
}

@test "run -i keeps stdout and stderr separate" {
    printf 'x\n' | conman run --rm -i --rootfs "$ROOTFS" sh -c 'read l; echo out:$l; echo err:$l >&2' \
        >"$TEST_DIR/out" 2>"$TEST_DIR/err"
    [ "$(cat "$TEST_DIR/out")" = "out:x" ]
    [ "$(cat "$TEST_DIR/err")" = "err:x" ]
}

@test "1 MB of binary stdin passes through -i intact, NUL bytes included" {
    head -c 1048576 /dev/urandom >"$TEST_DIR/in"
    conman run --rm -i --rootfs "$ROOTFS" cat <"$TEST_DIR/in" >"$TEST_DIR/out"
    cmp "$TEST_DIR/in" "$TEST_DIR/out"
}

@test "run -it gives a real terminal with the client's size" {
    tmux_start s "${CM[*]} run -it --rm --rootfs $ROOTFS sh"
    tmux_wait_for s '#'
    tmux_cmd send-keys -t s 'tty; stty size' Enter
    tmux_wait_for s '40 100'
    tmux_wait_for s '/dev/pts/'
    tmux_cmd send-keys -t s 'exit 7' Enter
    [ "$(tmux_wait_exit s)" = 7 ]
}

@test "a resize of the client's terminal reaches the container" {
    tmux_start s "${CM[*]} run -it --rm --rootfs $ROOTFS sh"
    tmux_wait_for s '#'
    tmux_cmd resize-window -t s -x 120 -y 30
    tmux_cmd send-keys -t s 'stty size' Enter
    tmux_wait_for s '30 120'
    tmux_cmd send-keys -t s 'exit' Enter
    [ "$(tmux_wait_exit s)" = 0 ]
}

@test "ctrl-p ctrl-q detaches; attach from another shell reattaches" {
    tmux_start s "${CM[*]} run -it --name det --rootfs $ROOTFS sh"
    tmux_wait_for s '#'
    tmux_cmd send-keys -t s 'echo before-detach' Enter
    tmux_wait_for s 'before-detach'
    tmux_cmd send-keys -t s C-p C-q
    [ "$(tmux_wait_exit s)" = 0 ]
    run_conman inspect --format '{{.State.Status}}' det
    [ "$output" = "running" ]
    tmux_start a "${CM[*]} attach det"
    tmux_cmd send-keys -t a 'echo reattached-$((6*7))' Enter
    tmux_wait_for a 'reattached-42'
    tmux_cmd send-keys -t a 'exit 5' Enter
    [ "$(tmux_wait_exit a)" = 5 ]
    run_conman wait det
    [ "$output" = "5" ]
}

@test "--detach-keys chooses the sequence and an empty one disables detaching" {
    tmux_start s "${CM[*]} run -it --detach-keys ctrl-x,q --name dk --rootfs $ROOTFS sh"
    tmux_wait_for s '#'
    tmux_cmd send-keys -t s C-x q
    [ "$(tmux_wait_exit s)" = 0 ]
    run_conman inspect --format '{{.State.Status}}' dk
    [ "$output" = "running" ]
    tmux_start a "${CM[*]} attach --detach-keys '' dk"
    tmux_cmd send-keys -t a C-p C-q 'echo still-attached' Enter
    tmux_wait_for a 'still-attached'
    tmux_cmd send-keys -t a 'exit' Enter
    [ "$(tmux_wait_exit a)" = 0 ]
}

@test "attach works after the conman that ran the container was killed" {
    mkfifo "$TEST_DIR/in"
    "${CM[@]}" run -i --name k --rootfs "$ROOTFS" sh -c 'echo ready; while read l; do echo got:$l; done; echo eof' \
        <"$TEST_DIR/in" >"$TEST_DIR/out" 2>&1 &
    cli=$!
    exec 8>"$TEST_DIR/in"   # hold the fifo open so the client's stdin stays open
    wait_for_log k ready
    kill -9 "$cli"
    wait "$cli" || true
    exec 8>&-
    run_conman inspect --format '{{.State.Status}}' k
    [ "$output" = "running" ]
    out=$(printf 'later\n' | conman attach k)
    [ "$out" = "$(printf 'got:later\neof')" ]
    run_conman wait k
    [ "$output" = "0" ]
}

@test "several clients attached at once all get the output" {
    # The container ticks until /dev/shm/go exists: a client that has
    # received a tick is attached (counting the clients' fds is no proof:
    # a slow client may not have reached the shim yet).
    conman run -d -i --name multi --rootfs "$ROOTFS" \
        sh -c 'while [ ! -e /dev/shm/go ]; do echo tick; sleep 0.05; done; read l; echo line:$l; read l; echo line:$l'
    conman attach --no-stdin multi >"$TEST_DIR/a1" &
    p1=$!
    conman attach --no-stdin multi >"$TEST_DIR/a2" &
    p2=$!
    for n in $(seq 1 400); do
        grep -q tick "$TEST_DIR/a1" && grep -q tick "$TEST_DIR/a2" && break
        sleep 0.05
    done
    grep -q tick "$TEST_DIR/a1"
    grep -q tick "$TEST_DIR/a2"
    conman exec multi touch /dev/shm/go
    # The lines go through a third client that owns stdin.
    printf 'one\ntwo\n' | conman attach multi >/dev/null
    wait "$p1"
    wait "$p2"
    [ "$(grep -v '^tick$' "$TEST_DIR/a1")" = "$(printf 'line:one\nline:two')" ]
    [ "$(grep -v '^tick$' "$TEST_DIR/a2")" = "$(printf 'line:one\nline:two')" ]
}

@test "start -a -i attaches stdin to a created -i container" {
    conman create -i --name sai --rootfs "$ROOTFS" sh -c 'read l; echo got:$l; exit 4'
    out=$(printf 'x\n' | conman start -a -i sai) || rc=$?
    [ "$out" = "got:x" ]
    [ "${rc:-0}" -eq 4 ]
}

@test "logs -f follows a tty container until it exits" {
    conman run -d -t --name tl --rootfs "$ROOTFS" sh -c 'echo first; read x; echo never' >/dev/null
    wait_for_log tl first
    timeout 30 "${CM[@]}" logs -f tl >"$TEST_DIR/out" &
    follower=$!
    conman stop -t 0 tl
    wait "$follower"
    grep -q first "$TEST_DIR/out"
}

@test "attach to a stopped container is a clear 125" {
    conman run --name gone --rootfs "$ROOTFS" true
    run_conman attach gone
    assert_status 125
    [[ "$stderr" == *gone* ]]
}
