#!/bin/bash
# Networking cost, conman vs podman side by side: run --rm with a bridge
# network vs none, run --rm publishing a port, and an HTTP request
# round-trip through a published port on 127.0.0.1 (busybox httpd inside).
# Prints a markdown table with conman/podman ratios.
# Needs root, hyperfine, podman, conmon, runc, curl (bash scripts/setup.sh --bench).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
bash scripts/setup.sh --bench
[ -x build/conman ] || bash scripts/build.sh
work=$(mktemp -d /tmp/conman-nbench.XXXXXX)
rootfs=$work/rootfs
bash scripts/mkrootfs.sh "$rootfs"
CM="$PWD/build/conman --root $work/root --runroot /run/cnb.$$"
PM="podman --runtime runc --root $work/podman --runroot /run/pnb.$$ --cgroup-manager cgroupfs --events-backend none"
PMRUN="--ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
cleanup() {
    $CM rm -af -t 0 >/dev/null 2>&1 || true
    $PM rm -af -t 0 >/dev/null 2>&1 || true
    umount "$work/podman/overlay" 2>/dev/null || true
    rm -rf "$work" /run/cnb.$$ /run/pnb.$$ 2>/dev/null || true
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Warm up: stores, bridges and CNI's shared chains exist before timing.
$CM run --rm --rootfs "$rootfs" true >/dev/null
$PM run --rm $PMRUN --rootfs "$rootfs" true >/dev/null

results=$work/results.tsv
: >"$results"
source bench/lib.sh  # bench NAME CMD... (we are at the repo root)

echo "bench: run --rm true, bridge vs none" >&2
bench run_rm \
    "$CM run --rm --network bridge --rootfs $rootfs true" "$CM run --rm --network none --rootfs $rootfs true" \
    "$PM run --rm $PMRUN --network bridge --rootfs $rootfs true" "$PM run --rm $PMRUN --network none --rootfs $rootfs true"
echo "bench: run --rm -p" >&2
bench run_rm_p \
    "$CM run --rm -p 127.0.0.1::80 --rootfs $rootfs true" "$PM run --rm $PMRUN -p 127.0.0.1::80 --rootfs $rootfs true"
echo "bench: request through a published port" >&2
cport=$(free_port)
$CM run -d --name web -p "127.0.0.1:$cport:80" --rootfs "$rootfs" \
    sh -c 'mkdir -p /tmp/w && echo hi > /tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w' >/dev/null
pport=$(free_port)
$PM run -d $PMRUN --name web -p "127.0.0.1:$pport:80" --rootfs "$rootfs" \
    sh -c 'mkdir -p /tmp/w && echo hi > /tmp/w/index.html && exec httpd -f -p 80 -h /tmp/w' >/dev/null
for p in $cport $pport; do
    for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$p/" >/dev/null && break; sleep 0.1; done
done
bench request "curl -sf http://127.0.0.1:$cport/" "curl -sf http://127.0.0.1:$pport/"

python3 - "$results" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
def ms(name, who, extra=""):
    for n, cmd, mean, sd in rows:
        if n == name and cmd.split()[0].endswith(who) and extra in cmd:
            return float(mean), float(sd)
    raise SystemExit(f"no result for {name} {who} {extra}")
print("| case | conman ms | podman ms | conman/podman |")
print("|---|---|---|---|")
cases = [("run --rm --network bridge true", "run_rm", "conman", "podman", "--network bridge"),
         ("run --rm --network none true", "run_rm", "conman", "podman", "--network none"),
         ("run --rm -p 127.0.0.1::80 true", "run_rm_p", "conman", "podman", ""),
         ("curl via published port", "request", "curl", "curl", "")]
for label, name, a, b, extra in cases:
    if name == "request":
        rs = [(float(m), float(s)) for n, cmd, m, s in rows if n == name]
        c, p = rs[0], rs[1]
    else:
        c, p = ms(name, a, extra), ms(name, b, extra)
    print(f"| {label} | {c[0]:.1f} ± {c[1]:.1f} | {p[0]:.1f} ± {p[1]:.1f} | {c[0]/p[0]:.2f} |")
cb, cn = ms("run_rm", "conman", "--network bridge"), ms("run_rm", "conman", "--network none")
pb, pn = ms("run_rm", "podman", "--network bridge"), ms("run_rm", "podman", "--network none")
print(f"\nbridge cost (bridge - none): conman {cb[0]-cn[0]:.1f} ms, podman {pb[0]-pn[0]:.1f} ms")
PY
