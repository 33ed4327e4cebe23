#!/usr/bin/env bats
# conman logs: the stored output, its filters, and -f.

load helpers

RFC3339NANO='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})'

# now_rfc3339: the current time as RFC 3339 with nanoseconds ("T", not a space).
now_rfc3339() {
    date --rfc-3339=ns | sed 's/ /T/'
}

@test "logs prints what the container wrote, also after it exited" {
    conman run --name hello --rootfs "$ROOTFS" sh -c 'echo one; echo two' >/dev/null
    run_conman logs hello
    assert_status 0
    [ "$output" = "$(printf 'one\ntwo')" ]
    [ -z "$stderr" ]
}

@test "logs of a running container shows its output so far" {
    conman run -d --name live --rootfs "$ROOTFS" sh -c 'echo started; sleep 100' >/dev/null
    wait_for_log live started
    run_conman logs live
    assert_status 0
    [ "$output" = "started" ]
}

@test "lines the container wrote to stderr go to stderr" {
    conman run --name split --rootfs "$ROOTFS" sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2' \
        >/dev/null 2>&1
    run_conman logs split
    assert_status 0
    [ "$output" = "$(printf 'out1\nout2')" ]
    [ "$stderr" = "$(printf 'err1\nerr2')" ]
}

@test "logs --tail N prints the last N lines" {
    conman run --name tailed --rootfs "$ROOTFS" sh -c 'for i in 1 2 3 4 5; do echo l$i; done' >/dev/null
    run_conman logs --tail 2 tailed
    assert_status 0
    [ "$output" = "$(printf 'l4\nl5')" ]
    run_conman logs -n 1 tailed
    [ "$output" = "l5" ]
    run_conman logs --tail 0 tailed
    assert_status 0
    [ -z "$output" ]
    run_conman logs --tail 100 tailed
    [ "${#lines[@]}" -eq 5 ]
    run_conman logs --tail -1 tailed
    [ "${#lines[@]}" -eq 5 ]
}

@test "logs -t prefixes each line with an RFC 3339 timestamp" {
    before=$(date +%s)
    conman run --name stamped --rootfs "$ROOTFS" sh -c 'echo a; echo b >&2' >/dev/null 2>&1
    after=$(date +%s)
    run_conman logs -t stamped
    assert_status 0
    [[ "$output" =~ ^${RFC3339NANO}\ a$ ]]
    [[ "$stderr" =~ ^${RFC3339NANO}\ b$ ]]
    ts=${output%% *}
    t=$(date -d "$ts" +%s)
    [ "$t" -ge "$before" ]
    [ "$t" -le "$after" ]
    run_conman logs --timestamps stamped
    [[ "$output" =~ ^${RFC3339NANO}\ a$ ]]
}

@test "logs --since: a future time prints nothing, a past time everything" {
    conman run --name since --rootfs "$ROOTFS" sh -c 'echo a; echo b' >/dev/null
    run_conman logs --since "$(date -d '+1 hour' --rfc-3339=ns | sed 's/ /T/')" since
    assert_status 0
    [ -z "$output" ]
    run_conman logs --since "$(date -d '-1 hour' --rfc-3339=ns | sed 's/ /T/')" since
    assert_status 0
    [ "$output" = "$(printf 'a\nb')" ]
    # A duration counts back from now; a Unix time is seconds.
    run_conman logs --since 1h since
    assert_status 0
    [ "$output" = "$(printf 'a\nb')" ]
    run_conman logs --since "$(($(date +%s) + 3600))" since
    assert_status 0
    [ -z "$output" ]
    run_conman logs --since "$(($(date +%s) - 3600))" since
    [ "$output" = "$(printf 'a\nb')" ]
}

@test "logs --since/--until with a time between two runs split the log" {
    conman run --name twice --rootfs "$ROOTFS" sh -c 'echo run-$(cut -d" " -f1 /proc/uptime)' >/dev/null
    mid=$(now_rfc3339)
    conman start twice >/dev/null
    run_conman wait twice
    assert_status 0
    [ "$output" = "0" ]
    run_conman logs twice
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    first=${lines[0]}
    second=${lines[1]}
    [ "$first" != "$second" ]
    run_conman logs --since "$mid" twice
    assert_status 0
    [ "$output" = "$second" ]
    run_conman logs --until "$mid" twice
    assert_status 0
    [ "$output" = "$first" ]
}

