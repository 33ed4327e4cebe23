# Shared by the bench scripts (source it after setting work, RUNS and
# results): bench NAME CMD... runs hyperfine side by side and appends one
# line per command to $results: NAME, command, mean ms, stddev ms.
bench() {
    local name=$1; shift
    local json=$work/$name.json
    hyperfine -N --style none -w 3 -r "$RUNS" --export-json "$json" "$@" >/dev/null
    python3 - "$json" "$name" >>"$results" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    print(f'{sys.argv[2]}\t{r["command"]}\t{r["mean"]*1000:.1f}\t{r["stddev"]*1000:.1f}')
PY
}
