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

# The files CONMAN_SANITIZERS=ci runs (the default, and CI's): the ones that
# drive the shim, the lock and the crash and fault paths hardest, chosen to
# keep CI's whole run well inside its 90 minutes (docs/sanitizers.md has the
# timings). CONMAN_SANITIZERS=1 runs every file.
SANITIZER_CI_FILES=(010-run.bats 090-shim.bats 110-exec.bats 220-crash.bats 230-faults.bats)

# sanitizer_wants MODE FILE: whether the pass in MODE runs bats FILE.
sanitizer_wants() {
    local name=${2##*/} c
    [ "$name" = 900-fuzz.bats ] && return 1
    [ "$1" = ci ] || return 0
    for c in "${SANITIZER_CI_FILES[@]}"; do [ "$c" = "$name" ] && return 0; done
    return 1
}

# sanitizer_pass MODE BATS_FILES...: MODE is ci or 1 (above); the bats files
# of this run, 900-fuzz.bats left out (the fuzz targets are sanitized builds of
# their own).
sanitizer_pass() {
    local mode=$1
    shift
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
            for g in "$f"/*.bats; do sanitizer_wants "$mode" "$g" && bats_files+=("$g"); done
        elif sanitizer_wants "$mode" "$f"; then
            bats_files+=("$f")
        fi
    done
    if [ ${#bats_files[@]} -eq 0 ]; then
        echo "bats (asan): none of this run's files is in the $mode list"
    else
        CONMAN_BIN=$PWD/build-asan/conman bats --tap --timing "${bats_files[@]}" >"$log" 2>&1
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
    unset CONMAN_SANITIZER_DIR
    rm -rf "$dir"
}
