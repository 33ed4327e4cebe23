#!/usr/bin/env bats
# Concurrency: many conman invocations at once on overlapping names end with
# consistent state; the store lock wait is bounded; races on one container
# (start vs rm -f, stop vs rm) leave it whole or gone, never half.

load helpers

# The containers' main process: runs until SIGTERM.
LONG='trap "exit 0" TERM; while :; do sleep 0.1; done'

@test "8 shells x 200 mixed operations on 4 names: only expected outcomes, consistent state" {
    seed=${CONMAN_STRESS_SEED:-240}
    n=$(reps 200)
    echo "# seed $seed, $n operations per shell (set CONMAN_STRESS_SEED to repeat)" >&3
    run bash "$REPO/tests/stress/run.sh" -s 8 -n "$n" -p 4 -S "$seed" -T 60
    echo "$output"
    [ "$status" -eq 0 ]
    [[ $output == *"SUMMARY ops=$((8 * n)) unexpected=0 inconsistent=0"* ]]
}

@test "a held store lock makes conman fail after CONMAN_LOCK_TIMEOUT_MS, naming the lock" {
    conman ps >/dev/null  # creates the root and its lock file
    [ -f "$CM_ROOT/lock" ]
    # Hold it from here for longer than the timeout; flock exits once the
    # test has its answer (the fifo's writer closes).
    mkfifo "$TEST_DIR/release"
    flock -x "$CM_ROOT/lock" sh -c "echo held; cat '$TEST_DIR/release' >/dev/null" >"$TEST_DIR/held" &
    holder=$!
    wait_for_file "$TEST_DIR/held"
    CONMAN_LOCK_TIMEOUT_MS=300 run --separate-stderr timeout 10 "${CM[@]}" ps
    echo done >"$TEST_DIR/release"
    wait "$holder"
    assert_status 125
    [[ $stderr == *"timed out"* ]]
    [[ $stderr == *"$CM_ROOT/lock"* ]]
    # Free again: the same command works.
    run_conman ps
    assert_status 0
}

# race_twice A B: runs both conman commands at once and waits for both;
# each must exit 0 or 125 with "no such container".
race_twice() {
    local a=$1 b=$2 pa pb
    "${CM[@]}" $a >"$TEST_DIR/a.out" 2>"$TEST_DIR/a.err" &
    pa=$!
    "${CM[@]}" $b >"$TEST_DIR/b.out" 2>"$TEST_DIR/b.err" &
    pb=$!
    local ra=0 rb=0
    wait $pa || ra=$?
    wait $pb || rb=$?
    for x in "a $ra" "b $rb"; do
        set -- $x
        [ "$2" -eq 0 ] && continue
        if [ "$2" -ne 125 ] || ! grep -q "no such container" "$TEST_DIR/$1.err"; then
            echo "command $1 exited $2: $(cat "$TEST_DIR/$1.err")" >&2
            return 1
        fi
    done
}

# gone_or_whole NAME: the container is fully gone (no record, name, runtime
# state or shim) or listed with a status whose shim/runtime agree.
gone_or_whole() {
    local id
    id=$(conman ps -a -q --no-trunc --filter name="^$1\$")
    if [ -z "$id" ]; then
        [ ! -e "$CM_ROOT/names/$1" ]
        [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q)" ]
        [ -z "$(ls -A "$CM_ROOT/containers")" ]
        return 0
    fi
    st=$(conman inspect --format '{{.State.Status}}' "$id")
    case $st in
    running) ! flock -n -s "$CM_RUNROOT/$id/shim.lock" true ;;
    exited) [ -z "$(runc --root "$CM_RUNROOT/runtime" list -q)" ] ;;
    *) echo "unexpected status $st" >&2; return 1 ;;
    esac
}

@test "start racing rm -f, repeated: the container is removed or whole" {
    for i in $(seq 1 15); do
        conman create --name r --network none --rootfs "$ROOTFS" sh -c "$LONG" >/dev/null
        race_twice "start r" "rm -f r"
        gone_or_whole r
        run_conman rm -f r
        gone_or_whole r
    done
}

@test "start of an exited container racing rm -f, repeated: removed or whole" {
    for i in $(seq 1 15); do
        conman run -d --name r --network none --rootfs "$ROOTFS" true >/dev/null
        conman wait r >/dev/null
        race_twice "start r" "rm -f r"
        gone_or_whole r
        run_conman rm -f r
        gone_or_whole r
    done
}

@test "stop racing rm, repeated: the container ends up removed" {
    for i in $(seq 1 15); do
        conman run -d --name s --network none --rootfs "$ROOTFS" sh -c "$LONG" >/dev/null
        # rm without -f may find it still running: then it is 125 "stop it first".
        "${CM[@]}" stop -t 5 s >"$TEST_DIR/stop.out" 2>"$TEST_DIR/stop.err" &
        ps=$!
        run_conman rm s
        rs=0
        wait $ps || rs=$?
        [ "$rs" -eq 0 ] || grep -q "no such container" "$TEST_DIR/stop.err"
        if [ "$status" -ne 0 ]; then
            assert_status 125
            [[ $stderr == *"stop it first"* ]]
            run_conman rm s  # stopped by now
        fi
        assert_status 0
        gone_or_whole s
        [ -z "$(conman ps -a -q)" ]
    done
}

@test "start of a run --rm container as it exits: started again or gone, never stuck" {
    for i in $(seq 1 10); do
        conman run -d --rm --name q --network none --rootfs "$ROOTFS" sleep 0.2 >/dev/null
        sleep 0.2
        run --separate-stderr timeout 20 "${CM[@]}" start q
        if [ "$status" -ne 0 ]; then
            assert_status 125
            [[ $stderr == *"no such container"* ]]
        fi
        run_conman rm -f q
        gone_or_whole q
    done
}
