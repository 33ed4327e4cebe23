#!/usr/bin/env bats
# Volumes and mounts: -v (bind, named, anonymous), --mount, --tmpfs,
# --volumes-from, image VOLUMEs with copy-up, and the volume verbs
# (create, ls, inspect, rm, prune, exists).

load helpers

# Mount points are created in a --rootfs directory: use a private copy of the
# test rootfs so the shared one stays as it is.
ROOTFS=$BATS_FILE_TMPDIR/rootfs

setup_file() {
    local base=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    [ -x "$base/bin/busybox" ] || bash "$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$base"
    cp -a "$base" "$BATS_FILE_TMPDIR/rootfs"
}

# The store holds no container and no volume.
assert_nothing_made() {
    [ -z "$(conman ps -a -q)" ]
    [ -z "$(conman volume ls -q)" ]
    [ -z "$(ls -A "$CM_ROOT/volumes" 2>/dev/null)" ]
}

# An image (via import) whose /data has content and is a VOLUME.
make_volume_image() {
    cp -a "$ROOTFS" "$TEST_DIR/img"
    mkdir -p "$TEST_DIR/img/data/sub"
    echo seed >"$TEST_DIR/img/data/seed"
    echo deep >"$TEST_DIR/img/data/sub/deep"
    ln -s seed "$TEST_DIR/img/data/link"
    chown 123:456 "$TEST_DIR/img/data/seed"
    chmod 0640 "$TEST_DIR/img/data/seed"
    chown 77:88 "$TEST_DIR/img/data"
    chmod 0750 "$TEST_DIR/img/data"
    python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.origin", b"image")' "$TEST_DIR/img/data/seed"
    tar --xattrs --xattrs-include='*' -C "$TEST_DIR/img" -cf "$TEST_DIR/img.tar" .
    conman import -c 'VOLUME /data' "$TEST_DIR/img.tar" localhost/vols >/dev/null
}

@test "a named volume is created on first use and its data survives the container's removal" {
    run_conman run --name w -v data:/data --rootfs "$ROOTFS" sh -c 'echo hello > /data/f'
    assert_status 0
    run_conman volume exists data
    assert_status 0
    [ "$(cat "$CM_ROOT/volumes/data/_data/f")" = hello ]
    run_conman inspect --format '{{range .Mounts}}{{.Type}} {{.Name}} {{.Source}} {{.Destination}} {{.RW}} {{.Propagation}}{{end}}' w
    [ "$output" = "volume data $CM_ROOT/volumes/data/_data /data true rprivate" ]
    conman rm w >/dev/null
    run_conman volume exists data
    assert_status 0
    run_conman run --rm -v data:/data --rootfs "$ROOTFS" cat /data/f
    assert_status 0
    [ "$output" = hello ]
    # :ro is read-only from inside.
    run_conman run --rm -v data:/data:ro --rootfs "$ROOTFS" sh -c 'cat /data/f; echo more > /data/f || exit 9'
    assert_status 9
    [ "$output" = hello ]
    [[ "$stderr" == *"Read-only file system"* ]]
    [ "$(cat "$CM_ROOT/volumes/data/_data/f")" = hello ]
}

@test "bind mounts: rw writes reach the host, ro is read-only, --mount type=bind works" {
    mkdir "$TEST_DIR/h"
    echo x >"$TEST_DIR/h/f"
    run_conman run --rm -v "$TEST_DIR/h:/h:ro,z" --rootfs "$ROOTFS" sh -c 'cat /h/f; touch /h/new || exit 9'
    assert_status 9
    [ "$output" = x ]
    [[ "$stderr" == *"Read-only file system"* ]]
    [ ! -e "$TEST_DIR/h/new" ]
    run_conman run --rm -v "$TEST_DIR/h:/h" --rootfs "$ROOTFS" sh -c 'echo w > /h/w'
    assert_status 0
    [ "$(cat "$TEST_DIR/h/w")" = w ]
    run_conman run --rm --mount "type=bind,src=$TEST_DIR/h,dst=/mnt/h,ro=true" --rootfs "$ROOTFS" sh -c 'cat /mnt/h/w; rm /mnt/h/w || exit 9'
    assert_status 9
    [ "$output" = w ]
    [ -e "$TEST_DIR/h/w" ]
    # A single file can be bind-mounted too.
    run_conman run --rm -v "$TEST_DIR/h/f:/etc/motd:ro" --rootfs "$ROOTFS" cat /etc/motd
    assert_status 0
    [ "$output" = x ]
    # U gives the source to the container's user.
    mkdir "$TEST_DIR/u"
    touch "$TEST_DIR/u/f"
    run_conman run --rm --user 1000:1001 -v "$TEST_DIR/u:/u:U" --rootfs "$ROOTFS" sh -c 'touch /u/g && echo ok'
    assert_status 0
    [ "$(stat -c %u:%g "$TEST_DIR/u" "$TEST_DIR/u/f" "$TEST_DIR/u/g" | sort -u)" = "1000:1001" ]
    # Bind mounts are not volumes.
    [ -z "$(conman volume ls -q)" ]
}

