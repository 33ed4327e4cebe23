#!/usr/bin/env bats
# A container's file system from the host: cp (both ways, tar streams,
# ownership, hostile symlinks), mount/umount, export, and the image-side
# history and system df. Images come from the local test registry.

load helpers

setup_file() {
    start_test_registry
}

teardown_file() {
    stop_test_registry
}

pull() {
    conman pull -q --tls-verify=false "$REG/$1" >/dev/null
}

# is_mounted PATH: PATH is a mount point in our mount namespace.
is_mounted() {
    awk -v p="$1" '$5 == p { found = 1 } END { exit !found }' /proc/self/mountinfo
}

# A host tree to copy: a file, a directory with a subdirectory.
make_host_tree() {
    mkdir -p "$TEST_DIR/h/d/sub"
    echo hello >"$TEST_DIR/h/f.txt"
    echo a >"$TEST_DIR/h/d/a"
    echo b >"$TEST_DIR/h/d/sub/b"
    chown 1234:1234 "$TEST_DIR/h/f.txt"
}

@test "cp into a stopped container follows docker's path rules; the container sees the files" {
    pull busybox
    make_host_tree
    conman create --name c "$REG/busybox" sh -c 'cd /tmp && find . | sort; cat f.txt' >/dev/null
    conman cp "$TEST_DIR/h/f.txt" c:/tmp/           # into a directory: keeps its name
    conman cp "$TEST_DIR/h/f.txt" c:/tmp/renamed    # a new name
    conman cp "$TEST_DIR/h/d" c:/tmp/newd           # missing DEST: created, SRC's content in it
    conman cp "$TEST_DIR/h/d" c:/tmp/newd           # existing DEST: SRC goes inside
    conman cp "$TEST_DIR/h/d/." c:/tmp/dot          # "/.": only the content
    run_conman start -a c
    assert_status 0
    expected=". ./dot ./dot/a ./dot/sub ./dot/sub/b ./f.txt ./newd ./newd/a ./newd/d ./newd/d/a ./newd/d/sub ./newd/d/sub/b ./newd/sub ./newd/sub/b ./renamed hello"
    [ "$(echo $output)" = "$expected" ]
}

@test "cp out of a container to the host, and its errors" {
    pull busybox
    make_host_tree
    conman run --name c "$REG/busybox" sh -c 'mkdir -p /data/sub && echo one > /data/one && echo two > /data/sub/two && ln -s one /data/link' >/dev/null
    mkdir "$TEST_DIR/out"
    conman cp c:/data "$TEST_DIR/out/"
    conman cp c:/data/. "$TEST_DIR/out/flat"
    conman cp c:/data/one "$TEST_DIR/out/one.txt"
    [ "$(cat "$TEST_DIR/out/data/sub/two")" = two ]
    [ "$(readlink "$TEST_DIR/out/data/link")" = one ]   # symlinks stay symlinks
    [ "$(cat "$TEST_DIR/out/flat/one")" = one ]
    [ "$(cat "$TEST_DIR/out/one.txt")" = one ]
    # A file SRC ending in "/" is not a directory; a DEST ending in "/" must exist.
    run_conman cp c:/data/one/ "$TEST_DIR/out/x"
    assert_status 125
    [[ "$stderr" == *"not a directory"* ]]
    run_conman cp c:/data/one "$TEST_DIR/out/nodir/"
    assert_status 125
    [[ "$stderr" == *"\"$TEST_DIR/out/nodir/\" could not be found on the host"* ]]
    run_conman cp c:/nonexistent "$TEST_DIR/out/"
    assert_status 125
    [ "$stderr" = "conman: \"/nonexistent\" could not be found on container c: no such file or directory" ]
    run_conman cp c:/data "$TEST_DIR/out/one.txt"
    assert_status 125
    [ "$stderr" = "conman: destination must be a directory when copying a directory" ]
    run_conman cp "$TEST_DIR/h/f.txt" "$TEST_DIR/out/"
    assert_status 125
    [[ "$stderr" == *"name a container"* ]]
    run_conman cp "$TEST_DIR/h/f.txt" nosuch:/tmp
    assert_status 125
    [[ "$stderr" == *"no such container"* ]]
    # A directory never silently replaces a file, or the other way round.
    conman cp "$TEST_DIR/h/f.txt" c:/tmp/d
    run_conman cp "$TEST_DIR/h/d" c:/tmp/
    assert_status 125
    [[ "$stderr" == *"use --overwrite"* ]]
    conman cp --overwrite "$TEST_DIR/h/d" c:/tmp/
    [ "$(conman cp c:/tmp/d/a - | tar -xOf -)" = a ]
}

