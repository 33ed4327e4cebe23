#!/usr/bin/env bash
# Concurrency stress for conman: SHELLS parallel shells each run OPS seeded
# random operations (create, run -d, start, stop, rm -f, ps, exec, inspect,
# kill) on a small pool of overlapping names against one private
# --root/--runroot. Every operation is bounded with timeout(1). Only expected
# outcomes are accepted: exit 0, or 125 with a message from the op's list of
# expected conflicts. At the end the state must be consistent (see check_state)
# and `rm -af` must leave nothing behind.
#
# usage: tests/stress/run.sh [-s SHELLS] [-n OPS] [-S SEED] [-p POOL] [-T BOUND] [-k] [-v]
#   -s  parallel shells (8)          -n  operations per shell (200)
#   -S  seed (CONMAN_STRESS_SEED or 1)  -p  names in the pool (4)
#   -T  seconds one operation may take before it counts as hung (30)
#   -k  keep the work directory      -v  print every failing line
# Env: CONMAN_BIN, CONMAN_TEST_ROOTFS. Exit 0 when everything held.
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
CONMAN_BIN=${CONMAN_BIN:-$REPO/build/conman}
ROOTFS=${CONMAN_TEST_ROOTFS:-$REPO/build/test-rootfs}
SHELLS=8 OPS=200 SEED=${CONMAN_STRESS_SEED:-1} POOL=4 BOUND=30 KEEP=0 VERBOSE=0
while getopts "s:n:S:p:T:kv" o; do
    case $o in
    s) SHELLS=$OPTARG ;; n) OPS=$OPTARG ;; S) SEED=$OPTARG ;; p) POOL=$OPTARG ;;
    T) BOUND=$OPTARG ;; k) KEEP=1 ;; v) VERBOSE=1 ;;
    *) sed -n '10,15p' "$0" >&2; exit 2 ;;
    esac
done
[ -x "$CONMAN_BIN" ] || { echo "conman not built: $CONMAN_BIN" >&2; exit 2; }
[ -x "$ROOTFS/bin/busybox" ] || { echo "no test rootfs at $ROOTFS" >&2; exit 2; }

WORK=$(mktemp -d /tmp/conman-stress.XXXXXX)
ROOT=$WORK/root
RUNROOT=$(mktemp -d /run/cms.XXXXXX)  # short: socket paths are limited to 107 bytes
CM=("$CONMAN_BIN" --root "$ROOT" --runroot "$RUNROOT")
export CONMAN_LOCK_TIMEOUT_MS=${CONMAN_LOCK_TIMEOUT_MS:-20000}

# The container commands: long-lived ones that end on SIGTERM, and short ones
# whose exit races with whatever the other shells do to them.
LONG='trap "exit 0" TERM; while :; do sleep 0.2; done'

# Messages a 125 may carry for each operation (extended regex).
GONE='no such container'
declare -A EXPECTED=(
    [create]='is already in use'
    [run]='is already in use'
    [runrm]='is already in use'
    [start]="$GONE"
    [stop]="$GONE"
    [rm]="$GONE"
    [kill]="$GONE|can only kill running containers|is not running"
    [exec]="$GONE|can only exec in running containers|is not running"
    [inspect]="$GONE"
    [ps]='^$a'
)

ms_now() { echo $(($(date +%s%N) / 1000000)); }

