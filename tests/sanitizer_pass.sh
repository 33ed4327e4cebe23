# Sourced by tests/run.sh (uses its count_tap): the unit and bats suites against build-asan/
# (scripts/build.sh --asan). Adds to run.sh's passed/failed/skipped counters;
# every sanitizer report file is printed and counts as a failure.

# sanitizer_reports DIR PATTERN: prints the report files matching PATTERN
# (a glob under DIR) with their contents; sets san_n to how many there were.
sanitizer_reports() {
    local f
    san_n=0
    for f in "$1"/$2; do
        [ -e "$f" ] || continue
        echo "--- sanitizer report ${f##*/}"
        cat "$f"
        san_n=$((san_n + 1))
    done
}

# sanitizer_wants FILE: whether the pass runs bats FILE: every file but
# 900-fuzz.bats (the fuzz targets are sanitized builds of their own).
sanitizer_wants() {
    [ "${1##*/}" != 900-fuzz.bats ]
}

# Files that run alone, after the lanes: 180-network compares every host
# interface and CNI chain before and after its run --rm cycles, and
# 240-concurrency's 8 shells keep both cores busy on their own.
SANITIZER_ALONE_FILES=(180-network.bats 240-concurrency.bats)

# What each file costs under the sanitizers (seconds of test time, 2 lanes on
# the 2-core box, 2026-12-07; an unlisted file counts as 60): the lanes take
# the dearest first, so the last file to start is a short one.
declare -A SANITIZER_FILE_COST=(
    [220-crash.bats]=356 [200-systemd.bats]=184 [090-shim.bats]=150
    [140-archives.bats]=148 [230-faults.bats]=133 [190-volumes.bats]=131
    [150-container-fs.bats]=127 [210-resources.bats]=113 [020-ps.bats]=108
    [170-rootless.bats]=105 [130-registry-auth.bats]=103 [070-lifecycle.bats]=96
    [120-images.bats]=95 [030-inspect.bats]=88 [050-stop-kill.bats]=85
    [160-security.bats]=79 [010-run.bats]=72 [060-rm.bats]=69 [040-logs.bats]=65
    [110-exec.bats]=55 [100-interactive.bats]=44 [080-version-info.bats]=38
    [175-rootless-network.bats]=25
)

