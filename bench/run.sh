#!/bin/bash
# conman vs podman (--network none) vs raw runc, side by side in one run.
# Prints a markdown report; with --update-docs also writes docs/performance.md.
# Needs root, hyperfine, podman, conmon, runc (bash scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
update_docs=0
[ "${1:-}" = "--update-docs" ] && update_docs=1
bash scripts/setup.sh --bench
bash scripts/build.sh
work=$(mktemp -d /tmp/conman-bench.XXXXXX)
rootfs=$work/rootfs
bash scripts/mkrootfs.sh "$rootfs"
CM="$PWD/build/conman --root $work/root --runroot /run/cmb.$$"
# podman runs with --network none (PMRUN): so does conman, whose root default is a bridge.
# podman's default rlimits exceed what this host allows: give it small ones.
PM="podman --runtime runc --root $work/podman --runroot /run/pmb.$$ --cgroup-manager cgroupfs --events-backend none"
PMRUN="--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
bundle=$work/bundle
mkdir -p "$bundle"
(cd "$bundle" && runc spec && python3 - "$rootfs" <<'PY'
import json, sys
c = json.load(open("config.json"))
c["root"]["path"] = sys.argv[1]
c["process"]["terminal"] = False
c["process"]["args"] = ["true"]
c["process"]["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}]
json.dump(c, open("config.json", "w"))
PY
)
RUNC="runc --root /run/rcb.$$"
cleanup() {
    $CM rm -af -t 0 >/dev/null 2>&1 || true
    $PM rm -af -t 0 >/dev/null 2>&1 || true
    for id in $($RUNC list -q 2>/dev/null); do $RUNC delete -f "$id" >/dev/null 2>&1; done
    umount "$work/podman/overlay" 2>/dev/null || true  # podman leaves its storage mounted
    rm -rf "$work" /run/cmb.$$ /run/pmb.$$ /run/rcb.$$ 2>/dev/null || true
}
trap cleanup EXIT
# Warm up podman's storage once (its first run initialises the store).
$PM run --rm $PMRUN --rootfs "$rootfs" true >/dev/null

results=$work/results.tsv
: >"$results"
source bench/lib.sh  # bench NAME CMD... (we are at the repo root)

echo "bench: run --rm true" >&2
bench run_rm "$CM run --network none --rm --rootfs $rootfs true" "$PM run --rm $PMRUN --rootfs $rootfs true" \
    "$RUNC run -b $bundle rb"
echo "bench: run -d" >&2
bench run_d "$CM run --network none -d --rootfs $rootfs sleep 1000" "$PM run -d $PMRUN --rootfs $rootfs sleep 1000"
$CM rm -af -t 0 >/dev/null; $PM rm -af -t 0 >/dev/null
echo "bench: stop -t0" >&2
# hyperfine -N runs --prepare without a shell too: give it scripts.
prep() { local f=$work/prep.$1; shift; printf '#!/bin/bash\n%s\n' "$*" >"$f"; chmod +x "$f"; echo "$f"; }
bench stop \
    --prepare "$(prep cs "$CM rm -f st >/dev/null 2>&1; $CM run --network none -d --name st --rootfs $rootfs sleep 1000")" \
    --prepare "$(prep ps "$PM rm -f st >/dev/null 2>&1; $PM run -d $PMRUN --name st --rootfs $rootfs sleep 1000")" \
    "$CM stop -t 0 st" "$PM stop -t 0 st"
$CM rm -af >/dev/null; $PM rm -af >/dev/null
echo "bench: rm" >&2
bench rm \
    --prepare "$CM run --network none --name rmme --rootfs $rootfs true" \
    --prepare "$PM run $PMRUN --name rmme --rootfs $rootfs true" \
    "$CM rm rmme" "$PM rm rmme"
echo "bench: ps -a with 100 containers" >&2
for i in $(seq 1 100); do
    $CM create --network none --name c$i --rootfs "$rootfs" true >/dev/null
    $PM create $PMRUN --name c$i --rootfs "$rootfs" true >/dev/null
done
bench ps "$CM ps -a" "$PM ps -a"
echo "bench: inspect" >&2
bench inspect "$CM inspect c1" "$PM inspect c1"
$CM rm -a >/dev/null; $PM rm -a >/dev/null

echo "bench: exec true" >&2
$CM run --network none -d --name ex --rootfs "$rootfs" sleep 1000 >/dev/null
$PM run -d $PMRUN --name ex --rootfs "$rootfs" sleep 1000 >/dev/null
sbundle=$work/sbundle
mkdir -p "$sbundle"
python3 - "$bundle/config.json" "$sbundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["sleep", "1000"]
json.dump(c, open(sys.argv[2], "w"))
PY
$RUNC run -d -b "$sbundle" rx </dev/null >/dev/null 2>&1
bench exec "$CM exec ex true" "$PM exec ex true" "$RUNC exec rx true"
$RUNC kill rx KILL >/dev/null 2>&1 || true

echo "bench: run -i, 100 MB through stdin and stdout" >&2
head -c 104857600 /dev/urandom >"$work/100mb"
cbundle=$work/cbundle
mkdir -p "$cbundle"
python3 - "$bundle/config.json" "$cbundle/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["process"]["args"] = ["cat"]
json.dump(c, open(sys.argv[2], "w"))
PY
stream() { printf '#!/bin/bash\nexec %s <%s >/dev/null\n' "$1" "$work/100mb" >"$work/stream.$2"; chmod +x "$work/stream.$2"; echo "$work/stream.$2"; }
bench stream_i "$(stream "$CM run --network none --rm -i --rootfs $rootfs cat" cm)" \
    "$(stream "$PM run --rm -i $PMRUN --rootfs $rootfs cat" pm)" \
    "$(stream "$RUNC run -b $cbundle rc" rc)"

echo "bench: pull of a 100 MB, 4-layer image from a local registry" >&2
# Debian's docker-registry on 127.0.0.1 (the test fixture script), the image
# pushed once with skopeo; every timed pull starts from an empty store.
reg_dir=$work/registry
port=$(bash tests/fixtures/registry.sh start "$reg_dir" "$rootfs" | tail -n 1)
trap 'bash tests/fixtures/registry.sh stop "$reg_dir"; cleanup' EXIT
python3 bench/mkbigimage.py "$rootfs" "$work/big"
skopeo copy --quiet --dest-tls-verify=false "oci:$work/big:latest" "docker://127.0.0.1:$port/big:latest"
img=127.0.0.1:$port/big:latest
CMP="$PWD/build/conman --root $work/pullroot --runroot /run/cmp.$$"
# Each prepare also syncs, so no run pays for the previous run's writeback.
bench pull \
    --prepare "$(prep cp "rm -rf $work/pullroot; sync")" \
    --prepare "$(prep pp "$PM rmi -af >/dev/null 2>&1; sync")" \
    --prepare "$(prep sp "rm -rf $work/skopeo-oci; sync")" \
    "$CMP pull -q --tls-verify=false $img" \
    "$PM pull -q --tls-verify=false $img" \
    "skopeo copy --quiet --src-tls-verify=false docker://$img oci:$work/skopeo-oci:big"
rm -rf "$work/pullroot" /run/cmp.$$
echo "bench: run --rm IMAGE true" >&2
$CM pull -q --tls-verify=false "$img" >/dev/null
$PM pull -q --tls-verify=false "$img" >/dev/null
bench run_image "$CM run --network none --rm $img true" "$PM run --rm $PMRUN $img true"

echo "bench: rootless run --rm IMAGE true" >&2
# An ordinary user with a subuid range pulls the busybox fixture image from the
# local registry with conman and with podman (both rootless, both in their own
# user namespace), then runs it; rootful conman on the same image is the third
# column.
rl_user=conman-bench
id "$rl_user" >/dev/null 2>&1 || useradd -m "$rl_user"
for f in /etc/subuid /etc/subgid; do grep -q "^$rl_user:" "$f" || echo "$rl_user:400000:65536" >>"$f"; done
chmod 755 "$work"
rl=$work/rootless
mkdir -p "$rl"
chown -R "$rl_user:" "$rl"
small=127.0.0.1:$port/busybox:latest
RLCM="$PWD/build/conman --root $rl/cr --runroot $rl/crr"
RLPM="podman --root $rl/pr --runroot $rl/prr --runtime runc --cgroup-manager cgroupfs --events-backend none"
su "$rl_user" -c "cd $rl && $RLCM pull -q --tls-verify=false $small && $RLPM pull -q --tls-verify=false $small" >/dev/null
su "$rl_user" -c "cd $rl && hyperfine -N --style none -w 3 -r $RUNS --export-json $rl/r.json \
    '$RLCM run --rm --network none $small true' \
    '$RLPM run --rm --network none $small true'" >/dev/null
$CM pull -q --tls-verify=false "$small" >/dev/null
hyperfine -N --style none -w 3 -r "$RUNS" --export-json "$rl/root.json" \
    "env ROOTFUL=1 $CM run --network none --rm $small true" >/dev/null
python3 - "$rl/r.json" "$rl/root.json" >>"$results" <<'PY'
import json, sys
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        print(f'rootless\t{r["command"]}\t{r["mean"]*1000:.1f}\t{r["stddev"]*1000:.1f}')
PY
su "$rl_user" -c "$RLCM rm -af >/dev/null 2>&1; $RLCM rmi -af >/dev/null 2>&1; $RLPM rm -af >/dev/null 2>&1; podman unshare rm -rf $rl/pr $rl/prr" >/dev/null 2>&1 || true
pkill -u "$rl_user" -f conman-shim 2>/dev/null || true
rm -rf "$rl"

echo "bench: shim memory" >&2
# smaps_rollup of one idle monitor each: conman-shim vs conmon.
mem() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{print r "\t" p}' "/proc/$1/smaps_rollup"; }
$CM run --network none -d --name idle --rootfs "$rootfs" sleep 1000 >/dev/null
$PM run -d $PMRUN --name idle --rootfs "$rootfs" sleep 1000 >/dev/null
shim_pid=$($CM inspect --format '{{.State.ConmonPid}}' idle)
conmon_pid=$($PM inspect --format '{{.State.ConmonPid}}' idle)
read -r shim_rss shim_pss < <(mem "$shim_pid")
read -r conmon_rss conmon_pss < <(mem "$conmon_pid")

python3 - "$results" "$shim_rss" "$shim_pss" "$conmon_rss" "$conmon_pss" "$RUNS" >"$work/report.md" <<'PY'
import sys, collections
rows = collections.OrderedDict()
for line in open(sys.argv[1]):
    name, cmd, mean, sd = line.rstrip("\n").split("\t")
    tool = ("runc" if cmd.startswith("env ROOTFUL=1") else
            "conman" if "/conman " in cmd or cmd.endswith("stream.cm") else
            "podman" if cmd.startswith("podman") or cmd.endswith("stream.pm") or "/prep.pp" in cmd else "runc")
    rows.setdefault(name, {})[tool] = (float(mean), float(sd))
labels = {"run_rm": "run --rm … true", "run_d": "run -d … sleep", "stop": "stop -t 0", "rm": "rm (exited)",
          "ps": "ps -a (100 containers)", "inspect": "inspect", "exec": "exec CTR true",
          "stream_i": "run -i: 100 MB stdin -> cat -> stdout",
          "pull": "pull 100 MB, 4 layers (raw peer: skopeo copy to oci:)",
          "run_image": "run --rm IMAGE true (pulled image, overlay)",
          "rootless": "rootless run --rm IMAGE true (raw peer: rootful conman)"}
print("| operation | conman ms | podman ms | runc/skopeo ms | podman / conman | conman / raw peer |")
print("|---|---|---|---|---|---|")
for name, t in rows.items():
    c = t.get("conman"); p = t.get("podman"); r = t.get("runc")
    fmt = lambda x: f"{x[0]:.1f} ± {x[1]:.1f}" if x else "—"
    pc = f"{p[0]/c[0]:.1f}×" if p and c else "—"
    cr = f"{c[0]/r[0]:.2f}×" if r and c else "—"
    print(f"| {labels.get(name, name)} | {fmt(c)} | {fmt(p)} | {fmt(r)} | {pc} | {cr} |")
srss, spss, crss, cpss = sys.argv[2:6]
print()
print("| monitor (one idle container) | RSS kB | PSS kB |")
print("|---|---|---|")
print(f"| conman-shim | {srss} | {spss} |")
print(f"| conmon (podman) | {crss} | {cpss} |")
print()
print(f"hyperfine, {sys.argv[6]} runs after 3 warm-ups, mean ± stddev.")
PY
cat "$work/report.md"
if [ "$update_docs" = 1 ]; then
    {
        echo "# Performance"
        echo
        echo "Latest figures from \`bash bench/run.sh --update-docs\` ($(date -u +%Y-%m-%d), $(nproc) cores,"
        echo "$(uname -r), runc $(runc --version | awk 'NR==1{print $3}'), podman $(podman --version | awk '{print $3}'),"
        echo "skopeo $(skopeo --version | awk '{print $3}'),"
        echo "conmon $(conmon --version | awk 'NR==1{print $3}')). podman runs with \`--network none\` and small"
        echo "ulimits (this host refuses its defaults); runc is \`runc run\` on an equivalent bundle; the pull's"
        echo "raw peer is \`skopeo copy docker://… oci:DIR\` (download and verify, no unpack)."
        echo
        cat "$work/report.md"
        if [ -f docs/performance-notes.md ]; then echo; cat docs/performance-notes.md; fi
    } > docs/performance.md
    echo "wrote docs/performance.md" >&2
fi