@test "an invalid --since is 125; logs of a missing container is 125" {
    conman create --name c --rootfs "$ROOTFS" true >/dev/null
    run_conman logs --since yesterday-ish c
    assert_status 125
    [[ "$stderr" == *yesterday-ish* ]]
    run_conman logs nosuch
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
}

@test "a last line without a newline is printed as it is" {
    conman run --name partial --rootfs "$ROOTFS" sh -c 'echo whole; printf no-newline' >/dev/null
    conman logs partial > "$TEST_DIR/out"
    printf 'whole\nno-newline' > "$TEST_DIR/expected"
    cmp "$TEST_DIR/out" "$TEST_DIR/expected"
}

@test "a line longer than the shim's buffer comes back as one line" {
    conman run --name long --rootfs "$ROOTFS" sh -c 'head -c 100000 /dev/zero | tr "\0" x; echo; echo after' >/dev/null
    conman logs long > "$TEST_DIR/out"
    [ "$(wc -l < "$TEST_DIR/out")" -eq 2 ]
    [ "$(head -n 1 "$TEST_DIR/out" | tr -d '\n' | wc -c)" -eq 100000 ]
    [ "$(head -n 1 "$TEST_DIR/out" | tr -d 'x\n' | wc -c)" -eq 0 ]
    [ "$(tail -n 1 "$TEST_DIR/out")" = "after" ]
}

@test "logs -f follows until the container exits and includes the very last line" {
    conman run -d --name follow --rootfs "$ROOTFS" \
        sh -c 'echo begin; sleep 2; for i in $(seq 1 200); do echo line$i; done; printf last' >/dev/null
    wait_for_log follow begin
    run_conman inspect --format '{{.State.Status}}' follow
    [ "$output" = "running" ]
    # logs -f must return on its own once the container is gone.
    run --separate-stderr timeout 30 "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" logs -f follow
    assert_status 0
    [ "${#lines[@]}" -eq 202 ]
    [ "${lines[0]}" = "begin" ]
    [ "${lines[1]}" = "line1" ]
    [ "${lines[200]}" = "line200" ]
    [ "${lines[201]}" = "last" ]
    run_conman inspect --format '{{.State.Status}}' follow
    [ "$output" = "exited" ]
}

@test "logs -f of an exited container prints the log and returns" {
    conman run --name gone --rootfs "$ROOTFS" sh -c 'echo x; echo y' >/dev/null
    run --separate-stderr timeout 10 "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" logs -f gone
    assert_status 0
    [ "$output" = "$(printf 'x\ny')" ]
}

@test "logs -f started before the container starts follows it from the beginning" {
    conman create --name later --rootfs "$ROOTFS" sh -c 'echo first; sleep 1; echo second' >/dev/null
    timeout 30 "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" logs -f later > "$TEST_DIR/out" 2>&1 &
    follower=$!
    conman start later >/dev/null
    rc=0
    wait "$follower" || rc=$?
    [ "$rc" -eq 0 ]
    [ "$(cat "$TEST_DIR/out")" = "$(printf 'first\nsecond')" ]
}

@test "10000 lines are all in the log, in order" {
    conman run --name many --rootfs "$ROOTFS" seq 1 10000 >/dev/null
    conman logs many > "$TEST_DIR/out"
    seq 1 10000 > "$TEST_DIR/expected"
    cmp "$TEST_DIR/out" "$TEST_DIR/expected"
}

@test "logs -f of a container writing 10000 lines gets all of them" {
    conman run -d --name manyf --rootfs "$ROOTFS" sh -c 'echo go; sleep 1; seq 1 10000' >/dev/null
    wait_for_log manyf go
    timeout 30 "$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT" logs -f manyf > "$TEST_DIR/out"
    { echo go; seq 1 10000; } > "$TEST_DIR/expected"
    cmp "$TEST_DIR/out" "$TEST_DIR/expected"
}