# worker N: one shell's seeded sequence; one line per op in $WORK/log.N:
# shell seq op name rc ms verdict stdout | stderr
worker() {
    local n=$1 i op name rc t0 t1 out err verdict cmd
    RANDOM=$((SEED * 1000 + n))
    local log=$WORK/log.$n
    : >"$log"
    for ((i = 1; i <= OPS; i++)); do
        name=c$((RANDOM % POOL))
        case $((RANDOM % 20)) in
        0 | 1) op=create ;;
        2 | 3) op=run ;;
        4) op=runrm ;;
        5 | 6 | 7) op=start ;;
        8 | 9) op=stop ;;
        10 | 11 | 12) op=rm ;;
        13 | 14) op=ps ;;
        15 | 16) op=exec ;;
        17 | 18) op=inspect ;;
        *) op=kill ;;
        esac
        case $op in
        create | run | runrm)
            local cmdline=(sh -c "$LONG")
            ((RANDOM % 3 == 0)) && cmdline=(sleep "0.$((RANDOM % 5))")
            case $op in run) cmd=(run -d) ;; runrm) cmd=(run -d --rm) ;; *) cmd=(create) ;; esac
            cmd+=(--name "$name" --network none --rootfs "$ROOTFS" "${cmdline[@]}") ;;
        start) cmd=(start "$name") ;;
        stop) cmd=(stop -t 2 "$name") ;;
        rm) cmd=(rm -f "$name") ;;
        ps) cmd=(ps -a --no-trunc) ;;
        exec) cmd=(exec "$name" true) ;;
        inspect) cmd=(inspect --format '{{.State.Status}}' "$name") ;;
        kill) cmd=(kill "$name") ;;
        esac
        t0=$(ms_now)
        timeout -k 5 "$BOUND" "${CM[@]}" "${cmd[@]}" >"$WORK/out.$n" 2>"$WORK/err.$n"
        rc=$?
        t1=$(ms_now)
        out=$(tr '\n' ' ' <"$WORK/out.$n")
        err=$(tr '\n' ' ' <"$WORK/err.$n")
        if [ $rc -eq 0 ]; then
            verdict=ok
        elif [ $rc -eq 125 ] && [[ $err =~ ${EXPECTED[$op]} ]]; then
            verdict=conflict
        elif [ $rc -eq 124 ] || { [ $rc -eq 137 ] && [ $((t1 - t0)) -ge $((BOUND * 1000)) ]; }; then
            verdict=FAIL-hung
        elif [ $op = exec ] && [ $rc -eq 137 ]; then
            verdict=killed  # the container was killed while `true` ran in it
        elif [ $rc -gt 128 ]; then
            verdict=FAIL-signal
        else
            verdict=FAIL
        fi
        [ $op = ps ] && out=-  # too long to log
        printf '%s %s %s %s %s %s %s %s | %s\n' "$n" "$i" "$op" "$name" "$rc" $((t1 - t0)) "$verdict" "$out" "$err" >>"$log"
    done
}

problems=0
problem() {
    echo "INCONSISTENT: $*"
    problems=$((problems + 1))
}

# After all shells ended: records, shims, runc and names agree.
check_state() {
    local ids id st running=() rs
    ids=$(timeout 30 "${CM[@]}" ps -a -q --no-trunc) || problem "ps -a failed"
    for id in $ids; do
        st=$(timeout 30 "${CM[@]}" inspect --format '{{.State.Status}}' "$id" 2>&1) || { problem "inspect $id: $st"; continue; }
        case $st in
        running | created)
            running+=("$id")
            flock -n -s "$RUNROOT/$id/shim.lock" true 2>/dev/null && problem "$id is $st but its shim is gone" ;;
        exited) ;;
        *) problem "$id has status $st" ;;
        esac
    done
    # runc knows exactly the live containers (an exited one's shim deleted it).
    rs=$(runc --root "$RUNROOT/runtime" list -q 2>/dev/null | sort)
    [ "$rs" = "$(printf '%s\n' "${running[@]}" | sed '/^$/d' | sort)" ] ||
        problem "runc list ($(echo $rs)) differs from the live containers (${running[*]})"
    # No shim without a record.
    for lockf in "$RUNROOT"/*/shim.lock; do
        [ -e "$lockf" ] || continue
        id=$(basename "$(dirname "$lockf")")
        flock -n -s "$lockf" true 2>/dev/null && continue
        grep -qx "$id" <<<"$ids" || problem "a shim runs for $id, which has no record"
    done
    # No name pointing nowhere, no container without its name.
    for link in "$ROOT"/names/*; do
        [ -L "$link" ] || continue
        id=$(readlink "$link")
        grep -qx "$id" <<<"$ids" || problem "name $(basename "$link") points to $id, which is not listed"
    done
    # No lost container: created IDs minus removed ones (rm, run --rm's
    # cleanup: the "remove" events) are exactly the listed ones.
    local created removed expect
    created=$(awk '$7 == "ok" && ($3 == "create" || $3 == "run" || $3 == "runrm") {print $8}' "$WORK"/log.* | sort -u)
    removed=$(sed -n 's/.*"id":"\([0-9a-f]*\)".*"status":"remove".*/\1/p; s/.*"status":"remove".*"id":"\([0-9a-f]*\)".*/\1/p' \
        "$ROOT/events/events.log" 2>/dev/null | sort -u)
    expect=$(comm -23 <(echo "$created") <(echo "$removed") | sed '/^$/d')
    [ "$expect" = "$(echo "$ids" | sed '/^$/d' | sort)" ] ||
        problem "listed containers differ from created-minus-removed: listed [$(echo $ids)] expected [$(echo $expect)]"
    # rm -af removes everything, and nothing is left.
    local rmout
    rmout=$(timeout 120 "${CM[@]}" rm -af -t 0 2>&1) || problem "rm -af failed: $rmout"
    [ -z "$(timeout 30 "${CM[@]}" ps -a -q)" ] || problem "containers left after rm -af"
    [ -z "$(runc --root "$RUNROOT/runtime" list -q 2>/dev/null)" ] || problem "runc state left after rm -af"
    [ -z "$(ls -A "$ROOT/containers")" ] || problem "container dirs left: $(ls -A "$ROOT/containers")"
    [ -z "$(ls -A "$ROOT/names")" ] || problem "names left: $(ls -A "$ROOT/names")"
    ls "$RUNROOT" | grep -qv '^runtime$' && problem "runroot entries left: $(ls "$RUNROOT" | tr '\n' ' ')"
    pgrep -f -- "$RUNROOT" >/dev/null && problem "processes left: $(pgrep -af -- "$RUNROOT" | head -3)"
    grep -q " $WORK/\| $RUNROOT/" /proc/self/mountinfo && problem "mounts left under the work dirs"
}