@test "bad mount input exits 125 with one line and makes nothing" {
    bad=(
        "-v vol:relative"
        "-v /a:/b:bogus"
        "-v /a:/b:ro,rw"
        "-v bad*name:/x"
        "-v $TEST_DIR/missing:/m"
        "-v newvol:/d -v $TEST_DIR/missing:/m"
        "-v newvol:/d --volumes-from nosuch"
        "-v newvol:/d -v /tmp:/d"
        "--mount type=bind,dst=/x"
        "--mount type=image,src=x,dst=/x"
        "--mount src=/tmp,dst=/x"
        "--mount type=tmpfs,dst=/t,tmpfs-size=lots"
        "--tmpfs relative"
        "--tmpfs /t:bogus"
        "--volumes-from nosuch"
    )
    for b in "${bad[@]}"; do
        # shellcheck disable=SC2086
        run_conman run --name bad $b --rootfs "$ROOTFS" true
        if [ "$status" -ne 125 ] || [ "$(printf '%s\n' "$stderr" | wc -l)" -ne 1 ]; then
            echo "flags: $b -> status $status, stderr: $stderr" >&2
            return 1
        fi
        [[ "$stderr" == "conman: "* ]]
        assert_nothing_made
    done
    [ ! -e "$TEST_DIR/missing" ]
    run_conman run --rm -v "$TEST_DIR/missing:/m" --rootfs "$ROOTFS" true
    [[ "$stderr" == *"$TEST_DIR/missing"*"No such file or directory"* ]]
}

@test "--tmpfs and --mount type=tmpfs are mounted with their size and mode" {
    run_conman run --rm --tmpfs /t:size=1m,mode=1770 --mount type=tmpfs,dst=/m,tmpfs-size=2m \
        --rootfs "$ROOTFS" sh -c 'grep -E " /(t|m) " /proc/mounts | sort -k2; echo x > /t/f && cat /t/f'
    assert_status 0
    [[ "${lines[0]}" == "tmpfs /m tmpfs "*"size=2048k"* ]]
    [[ "${lines[1]}" == "tmpfs /t tmpfs "*"size=1024k"*"mode=1770"* ]]
    [[ "${lines[1]}" == *nosuid*nodev*noexec* ]]
    [ "${lines[2]}" = x ]
    # A tmpfs over a default mount replaces it.
    run_conman run --rm --tmpfs /dev/shm:size=3m --rootfs "$ROOTFS" sh -c 'grep " /dev/shm " /proc/mounts'
    assert_status 0
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *"size=3072k"* ]]
    run_conman create --name t --tmpfs /t:size=1m --rootfs "$ROOTFS" true
    run_conman inspect --format '{{.HostConfig.Tmpfs}} {{len .Mounts}}' t
    [[ "$output" == "map[/t:rw,noexec,nosuid,nodev,size=1m,tmpcopyup] 0" ]]
}

