#!/bin/bash
# Installs what conman needs to build, run and be tested on Debian 12.
# Idempotent: returns at once when everything is already there.
set -euo pipefail
build_pkgs=(meson ninja-build pkg-config g++ libcli11-dev nlohmann-json3-dev libfmt-dev libseccomp-dev catch2
    libcurl4-openssl-dev libarchive-dev libssl-dev zlib1g-dev libzstd-dev)
run_pkgs=(runc busybox-static uidmap slirp4netns containernetworking-plugins iptables)
test_pkgs=(bats crun curl docker-registry skopeo umoci tmux util-linux procps iproute2 python3 man-db groff-base zstd apache2-utils openssl jq clang-14 libclang-rt-14-dev)
bench_pkgs=(hyperfine podman conmon)
want=("${build_pkgs[@]}" "${run_pkgs[@]}" "${test_pkgs[@]}")
[ "${1:-}" = "--bench" ] && want+=("${bench_pkgs[@]}")
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "setup: installing ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