# bats_lanes N DIR FILES...: runs the bats FILES in N lanes at once, each
# lane taking the next file (dearest first) from a queue as it finishes one,
# then SANITIZER_ALONE_FILES one at a time. Prints every file's TAP log in
# FILES order; per-file logs and the queue live in DIR.
bats_lanes() {
    local lanes=$1 dir=$2 f name
    shift 2
    mkdir -p "$dir"
    local shared=() alone=()
    for f in "$@"; do
        name=${f##*/}
        if [[ " ${SANITIZER_ALONE_FILES[*]} " == *" $name "* ]]; then alone+=("$f"); else shared+=("$f"); fi
    done
    for f in "${shared[@]}"; do
        echo "${SANITIZER_FILE_COST[${f##*/}]:-60} $f"
    done | sort -rn | cut -d' ' -f2- >"$dir/queue"
    local i pids=()
    for ((i = 0; i < lanes; i++)); do
        bats_lane "$dir" &
        pids+=($!)
    done
    wait "${pids[@]}"
    for f in "${alone[@]}"; do bats_file "$dir" "$f"; done
    for f in "$@"; do
        echo "# ${f##*/}"
        cat "$dir/${f##*/}.tap" 2>/dev/null || echo "not ok 0 ${f##*/} did not run"
    done
}

# bats_lane DIR: takes files off DIR/queue (under a lock) until it is empty.
bats_lane() {
    local dir=$1 f
    while :; do
        f=$(flock "$dir/queue.lock" sh -c 'head -n 1 "$1"; sed -i 1d "$1"' _ "$dir/queue")
        [ -n "$f" ] || return 0
        bats_file "$dir" "$f"
    done
}

# bats_file DIR FILE: runs one bats file into DIR/FILE.tap. A bats that
# fails without a failing test in its log (it could not load the file, it
# was killed) gets one there, so the count sees it.
bats_file() {
    local tap=$1/${2##*/}.tap rc
    bats --tap --timing "$2" >"$tap" 2>&1
    rc=$?
    if [ $rc -ne 0 ] && ! grep -qE '^not ok [0-9]+' "$tap"; then
        echo "not ok 0 bats ${2##*/} ended with status $rc and no failing test" >>"$tap"
    fi
}

# sanitizer_pass BATS_FILES...: the unit tests, then the bats files of this
# run (directories expanded) that sanitizer_wants, in
# CONMAN_SANITIZER_LANES lanes (default: one per core, at most 4).
sanitizer_pass() {
    local t0=$SECONDS
    if ! bash scripts/build.sh --asan; then
        echo "sanitizer build failed"
        failed=$((failed + 1))
        return
    fi
    echo "asan build: $((SECONDS - t0)) s"
    local dir
    dir=$(mktemp -d /tmp/conman-sanitizers.XXXXXX)
    chmod 1777 "$dir"  # rootless tests run conman as other users
    # Defaults are built in (src/sanitizer_defaults.cpp); the run adds where.
    export CONMAN_SANITIZER_DIR=$dir
    # Repetition tests at a quarter of their rounds (helpers.bash's reps).
    export CONMAN_TEST_REPEAT_PERCENT=${CONMAN_TEST_REPEAT_PERCENT:-25}

    t0=$SECONDS
    local unit=build-asan/tests/unit/unit-tests total rc
    total=$($unit --list-test-names-only 2>/dev/null | grep -c .)
    ASAN_OPTIONS=log_path=$dir/unit.asan UBSAN_OPTIONS=log_path=$dir/unit.ubsan $unit -r compact >"$log" 2>&1
    rc=$?
    sanitizer_reports "$dir" 'unit.*'
    if [ $rc -eq 0 ] && [ $san_n -eq 0 ]; then
        passed=$((passed + total))
    else
        grep -E 'failed|FAILED' "$log" | head -n 40
        tail -n 5 "$log"
        # An abort ends the run mid-way: the whole unit pass counts as one failure.
        local f
        f=$(grep -oE 'Failed ([0-9]+) test case' "$log" | grep -oE '[0-9]+' | tail -n 1)
        f=${f:-1}
        failed=$((failed + f))
        passed=$((passed + total - f))
    fi
    echo "unit (asan): $(grep -E "^(Passed|Failed)" "$log" | tail -n 1) ($((SECONDS - t0)) s)"

    t0=$SECONDS
    local bats_files=() f g
    for f in "$@"; do
        if [ -d "$f" ]; then
            for g in "$f"/*.bats; do sanitizer_wants "$g" && bats_files+=("$g"); done
        elif sanitizer_wants "$f"; then
            bats_files+=("$f")
        fi
    done
    if [ ${#bats_files[@]} -eq 0 ]; then
        echo "bats (asan): this run has no bats file for the sanitizer pass"
    else
        local lanes_dir
        lanes_dir=$(mktemp -d /tmp/conman-lanes.XXXXXX)
        local cores
        cores=$(nproc)
        local lanes=${CONMAN_SANITIZER_LANES:-$((cores < 4 ? cores : 4))}
        echo "bats (asan): ${#bats_files[@]} files, $lanes lanes"
        CONMAN_BIN=$PWD/build-asan/conman bats_lanes "$lanes" "$lanes_dir" "${bats_files[@]}" >"$log"
        rm -rf "$lanes_dir"
        cat "$log"
        local ok sk nok
        count_tap "$log"
        echo "bats (asan): $((ok - sk)) passed, $nok failed, $sk skipped ($((SECONDS - t0)) s)"
    fi

    # Reports no teardown saw (a shim or a setup_file's conman exiting late):
    # one failure per test that left them.
    local p late=0
    for p in $(ls "$dir" | grep -vx counted | sed -E 's/\.(asan|ubsan)\.[0-9]+$//' | sort -u); do
        grep -qx "$p" "$dir/counted" 2>/dev/null && continue
        [ "$p" = unit ] && continue
        echo "sanitizer report(s) from $p after its test ended:"
        sanitizer_reports "$dir" "$p.*"
        late=$((late + 1))
    done
    failed=$((failed + late))
    unset CONMAN_SANITIZER_DIR CONMAN_TEST_REPEAT_PERCENT
    rm -rf "$dir"
}
