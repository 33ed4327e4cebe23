#!/bin/bash
# The main job on a fresh machine: install, build, make a busybox rootfs
# from the busybox-static package, and run a real container from it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
[ -x build/rootfs/bin/busybox ] || bash scripts/mkrootfs.sh build/rootfs
exec build/conman run --rm --rootfs build/rootfs \
    sh -c 'echo "Hello from a conman container"; echo "hostname: $(hostname)"; echo "pid 1: $(cat /proc/1/comm)"; id'