@test "copy-up: a new volume over image content gets that content once; image VOLUMEs are anonymous volumes" {
    make_volume_image
    # The image's VOLUME /data: an anonymous volume holding the image's files.
    run_conman run --name a localhost/vols sh -c 'cat /data/seed /data/sub/deep; echo mine > /data/mine'
    assert_status 0
    [ "${lines[0]}" = seed ]
    [ "${lines[1]}" = deep ]
    anon=$(conman volume ls -q)
    [[ "$anon" =~ ^[0-9a-f]{64}$ ]]
    run_conman volume inspect --format '{{.Anonymous}}' "$anon"
    [ "$output" = true ]
    run_conman inspect --format '{{range .Mounts}}{{.Name}} {{.Destination}}{{end}}' a
    [ "$output" = "$anon /data" ]
    # A named volume: content, owners, modes, symlinks and xattrs copied in.
    run_conman run --rm -v cu:/data localhost/vols cat /data/link
    assert_status 0
    [ "$output" = seed ]
    d=$CM_ROOT/volumes/cu/_data
    [ "$(stat -c '%u:%g %a' "$d/seed")" = "123:456 640" ]
    [ "$(stat -c '%u:%g %a' "$d")" = "77:88 750" ]
    [ "$(readlink "$d/link")" = seed ]
    [ "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.origin").decode())' "$d/seed")" = image ]
    # Only the first mount copies: what the container removed stays removed.
    conman run --rm -v cu:/data localhost/vols rm /data/seed
    run_conman run --rm -v cu:/data localhost/vols ls /data
    [ "$(echo $output)" = "link sub" ]
    # nocopy: the volume stays empty.
    run_conman run --rm -v nc:/data:nocopy localhost/vols ls -A /data
    assert_status 0
    [ -z "$output" ]
    # rm without -v keeps the anonymous volume, rm -v removes it.
    conman create --name b localhost/vols true >/dev/null
    anon_b=$(conman inspect --format '{{range .Mounts}}{{.Name}}{{end}}' b)
    conman rm b >/dev/null
    run_conman volume exists "$anon_b"
    assert_status 0
    conman volume rm "$anon_b" >/dev/null
    conman rm -v a >/dev/null
    run_conman volume exists "$anon"
    assert_status 1
    # run --rm takes its anonymous volumes along.
    conman run --rm localhost/vols true
    [ "$(conman volume ls -q | sort | tr '\n' ' ')" = "cu nc " ]
}

@test "volume create, ls, inspect, exists" {
    run_conman volume create --label team=a --opt uid=7 --opt gid=8 v1
    assert_status 0
    [ "$output" = v1 ]
    run_conman volume create v1
    assert_status 125
    [[ "$stderr" == *"v1 already exists"* ]]
    run_conman volume create --ignore v1
    assert_status 0
    conman volume create v2 >/dev/null
    run_conman volume create 'bad name'
    assert_status 125
    run_conman volume create --opt type=nfs v3
    assert_status 125
    run_conman volume exists v3
    assert_status 1
    run_conman volume create
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    conman volume rm "$output" >/dev/null
    run_conman volume ls
    assert_status 0
    [[ "${lines[0]}" =~ ^DRIVER\ +VOLUME\ NAME$ ]]
    [[ "${lines[1]}" =~ ^local\ +v1$ ]]
    [[ "${lines[2]}" =~ ^local\ +v2$ ]]
    [ "$(conman volume ls -q --filter label=team=a)" = v1 ]
    [ "$(conman volume ls -q --filter label=team)" = v1 ]
    [ "$(conman volume ls -q --filter name=2)" = v2 ]
    [ "$(conman volume ls -n | wc -l)" -eq 2 ]
    [ "$(conman volume ls --format '{{.Name}}={{.Driver}}' | tr '\n' ' ')" = "v1=local v2=local " ]
    run_conman volume ls -q --filter bogus=1
    assert_status 125
    run_conman volume inspect v1
    assert_status 0
    printf '%s' "$output" | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]
assert v["Name"] == "v1" and v["Driver"] == "local" and v["Scope"] == "local", v
assert v["Mountpoint"] == sys.argv[1] + "/volumes/v1/_data", v
assert v["Labels"] == {"team": "a"} and v["Options"] == {"uid": "7", "gid": "8"}, v
assert v["UID"] == 7 and v["GID"] == 8 and v["CreatedAt"].startswith("20"), v
' "$CM_ROOT"
    [ "$(stat -c '%u:%g' "$CM_ROOT/volumes/v1/_data")" = "7:8" ]
    [ "$(conman volume inspect --format '{{.Name}} {{.Driver}}' v2)" = "v2 local" ]
    run_conman volume inspect nosuch
    assert_status 125
    [ "$(conman volume inspect --all --format '{{.Name}}' | tr '\n' ' ')" = "v1 v2 " ]
    run_conman volume exists v1
    assert_status 0
    run_conman volume exists nosuch
    assert_status 1
}

