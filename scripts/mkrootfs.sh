#!/bin/bash
# Builds a minimal busybox root filesystem in DIR from the busybox-static
# package: every applet as a symlink, plus /etc/passwd and /etc/group.
set -euo pipefail
dir=${1:?usage: mkrootfs.sh DIR}
bb=/bin/busybox
# Debian's busybox-static installs /bin/busybox; a dynamic busybox would
# need the host's libraries inside the rootfs.
if [ ! -x "$bb" ] || ldd "$bb" >/dev/null 2>&1; then
    echo "mkrootfs: $bb is missing or not static: apt-get install busybox-static" >&2
    exit 1
fi
mkdir -p "$dir"/{bin,sbin,etc,tmp,proc,sys,dev,root,home/user,usr/bin,var}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$dir/bin/busybox" --list); do
    [ -e "$dir/bin/$applet" ] || ln -s busybox "$dir/bin/$applet"
done
cat > "$dir/etc/passwd" <<'PW'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
PW
cat > "$dir/etc/group" <<'GR'
root:x:0:
tty:x:5:
nogroup:x:65534:
user:x:1000:
GR
chown 1000:1000 "$dir/home/user" 2>/dev/null || true
printf 'not executable\n' > "$dir/etc/motd"
