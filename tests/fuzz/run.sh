#!/bin/bash
# Builds the fuzz targets (tests/fuzz/build.sh) and runs each for SECONDS
# (default 10), bounded: -max_total_time, -timeout=5 per input,
# -rss_limit_mb=1024, after replaying the inputs that once broke it
# (tests/fuzz/regressions/TARGET/*.gz). Prints one line per target
# (executions, result) and
# exits 1 when any target found a crash, a leak, a timeout or ran out of
# memory; the input that did it is left in build-fuzz/artifacts/.
#
# Usage: tests/fuzz/run.sh [SECONDS] [TARGET...]    (default: every target)
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_ARGS (extra
# libFuzzer flags, e.g. "-jobs=2 -workers=2" or "-max_len=65536").
#
# The seed corpus in tests/fuzz/corpus/TARGET is only read; what a run
# discovers goes to BUILD_DIR/corpus/TARGET, kept between runs, so
# longer campaigns pick up where the last one stopped.
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
[ $# -gt 0 ] && shift
case $secs in '' | *[!0-9]*) echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2 ;; esac
out=${FUZZ_BUILD_DIR:-$PWD/build-fuzz}

targets=("$@")
[ ${#targets[@]} -eq 0 ] && mapfile -t targets < <(cd tests/fuzz && ls fuzz_*.cpp | sed 's/\.cpp$//')

mkdir -p "$out"
bash tests/fuzz/build.sh "$out" "${targets[@]}" >"$out/build.log" 2>&1 || {
    cat "$out/build.log" >&2
    echo "fuzz: build failed" >&2
    exit 2
}

failed=0
mkdir -p "$out/artifacts"
for t in "${targets[@]}"; do
    work=$out/corpus/$t
    mkdir -p "$work"
    dict=()
    [ -f "tests/fuzz/dict/$t.dict" ] && dict=(-dict="tests/fuzz/dict/$t.dict")
    log=$out/$t.log
    # Past findings too big for the corpus (they would raise -max_len for
    # every run): replayed once each, gunzipped, before fuzzing.
    regress=()
    if [ -d "tests/fuzz/regressions/$t" ]; then
        rm -rf "$out/regressions/$t"
        mkdir -p "$out/regressions/$t"
        for gz in "tests/fuzz/regressions/$t"/*.gz; do
            [ -e "$gz" ] || continue
            f=$out/regressions/$t/$(basename "${gz%.gz}")
            gzip -dc "$gz" >"$f" && regress+=("$f")
        done
    fi
    if [ ${#regress[@]} -gt 0 ] &&
        ! "$out/$t" -timeout=5 -rss_limit_mb=1024 "${regress[@]}" >"$log" 2>&1; then
        failed=1
        printf '%-22s %10s execs  cov %-5s %s\n' "$t" 0 "?" \
            "FAILED on a regression input: $(grep -m 1 -E '^Running: ' "$log" | tail -n 1) $(grep -m 1 -E '^==[0-9]+==ERROR|runtime error|check failed|^SUMMARY' "$log" | cut -c 1-120)"
        continue
    fi
    # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
    "$out/$t" -max_total_time="$secs" -timeout=5 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$t-" "${dict[@]}" ${FUZZ_ARGS:-} \
        "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
    rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [ -z "$execs" ] && execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 | grep -oE '[0-9]+')
    if [ $rc -eq 0 ]; then
        result=ok
    else
        failed=1
        result="FAILED (rc $rc): $(grep -m 1 -E '^==[0-9]+==ERROR|runtime error|check failed|^SUMMARY|ALARM|out-of-memory|uncaught exception|terminate called' "$log" | cut -c 1-160)"
        artifact=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
        [ -n "$artifact" ] && result+=" input: $artifact"
    fi
    printf '%-22s %10s execs  cov %-5s %s\n' "$t" "${execs:-0}" "${cov:-?}" "$result"
done
exit $failed