@test "volume rm refuses volumes in use (exit 2) unless -f, which removes the containers; prune keeps used ones" {
    conman volume create used >/dev/null
    conman volume create spare >/dev/null
    conman volume create labelled --label keep=yes >/dev/null
    conman create --name user -v used:/d --rootfs "$ROOTFS" true >/dev/null
    [ "$(conman volume ls -q --filter dangling=true | tr '\n' ' ')" = "labelled spare " ]
    [ "$(conman volume ls -q --filter dangling=false)" = used ]
    run_conman volume rm used
    assert_status 2
    [[ "$stderr" == *"volume used is in use by container"* ]]
    run_conman volume exists used
    assert_status 0
    run_conman volume rm nosuch
    assert_status 1
    run_conman volume prune -f --filter label!=keep=yes
    assert_status 0
    [ "$output" = spare ]
    # Without -f prune asks, and only "y" goes ahead.
    run_conman volume prune <<<"n"
    assert_status 0
    run_conman volume exists labelled
    assert_status 0
    run_conman volume prune <<<"y"
    assert_status 0
    [[ "$output" == *labelled* ]]
    run_conman volume exists used
    assert_status 0
    run_conman volume rm -f used
    assert_status 0
    [ "$output" = used ]
    [ -z "$(conman ps -a -q)" ]
    [ -z "$(conman volume ls -q)" ]
    [ -z "$(ls -A "$CM_ROOT/volumes")" ]
}

@test "--volumes-from shares named volumes and bind mounts, :ro makes them read-only" {
    mkdir "$TEST_DIR/b"
    conman create --name src -v shared:/s -v "$TEST_DIR/b:/b" --tmpfs /t --rootfs "$ROOTFS" true >/dev/null
    run_conman run --name dst --volumes-from src --rootfs "$ROOTFS" sh -c 'echo 1 > /s/x && echo 2 > /b/y; grep -q " /t " /proc/mounts || echo no-tmpfs'
    assert_status 0
    [ "$output" = no-tmpfs ]
    [ "$(cat "$CM_ROOT/volumes/shared/_data/x")" = 1 ]
    [ "$(cat "$TEST_DIR/b/y")" = 2 ]
    run_conman inspect --format '{{len .Mounts}} {{.HostConfig.VolumesFrom}}' dst
    [ "$output" = "2 [src]" ]
    [ "$(conman ps -a --filter name=src --format '{{.Names}} {{.Mounts}}')" = "src /s,/b,/t" ]
    run_conman run --rm --volumes-from src:ro --rootfs "$ROOTFS" sh -c 'cat /s/x; echo 3 > /s/x || exit 9'
    assert_status 9
    [ "$output" = 1 ]
    # Removing the consumer with -v leaves the source's volumes alone.
    conman rm -v dst >/dev/null
    run_conman volume exists shared
    assert_status 0
}

@test "concurrent creates of one volume name: one wins, the others are told it exists" {
    for i in 1 2 3 4 5 6; do
        "${CM[@]}" volume create race >"$TEST_DIR/out.$i" 2>"$TEST_DIR/err.$i" &
    done
    wait
    [ "$(cat "$TEST_DIR"/out.* | grep -c race)" -eq 1 ]
    [ "$(cat "$TEST_DIR"/err.* | grep -c 'already exists')" -eq 5 ]
    # Containers racing to create the same volume on first use all get it.
    for i in 1 2 3 4; do
        "${CM[@]}" run --rm -v shared:/d --rootfs "$ROOTFS" sh -c "echo $i > /d/$i" &
    done
    wait
    [ "$(ls "$CM_ROOT/volumes/shared/_data" | wc -l)" -eq 4 ]
    [ "$(conman volume ls -q | tr '\n' ' ')" = "race shared " ]
}

@test "system df counts volumes: links, active and reclaimable" {
    conman volume create idle >/dev/null
    conman run --name u -v used:/d --rootfs "$ROOTFS" sh -c 'dd if=/dev/zero of=/d/blob bs=1000 count=100 2>/dev/null'
    run_conman system df --format '{{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}}'
    assert_status 0
    [ "${lines[2]}" = "Local Volumes 2 1 100kB 0B (0%)" ]
    run_conman system df -v
    assert_status 0
    [[ "$output" =~ idle\ +0\ +0B ]]
    [[ "$output" =~ used\ +1\ +100kB ]]
    run_conman system df -v --format json
    python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [(v["VolumeName"], v["Links"]) for v in d["Volumes"]] == [("idle", 0), ("used", 1)], d
assert [c["LocalVolumes"] for c in d["Containers"]] == [1], d
' <<<"$output"
}