cleanup() {
    "${CM[@]}" rm -af -t 0 >/dev/null 2>&1
    for pidfile in "$RUNROOT"/*/pidfile; do
        [ -f "$pidfile" ] && kill -9 "$(cat "$pidfile")" 2>/dev/null
    done
    runc --root "$RUNROOT/runtime" list -q 2>/dev/null | while read -r id; do
        runc --root "$RUNROOT/runtime" delete --force "$id" >/dev/null 2>&1
    done
    if [ $KEEP = 1 ]; then echo "kept: $WORK (runroot $RUNROOT)"; else rm -rf "$WORK" "$RUNROOT"; fi
}
trap cleanup EXIT

echo "stress: $SHELLS shells x $OPS ops, pool $POOL, seed $SEED, bound ${BOUND}s"
T0=$(ms_now)
pids=()
for ((s = 1; s <= SHELLS; s++)); do
    worker $s &
    pids+=($!)
done
wait "${pids[@]}"
T1=$(ms_now)
check_state

cat "$WORK"/log.* >"$WORK/all.log"
fails=$(grep -c ' FAIL' "$WORK/all.log")
if [ "$fails" -gt 0 ]; then
    echo "unexpected outcomes:"
    if [ $VERBOSE = 1 ]; then grep ' FAIL' "$WORK/all.log"; else grep ' FAIL' "$WORK/all.log" | head -20; fi
fi
# Summary: per op, outcome counts and the slowest call.
awk -v total_ms=$((T1 - T0)) -v fails="$fails" -v problems="$problems" '
    { n[$3]++; v[$3 " " $7]++; if ($6 > max[$3]) max[$3] = $6; ops++ }
    END {
        line = ""
        for (op in n) {
            s = op ":" n[op]
            split("ok conflict killed FAIL FAIL-hung FAIL-signal", vs, " ")
            for (k in vs) if ((op " " vs[k]) in v) s = s " " vs[k] "=" v[op " " vs[k]]
            line = line sprintf("  %-8s %-45s max %5d ms\n", op, s, max[op])
        }
        printf "%s", line
        printf "SUMMARY ops=%d unexpected=%d inconsistent=%d wall=%ds\n", ops, fails, problems, total_ms / 1000
    }' "$WORK/all.log"
cp "$WORK/all.log" "${STRESS_LOG:-/dev/null}" 2>/dev/null
[ "$fails" -eq 0 ] && [ "$problems" -eq 0 ]
