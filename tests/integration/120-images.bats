#!/usr/bin/env bats
# Images from a real registry (Debian's docker-registry on 127.0.0.1, with
# fixtures built offline): pull, run, images, rmi, tag, inspect, hostile layers.

load helpers

setup_file() {
    start_test_registry
}

teardown_file() {
    stop_test_registry
}

@test "pull prints the image ID; images lists it; run uses it" {
    run_conman pull --tls-verify=false "$REG/busybox"
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [[ "$stderr" == *"Trying to pull $REG/busybox:latest"* ]]
    id=$output
    run_conman images --format '{{.Repository}}:{{.Tag}} {{.ID}}'
    [ "$output" = "$REG/busybox:latest ${id:0:12}" ]
    run_conman run --rm "$REG/busybox" echo from-image
    assert_status 0
    [ "$output" = "from-image" ]
}

@test "run pulls a missing image; --pull=never refuses; -q is quiet" {
    run_conman run --rm --tls-verify=false "$REG/busybox" true
    assert_status 0
    [[ "$stderr" == *"Trying to pull"* ]]
    run_conman rmi "$REG/busybox"
    run_conman run --rm --pull=never "$REG/busybox" true
    assert_status 125
    [[ "$stderr" == *"--pull=never"* ]]
    run_conman pull -q --tls-verify=false "$REG/busybox"
    [ -z "$stderr" ]
}

@test "plain http registries need --tls-verify=false (podman's rule)" {
    run_conman pull "$REG/busybox"
    assert_status 125
    [[ "$stderr" == *"HTTP response to HTTPS client"* ]]
    run_conman images -q
    [ -z "$output" ]
}

@test "the image config drives the container: user, workdir, env, entrypoint, labels, whiteouts" {
    conman pull -q --tls-verify=false "$REG/multi" >/dev/null
    run_conman run --rm "$REG/multi"
    [ "$output" = "multi-default" ]
    run_conman run --rm "$REG/multi" 'id -u; id -g; pwd; echo $APP_MODE; ls /app; ls /app/opq'
    assert_status 0
    [ "${lines[0]}" = "4242" ]
    [ "${lines[1]}" = "4343" ]
    [ "${lines[2]}" = "/app" ]
    [ "${lines[3]}" = "fixture" ]
    # gone.txt and olddir/ are whited out; opq/ only has the upper layer's file.
    [ "${lines[4]}" = "keep.txt" ]
    [ "${lines[5]}" = "opq" ]
    [ "${lines[6]}" = "setuid" ]
    [ "${lines[7]}" = "upper.txt" ]
    run_conman run --rm --entrypoint /bin/stat "$REG/multi" -c %a /app/setuid
    [ "$output" = "4755" ]
    run_conman create --name m "$REG/multi"
    run_conman inspect --format '{{.ImageName}} {{index .Config.Labels "org.example.fixture"}} {{.Config.StopSignal}}' m
    [ "$output" = "$REG/multi:latest multi 10" ]
}

@test "an index whose first entry is another arch: this host's entry is chosen" {
    run_conman run --rm --tls-verify=false "$REG/multiarch"
    assert_status 0
    [ "$output" = "linux/amd64" ]
    run_conman rmi "$REG/multiarch"
    run_conman pull --tls-verify=false --platform linux/arm64/v8 "$REG/multiarch"
    assert_status 0
    run_conman image inspect --format '{{.Architecture}}' "$REG/multiarch"
    [ "$output" = "arm64" ]
}

@test "Docker schema2, zstd and uncompressed layers, nested names" {
    for t in busybox:v2s2 busybox:zstd uncompressed library/busybox nested/deep/path/busybox; do
        run_conman run --rm --tls-verify=false "$REG/$t" echo "ok-$t"
        assert_status 0
        [ "$output" = "ok-$t" ]
    done
    # The same layers are stored once.
    [ "$(ls "$CM_ROOT/images/layers" | wc -l)" -eq 1 ]
}

@test "a scratch image with one static binary; a missing command is 127" {
    run_conman run --rm --tls-verify=false "$REG/scratch-static"
    assert_status 0
    [ "$output" = "hello from scratch" ]
    run_conman run --rm "$REG/scratch-static-missing-never" true
    assert_status 125
    run_conman -127 run --rm --entrypoint /sh "$REG/scratch-static"
    assert_status 127
}

@test "hostile layers are refused, nothing is written outside the store, nothing half-pulled stays" {
    for h in traversal absolute symlink hardlink whiteout diffid; do
        run_conman pull --tls-verify=false "$REG/hostile-$h"
        assert_status 125
        [[ "$stderr" == *"hostile-$h"* ]]
    done
    [ -z "$(ls /tmp/conman-hostile-* 2>/dev/null)" ]
    run_conman images -q
    [ -z "$output" ]
    [ -z "$(ls "$CM_ROOT/images/layers")" ]
    [ -z "$(ls "$CM_ROOT/images/tmp")" ]
}