@test "cp into a running container: visible at once, owned by the container's user unless --archive=false" {
    pull busybox
    make_host_tree
    conman run -d --name r -u 1000:1000 "$REG/busybox" sleep 1000 >/dev/null
    conman cp "$TEST_DIR/h/f.txt" r:/tmp/
    conman cp "$TEST_DIR/h/d" r:/tmp/d
    run_conman exec r sh -c 'cat /tmp/f.txt; stat -c %u:%g /tmp/f.txt /tmp/d /tmp/d/sub/b'
    assert_status 0
    [ "$(echo $output)" = "hello 1000:1000 1000:1000 1000:1000" ]
    conman cp --archive=false "$TEST_DIR/h/f.txt" r:/tmp/kept
    run_conman exec r stat -c %u:%g /tmp/kept
    [ "$output" = "1234:1234" ]
    # Relative container paths start at the working directory.
    conman cp "$TEST_DIR/h/f.txt" r:rel.txt
    run_conman exec r cat /rel.txt
    [ "$output" = hello ]
    # Copied out, files belong to the user running conman.
    conman cp r:/tmp/kept "$TEST_DIR/back"
    [ "$(stat -c %u:%g "$TEST_DIR/back")" = "$(id -u):$(id -g)" ]
}

@test "cp with tar streams: DEST - writes a tar, SRC - unpacks one into a directory" {
    pull busybox
    make_host_tree
    conman run -d --name r "$REG/busybox" sleep 1000 >/dev/null
    run bash -c "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' cp r:/etc - | tar -tf -"
    assert_status 0
    [[ "$output" == *"etc/passwd"* ]]
    [ "${lines[0]}" = "etc/" ]
    run bash -c "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' cp r:/etc/. - | tar -tf - | sort"
    [[ " ${lines[*]} " == *" passwd "* ]]
    [ "$(conman cp r:/etc/passwd - | tar -xOf - passwd)" = "$(conman exec r cat /etc/passwd)" ]
    conman exec r mkdir /tmp/in
    tar -C "$TEST_DIR/h" -czf - f.txt d | conman cp - r:/tmp/in
    run_conman exec r sh -c 'cat /tmp/in/f.txt /tmp/in/d/sub/b; stat -c %u /tmp/in/f.txt'
    [ "$(echo $output)" = "hello b 0" ]
    run bash -c "tar -C '$TEST_DIR/h' -cf - f.txt | '$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' cp - r:/tmp/in/f.txt"
    assert_status 125
    [[ "$output" == *"destination must be a directory when copying from stdin"* ]]
    # Names with ".." are refused; absolute names land below DEST.
    python3 - "$TEST_DIR/evil.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("../../../../outside"); ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
EOF
    run bash -c "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' cp - r:/tmp/in < '$TEST_DIR/evil.tar'"
    assert_status 125
    [[ "$output" == *'".." is not allowed'* ]]
}

# Names, sizes, times and inodes of the host directory the hostile links aim at.
host_state() {
    find "$TEST_DIR/host" -printf '%p %s %T@ %C@ %i\n' | sort
    sha256sum "$TEST_DIR/host/canary"
}

@test "a hostile container's symlinks never take cp or export outside its root" {
    pull busybox
    make_host_tree
    mkdir "$TEST_DIR/host"
    echo canary >"$TEST_DIR/host/canary"
    before=$(host_state)
    conman run -d --name r "$REG/busybox" sleep 1000 >/dev/null
    # Links made inside the container, aimed at the host's directory.
    conman exec r sh -c "ln -s / /tmp/rootlink; ln -s ../../../../../../../..$TEST_DIR/host /tmp/up;
        ln -s $TEST_DIR/host /tmp/abs; ln -s ../../../../etc /tmp/etclink;
        mkdir -p $TEST_DIR/host && echo inside > $TEST_DIR/host/canary"
    conman cp "$TEST_DIR/h/f.txt" r:/tmp/up/
    conman cp "$TEST_DIR/h/f.txt" r:/tmp/abs/canary
    conman cp "$TEST_DIR/h/d" r:/tmp/rootlink$TEST_DIR/host/
    conman cp "$TEST_DIR/h/f.txt" r:/tmp/etclink/motd
    tar -C "$TEST_DIR/h" -cf - f.txt | conman cp - r:/tmp/up
    python3 - "$TEST_DIR/links.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    ti = tarfile.TarInfo("escape"); ti.type = tarfile.SYMTYPE; ti.linkname = "/"
    t.addfile(ti)
    ti = tarfile.TarInfo("escape/tmp/through-link"); ti.size = 1
    t.addfile(ti, io.BytesIO(b"x"))
EOF
    conman cp - r:/tmp < "$TEST_DIR/links.tar"
    # The host's directory is exactly as it was ...
    [ "$(host_state)" = "$before" ]
    [ ! -e /tmp/through-link ]
    # ... and everything landed inside the container, where the links resolve.
    run_conman exec r sh -c "cat $TEST_DIR/host/canary $TEST_DIR/host/f.txt $TEST_DIR/host/d/a /etc/motd /tmp/through-link"
    assert_status 0
    [ "$(echo $output)" = "hello hello a hello x" ]
    # Reading follows the links inside the container too.
    [ "$(conman cp r:/tmp/abs/canary - | tar -xOf -)" = hello ]
    [ "$(conman cp r:/tmp/etclink/passwd - | tar -xOf -)" = "$(conman exec r cat /etc/passwd)" ]
    conman cp r:/tmp/up "$TEST_DIR/copied"
    [ "$(cat "$TEST_DIR/copied/canary")" = hello ]
    # export stores the links as links and never reads through them.
    conman export -o "$TEST_DIR/r.tar" r
    run tar -tvf "$TEST_DIR/r.tar" tmp/abs tmp/up
    [[ "${lines[0]}" == l*" tmp/abs -> $TEST_DIR/host" ]]
    [[ "${lines[1]}" == l*" tmp/up -> ../../../../../../../..$TEST_DIR/host" ]]
    [ "$(tar -xOf "$TEST_DIR/r.tar" "${TEST_DIR#/}/host/canary")" = hello ]
    [ "$(host_state)" = "$before" ]
}

@test "mount prints the rootfs path; umount counts mounts and never unmounts a running container" {
    pull busybox
    conman run --name m "$REG/busybox" sh -c 'echo made > /tmp/made' >/dev/null
    id=$(conman inspect --format '{{.Id}}' m)
    [ "$(cat "$CM_ROOT/containers/$id/driver")" = overlay ] || skip "only overlay root filesystems are mount points"
    run_conman mount m
    assert_status 0
    path=$output
    [ "$(cat "$path/tmp/made")" = made ]
    is_mounted "$path"
    run_conman mount
    [ "$output" = "${id:0:12}  $path" ]
    run_conman mount --format json
    [[ "$output" == *"\"mountpoint\": \"$path\""* ]]
    # Mounted twice: the first umount only drops the count.
    conman mount m >/dev/null
    run_conman umount m
    [ "$output" = m ]
    is_mounted "$path"
    run_conman unmount m
    [ "$output" = m ]
    ! is_mounted "$path"
    run_conman mount
    [ -z "$output" ]
    # cp on the unmounted container mounts it for the copy only.
    conman cp m:/tmp/made "$TEST_DIR/made"
    [ "$(cat "$TEST_DIR/made")" = made ]
    ! is_mounted "$path"
    # start mounts it again by itself.
    run_conman start -a m
    assert_status 0
    is_mounted "$path"
    # A running container keeps its rootfs, -f or not.
    conman run -d --name r "$REG/busybox" sleep 1000 >/dev/null
    rpath=$(conman mount r)
    run_conman umount -f r
    assert_status 125
    [[ "$stderr" == *"it is running"* ]]
    is_mounted "$rpath"
    run_conman container umount -a
    assert_status 0
    [ "$output" = "$id" ]
    ! is_mounted "$path"
    is_mounted "$rpath"
}

@test "a --rootfs container: cp writes into its directory, mount prints it" {
    cp -a "$ROOTFS" "$TEST_DIR/rootfs"
    make_host_tree
    conman create --name rf --rootfs "$TEST_DIR/rootfs" true >/dev/null
    conman cp "$TEST_DIR/h/f.txt" rf:/tmp/
    [ "$(cat "$TEST_DIR/rootfs/tmp/f.txt")" = hello ]
    run_conman mount rf
    [ "$output" = "$TEST_DIR/rootfs" ]
    run bash -c "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' export rf | tar -tf -"
    [[ " ${lines[*]} " == *" tmp/f.txt "* ]]
}

@test "history lists an image's layers like podman" {
    pull busybox
    pull multi
    bb=$(conman image inspect --format '{{.Id}}' "$REG/busybox")
    multi=$(conman image inspect --format '{{.Id}}' "$REG/multi")
    run_conman history "$REG/multi"
    assert_status 0
    [ "${#lines[@]}" -eq 4 ]
    [[ "${lines[0]}" =~ ^ID\ +CREATED\ +CREATED\ BY\ +SIZE\ +COMMENT$ ]]
    [[ "${lines[1]}" =~ ^${multi:0:12}\ +[0-9]+\ years\ ago\ +fixture\ layer\ 2\ +10.2\ kB ]]
    [[ "${lines[2]}" =~ ^\<missing\>\ +.*fixture\ layer\ 1\ +10.2\ kB ]]
    # The bottom layer is busybox's top layer: it shows busybox's ID.
    [[ "${lines[3]}" =~ ^${bb:0:12}\ +.*fixture\ layer\ 0\ +2.14\ MB ]]
    run_conman history -q "$REG/multi"
    [ "$(echo $output)" = "${multi:0:12} <missing> ${bb:0:12}" ]
    TZ=UTC0 run_conman history --no-trunc --human=false --format '{{.ID}} {{.Created}} {{.Size}}' "$REG/multi"
    [ "${lines[0]}" = "$multi 2023-11-14T22:13:20Z 10.2 kB" ]
    run_conman history --format json "$REG/busybox"
    assert_status 0
    python3 -c 'import json,sys; h=json.load(sys.stdin); assert len(h)==1 and h[0]["size"]==2140160 and h[0]["CreatedBy"]=="fixture layer 0", h' <<<"$output"
    run_conman image history --format '{{.CreatedBy}}' "$REG/busybox"
    [ "$output" = "fixture layer 0" ]
    run_conman history "$REG/nonexistent"
    assert_status 125
    [[ "$stderr" == *"image not known"* ]]
}

@test "system df counts images, containers and what they wrote" {
    run_conman system df
    assert_status 0
    [[ "${lines[0]}" =~ ^TYPE\ +TOTAL\ +ACTIVE\ +SIZE\ +RECLAIMABLE$ ]]
    [[ "${lines[1]}" =~ ^Images\ +0\ +0\ +0B\ +0B\ \(0%\)$ ]]
    [[ "${lines[3]}" =~ ^Local\ Volumes\ +0\ +0\ +0B ]]
    pull busybox
    run_conman system df --format '{{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}}'
    [ "${lines[0]}" = "Images 1 0 2.14MB 2.14MB (100%)" ]
    [ "${lines[1]}" = "Containers 0 0 0B 0B (0%)" ]
    conman run -d --name r "$REG/busybox" sleep 1000 >/dev/null
    conman exec r dd if=/dev/zero of=/tmp/blob bs=1000 count=300 2>/dev/null
    run_conman system df --format json
    python3 -c '
import json, sys
d = {r["Type"]: r for r in json.load(sys.stdin)}
assert d["Images"]["Active"] == 1 and d["Images"]["Reclaimable"] == 0, d
c = d["Containers"]
assert c["Total"] == 1 and c["Active"] == 1 and c["Size"] >= 300000 and c["Reclaimable"] == 0, d
' <<<"$output"
    run_conman system df -v
    assert_status 0
    [[ "$output" == *"Images space usage:"* ]]
    [[ "$output" == *"Containers space usage:"* ]]
    [[ "$output" =~ \ +sleep\ 1000\ +0\ +[0-9.]+[kM]B\ .*running\ +r ]]
}

@test "export writes the container's files and changes as a tar; never to a terminal" {
    pull busybox
    conman run --name e "$REG/busybox" sh -c 'echo changed > /etc/motd; mkdir /newdir; echo x > /newdir/f; rm /etc/group' >/dev/null
    run bash -c "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' export e | tar -tf -"
    assert_status 0
    [[ " ${lines[*]} " == *" newdir/f "* ]]
    [[ " ${lines[*]} " == *" bin/busybox "* ]]
    [[ " ${lines[*]} " != *" etc/group "* ]]
    [[ " ${lines[*]} " != *" ./"* ]]
    conman container export -o "$TEST_DIR/e.tar" e
    [ "$(tar -xOf "$TEST_DIR/e.tar" etc/motd)" = changed ]
    [ "$(tar -tf "$TEST_DIR/e.tar" | wc -l)" = "${#lines[@]}" ]
    run script -qec "'$CONMAN_BIN' --root '$CM_ROOT' --runroot '$CM_RUNROOT' export e" /dev/null
    assert_status 125
    [[ "$output" == *"refusing to export to a terminal"* ]]
    run_conman export -o "$TEST_DIR/none.tar" nosuch
    assert_status 125
    [ ! -e "$TEST_DIR/none.tar" ]
    [ -z "$(ls "$TEST_DIR" | grep none.tar)" ]
}