@test "tag, untag, rmi of a name, rmi refused while in use, rmi -f" {
    conman pull -q --tls-verify=false "$REG/busybox" >/dev/null
    conman tag "$REG/busybox" localhost/mine:v1
    run_conman images --format '{{.Repository}}:{{.Tag}}'
    [[ "$output" == *"localhost/mine:v1"* ]]
    run_conman rmi localhost/mine:v1
    assert_status 0
    [ "$output" = "Untagged: localhost/mine:v1" ]
    # A short name made here goes under localhost/ (podman's rule) and is found by its short form.
    conman tag "$REG/busybox" short
    run_conman images --format '{{.Repository}}:{{.Tag}}'
    [[ "$output" == *"localhost/short:latest"* ]]
    run_conman run --rm --pull=never short echo by-short-name
    [ "$output" = "by-short-name" ]
    run_conman untag "$REG/busybox" short
    assert_status 0
    conman create --name user "$REG/busybox" true >/dev/null
    run_conman rmi "$REG/busybox"
    assert_status 125
    [[ "$stderr" == *"in use"* ]]
    run_conman rmi -f "$REG/busybox"
    assert_status 0
    [[ "$output" == *"Deleted: "* ]]
    run_conman ps -aq
    [ -z "$output" ]
    [ -z "$(ls "$CM_ROOT/images/layers")" ]
    [ -z "$(ls "$CM_ROOT/images/blobs/sha256")" ]
}

@test "image exists, image inspect, images --digests/-q/json" {
    run_conman image exists "$REG/busybox"
    assert_status 1
    conman pull -q --tls-verify=false "$REG/busybox" >/dev/null
    run_conman image exists "$REG/busybox"
    assert_status 0
    run_conman image inspect --format '{{.Os}} {{len .RootFS.Layers}} {{index .RepoTags 0}}' "$REG/busybox"
    [ "$output" = "linux 1 $REG/busybox:latest" ]
    run_conman images --digests --format '{{.Digest}}'
    [[ "$output" =~ ^sha256:[0-9a-f]{64}$ ]]
    run_conman images --format json
    python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["Repository"]' <<<"$output"
}

@test "concurrent pulls of one image both succeed and store it once" {
    conman pull -q --tls-verify=false "$REG/multi" >"$TEST_DIR/a" 2>&1 &
    a=$!
    conman pull -q --tls-verify=false "$REG/multi" >"$TEST_DIR/b" 2>&1 &
    b=$!
    wait $a
    wait $b
    [ "$(cat "$TEST_DIR/a")" = "$(cat "$TEST_DIR/b")" ]
    [ "$(conman images -q | wc -l)" -eq 1 ]
    [ "$(ls "$CM_ROOT/images/layers" | wc -l)" -eq 3 ]
}

@test "containers from images keep their own changes; rm unmounts" {
    conman pull -q --tls-verify=false "$REG/busybox" >/dev/null
    conman run --name w1 "$REG/busybox" sh -c 'echo one > /data.txt'
    conman run --name w2 "$REG/busybox" sh -c 'cat /data.txt 2>/dev/null || echo absent'
    run_conman logs w2
    [ "$output" = "absent" ]
    merged=$CM_ROOT/containers/$(conman inspect --format '{{.Id}}' w1)/merged
    conman rm w1 w2
    [ ! -e "$merged" ]
    ! grep -q "$CM_ROOT" /proc/self/mountinfo
}

@test "pull draws progress bars on a terminal and plain lines through a pipe" {
    tmux_start p "${CM[*]} pull --tls-verify=false $REG/multi"
    [ "$(tmux_wait_exit p)" = 0 ]
    screen=$(tmux_cmd capture-pane -p -t p)
    # Every layer ends as a full bar with its size; the later lines follow the bars.
    [ "$(grep -cE '^Copying blob [0-9a-f]{12} \[=+\] [0-9.]+(B|KiB|MiB) / [0-9.]+(B|KiB|MiB)$' <<<"$screen")" -eq 3 ]
    [[ "$(grep -n 'Copying config' <<<"$screen" | cut -d: -f1)" -gt "$(grep -n 'Copying blob' <<<"$screen" | tail -n 1 | cut -d: -f1)" ]]
    [[ "$screen" == *"Writing manifest to image destination"* ]]
    run_conman rmi "$REG/multi"
    run_conman pull --tls-verify=false "$REG/multi"
    assert_status 0
    [[ "$stderr" != *$'\x1b'* ]]
    [ "$(grep -cE '^Copying blob [0-9a-f]{12} done$' <<<"$stderr")" -eq 3 ]
}

@test "a pull that fills the disk fails cleanly and leaves nothing behind" {
    small=$TEST_DIR/small
    mkdir -p "$small"
    mount -t tmpfs -o size=1m tmpfs "$small" || skip "cannot mount a tmpfs here"
    run --separate-stderr "$CONMAN_BIN" --root "$small/root" --runroot "$CM_RUNROOT" pull -q --tls-verify=false "$REG/busybox"
    st=$status err=$stderr
    imgs=$("$CONMAN_BIN" --root "$small/root" --runroot "$CM_RUNROOT" images -a -q)
    leftovers=$(find "$small/root/images/layers" "$small/root/images/records" "$small/root/images/tmp" -mindepth 1)
    umount "$small"
    [ "$st" -eq 125 ]
    [[ "$err" == *"No space left on device"* ]]
    [ "$(grep -c . <<<"$err")" -eq 1 ]
    [ -z "$imgs" ]
    [ -z "$leftovers" ]
}
