#!/usr/bin/env bats
# Image archives and local images: save, load, import, commit. Images come
# from the real test registry (tests/fixtures/registry.sh), as in 120-images.

load helpers

setup_file() {
    start_test_registry
}

teardown_file() {
    stop_test_registry
}

# conman on a second, empty store (same runroot).
conman2() {
    "$CONMAN_BIN" --root "$TEST_DIR/root2" --runroot "$CM_RUNROOT" "$@"
}

# image_field IMAGE EXPR: EXPR (python, on the image's inspect object d) for IMAGE.
image_field() {
    conman image inspect "$1" | python3 -c 'import json, sys; d = json.load(sys.stdin)[0]; print(eval(sys.argv[1]))' "$2"
}

pull_busybox() {
    conman pull -q --tls-verify=false "$REG/busybox"
}

# The store under ROOT holds no image, no layer and no staging leftovers.
assert_store_empty() {
    [ -z "$("$CONMAN_BIN" --root "$1" --runroot "$CM_RUNROOT" images -q)" ]
    [ -z "$(ls "$1/images/layers" 2>/dev/null)" ]
    [ -z "$(ls "$1/images/records" 2>/dev/null)" ]
    [ -z "$(ls "$1/images/blobs/sha256" 2>/dev/null)" ]
    [ -z "$(ls "$1/images/tmp" 2>/dev/null)" ]
}

@test "docker-archive: save -o has docker's layout; load into a fresh store keeps the ID and runs" {
    id=$(pull_busybox)
    run_conman save -o "$TEST_DIR/bb.tar" "$REG/busybox"
    assert_status 0
    [ -z "$output" ]
    diff_id=$(conman image inspect --format '{{index .RootFS.Layers 0}}' "$REG/busybox")
    run tar -tf "$TEST_DIR/bb.tar"
    [[ "$output" == *"manifest.json"* ]]
    [[ "$output" == *"repositories"* ]]
    [[ "$output" == *"$id.json"* ]]
    [[ "$output" == *"${diff_id#sha256:}.tar"* ]]
    tar -xOf "$TEST_DIR/bb.tar" manifest.json | python3 -c '
import json, sys
m = json.load(sys.stdin)
assert len(m) == 1, m
assert m[0]["RepoTags"] == [sys.argv[1] + "/busybox:latest"], m
assert m[0]["Config"] == sys.argv[2] + ".json", m
assert m[0]["Layers"] == [sys.argv[3] + ".tar"], m' "$REG" "$id" "${diff_id#sha256:}"
    # The layer inside is the uncompressed tar whose digest is the diff_id.
    [ "sha256:$(tar -xOf "$TEST_DIR/bb.tar" "${diff_id#sha256:}.tar" | sha256sum | cut -d' ' -f1)" = "$diff_id" ]
    run --separate-stderr conman2 load -i "$TEST_DIR/bb.tar"
    assert_status 0
    [ "$output" = "Loaded image: $REG/busybox:latest" ]
    [ "$(conman2 image inspect --format '{{.Id}}' "$REG/busybox")" = "$id" ]
    run --separate-stderr conman2 run --rm "$REG/busybox" echo loaded-docker
    assert_status 0
    [ "$output" = "loaded-docker" ]
}

@test "oci-archive: digests of the manifest, config and layers survive save and load byte for byte" {
    id=$(pull_busybox)
    digest=$(conman image inspect --format '{{.Digest}}' "$REG/busybox")
    run_conman save --format oci-archive -o "$TEST_DIR/bb-oci.tar" "$REG/busybox"
    assert_status 0
    run tar -tf "$TEST_DIR/bb-oci.tar"
    [[ "$output" == *"oci-layout"* ]]
    [[ "$output" == *"index.json"* ]]
    [[ "$output" == *"blobs/sha256/${digest#sha256:}"* ]]
    [[ "$output" == *"blobs/sha256/$id"* ]]
    tar -xOf "$TEST_DIR/bb-oci.tar" index.json | python3 -c '
import json, sys
i = json.load(sys.stdin)
d = i["manifests"][0]
assert d["digest"] == sys.argv[1], d
assert d["annotations"]["org.opencontainers.image.ref.name"] == sys.argv[2] + "/busybox:latest", d' "$digest" "$REG"
    run --separate-stderr conman2 load -i "$TEST_DIR/bb-oci.tar"
    assert_status 0
    [ "$output" = "Loaded image: $REG/busybox:latest" ]
    [ "$(conman2 image inspect --format '{{.Id}} {{.Digest}}' "$REG/busybox")" = "$id $digest" ]
    # Every blob (manifest, config, compressed layers) is stored under the same digest with the same bytes.
    [ "$(ls "$CM_ROOT/images/blobs/sha256")" = "$(ls "$TEST_DIR/root2/images/blobs/sha256")" ]
    for b in "$CM_ROOT"/images/blobs/sha256/*; do
        cmp "$b" "$TEST_DIR/root2/images/blobs/sha256/$(basename "$b")"
    done
    run --separate-stderr conman2 run --rm "$REG/busybox" echo loaded-oci
    [ "$output" = "loaded-oci" ]
}

@test "save writes to a pipe, refuses a terminal; load reads gzip and zstd archives from stdin" {
    id=$(pull_busybox)
    conman save "$REG/busybox" | gzip >"$TEST_DIR/bb.tar.gz"
    conman save --format oci-archive "$REG/busybox" | zstd -q >"$TEST_DIR/bb.tar.zst"
    run --separate-stderr conman2 load <"$TEST_DIR/bb.tar.gz"
    assert_status 0
    [ "$output" = "Loaded image: $REG/busybox:latest" ]
    conman2 rmi "$REG/busybox" >/dev/null
    run --separate-stderr conman2 load -q -i "$TEST_DIR/bb.tar.zst"
    assert_status 0
    [ "$output" = "Loaded image: $REG/busybox:latest" ]
    [ "$(conman2 image inspect --format '{{.Id}}' "$REG/busybox")" = "$id" ]
    tmux_start save "${CM[*]} save $REG/busybox"
    [ "$(tmux_wait_exit save)" = 125 ]
    tmux_cmd capture-pane -p -t save | grep -q "terminal"
}

@test "save -m puts several images in one docker-archive; without -m extra names are tags" {
    pull_busybox >/dev/null
    conman pull -q --tls-verify=false "$REG/multi" >/dev/null
    conman save -m -o "$TEST_DIR/two.tar" "$REG/busybox" "$REG/multi"
    run --separate-stderr conman2 load -i "$TEST_DIR/two.tar"
    assert_status 0
    [ "${lines[0]}" = "Loaded image: $REG/busybox:latest" ]
    [ "${lines[1]}" = "Loaded image: $REG/multi:latest" ]
    run --separate-stderr conman2 run --rm "$REG/multi"
    [ "$output" = "multi-default" ]
    conman save -o "$TEST_DIR/tags.tar" "$REG/busybox" localhost/extra:v1
    run "$CONMAN_BIN" --root "$TEST_DIR/root3" --runroot "$CM_RUNROOT" load -i "$TEST_DIR/tags.tar"
    [ "${lines[0]}" = "Loaded image: $REG/busybox:latest" ]
    [ "${lines[1]}" = "Loaded image: localhost/extra:v1" ]
    run_conman save --format oci-archive -o "$TEST_DIR/x.tar" "$REG/busybox" "$REG/multi"
    assert_status 125
    run_conman save -o "$TEST_DIR/x.tar" "$REG/nonexistent"
    assert_status 125
    [ ! -e "$TEST_DIR/x.tar" ]
}

@test "archives interoperate with skopeo (containers/image) in both directions" {
    command -v skopeo >/dev/null || skip "skopeo is not installed"
    layout=$REG_DIR/layouts/multi
    skopeo copy -q "oci:$layout:latest" "docker-archive:$TEST_DIR/sk-docker.tar:localhost/sk:docker"
    skopeo copy -q "oci:$layout:latest" "oci-archive:$TEST_DIR/sk-oci.tar:localhost/sk:oci"
    run_conman load -i "$TEST_DIR/sk-docker.tar"
    assert_status 0
    [ "$output" = "Loaded image: localhost/sk:docker" ]
    run_conman load -i "$TEST_DIR/sk-oci.tar"
    [ "$output" = "Loaded image: localhost/sk:oci" ]
    [ "$(conman image inspect --format '{{.Id}}' localhost/sk:docker)" = "$(conman image inspect --format '{{.Id}}' localhost/sk:oci)" ]
    run_conman run --rm localhost/sk:oci
    [ "$output" = "multi-default" ]
    conman save -o "$TEST_DIR/c-docker.tar" localhost/sk:oci
    conman save --format oci-archive -o "$TEST_DIR/c-oci.tar" localhost/sk:oci
    conman save --format docker-dir -o "$TEST_DIR/c-dir" localhost/sk:oci
    digest=$(conman image inspect --format '{{.Digest}}' localhost/sk:oci)
    [ "$(skopeo inspect --format '{{.Digest}}' "oci-archive:$TEST_DIR/c-oci.tar")" = "$digest" ]
    [ "$(skopeo inspect --format '{{.Digest}}' "dir:$TEST_DIR/c-dir")" = "$digest" ]
    skopeo copy -q "docker-archive:$TEST_DIR/c-docker.tar" "oci:$TEST_DIR/back:latest"
    [ "$(skopeo inspect --raw --config "docker-archive:$TEST_DIR/c-docker.tar" | sha256sum | cut -d' ' -f1)" = \
        "$(conman image inspect --format '{{.Id}}' localhost/sk:oci)" ]
}

@test "an image saved by ID loads without a name and is printed by its ID" {
    id=$(pull_busybox)
    conman save -o "$TEST_DIR/byid.tar" "${id:0:12}"
    run --separate-stderr conman2 load -i "$TEST_DIR/byid.tar"
    assert_status 0
    [ "$output" = "Loaded image: sha256:$id" ]
}

@test "oci-dir: an OCI layout directory" {
    id=$(pull_busybox)
    run_conman save --format oci-dir -o "$TEST_DIR/layout" "$REG/busybox"
    assert_status 0
    [ -f "$TEST_DIR/layout/oci-layout" ]
    [ -f "$TEST_DIR/layout/index.json" ]
    [ -f "$TEST_DIR/layout/blobs/sha256/$id" ]
    run_conman save --format oci-dir -o "$TEST_DIR/layout" "$REG/busybox"
    assert_status 125
    [[ "$stderr" == *"already exists"* ]]
}

# Rewrites archive $1 through python ($2 = the body working on the members dict name->bytes).
python_retar() {
    python3 - "$@" <<'EOF'
import io, sys, tarfile
src, dst, action = sys.argv[1], sys.argv[2], sys.argv[3]
members = []
with tarfile.open(src) as t:
    for m in t.getmembers():
        data = t.extractfile(m).read() if m.isfile() else None
        members.append((m, data))
if action == "flip-largest":
    big = max((x for x in members if x[1] is not None), key=lambda x: len(x[1]))
    i = members.index(big)
    b = bytearray(big[1]); b[len(b) // 2] ^= 0xff
    members[i] = (big[0], bytes(b))
with tarfile.open(dst, "w") as t:
    for m, data in members:
        t.addfile(m, io.BytesIO(data) if data is not None else None)
EOF
}

@test "load refuses a corrupted archive and stores nothing: flipped byte, truncation, bad JSON" {
    pull_busybox >/dev/null
    conman save --format oci-archive -o "$TEST_DIR/oci.tar" "$REG/busybox"
    conman save -o "$TEST_DIR/docker.tar" "$REG/busybox"
    python_retar "$TEST_DIR/oci.tar" "$TEST_DIR/oci-flip.tar" flip-largest
    python_retar "$TEST_DIR/docker.tar" "$TEST_DIR/docker-flip.tar" flip-largest
    run --separate-stderr conman2 load -i "$TEST_DIR/oci-flip.tar"
    assert_status 125
    [[ "$stderr" == *"does not match its digest"* ]]
    run --separate-stderr conman2 load -i "$TEST_DIR/docker-flip.tar"
    assert_status 125
    [[ "$stderr" == *"diff_id"* ]]
    head -c $(( $(stat -c %s "$TEST_DIR/docker.tar") / 2 )) "$TEST_DIR/docker.tar" >"$TEST_DIR/half.tar"
    run --separate-stderr conman2 load -i "$TEST_DIR/half.tar"
    assert_status 125
    [ "$(echo "$stderr" | wc -l)" -eq 1 ]
    mkdir "$TEST_DIR/bad" && tar -C "$TEST_DIR/bad" -xf "$TEST_DIR/docker.tar"
    echo '[{"Config": ' >"$TEST_DIR/bad/manifest.json"
    tar -C "$TEST_DIR/bad" -cf "$TEST_DIR/badjson.tar" .
    run --separate-stderr conman2 load -i "$TEST_DIR/badjson.tar"
    assert_status 125
    [[ "$stderr" == *"manifest.json is not valid JSON"* ]]
    echo '[{"Config": "missing.json", "Layers": []}]' >"$TEST_DIR/bad/manifest.json"
    tar -C "$TEST_DIR/bad" -cf "$TEST_DIR/missing.tar" .
    run --separate-stderr conman2 load -i "$TEST_DIR/missing.tar"
    assert_status 125
    [[ "$stderr" == *"missing.json is missing"* ]]
    run --separate-stderr conman2 load -i "$TEST_DIR/nope.tar"
    assert_status 125
    echo "not an archive" >"$TEST_DIR/text"
    run --separate-stderr conman2 load <"$TEST_DIR/text"
    assert_status 125
    assert_store_empty "$TEST_DIR/root2"
}

@test "load refuses hostile archives (.., absolute names, symlinks out) and writes nothing outside" {
    escape=/tmp/conman-arc-escape-$$
    rm -f "$escape"
    python3 - "$TEST_DIR" "$escape" <<'EOF'
import io, sys, tarfile
d, escape = sys.argv[1], sys.argv[2]
def add(t, name, data=b"x", **kw):
    i = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(i, k, v)
    if i.type == tarfile.REGTYPE:
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
    else:
        t.addfile(i)
with tarfile.open(d + "/dotdot.tar", "w") as t:
    add(t, "../../../../../.." + escape)
    add(t, "manifest.json", b"[]")
with tarfile.open(d + "/abs.tar", "w") as t:
    add(t, escape)
with tarfile.open(d + "/link.tar", "w") as t:
    add(t, "manifest.json", type=tarfile.SYMTYPE, linkname="/etc/passwd")
with tarfile.open(d + "/linkup.tar", "w") as t:
    add(t, "manifest.json", type=tarfile.SYMTYPE, linkname="../../../../../etc/passwd")
with tarfile.open(d + "/linkdir.tar", "w") as t:
    add(t, "sub", type=tarfile.SYMTYPE, linkname="/tmp")
    add(t, "sub/" + escape.split("/")[-1])
    add(t, "manifest.json", b'[{"Config": "sub/%s", "Layers": []}]' % escape.split("/")[-1].encode())
EOF
    for a in dotdot:"outside the archive" abs:"absolute name" link:"absolute path" linkup:"outside the archive" \
        linkdir:"absolute path"; do
        run --separate-stderr conman2 load -i "$TEST_DIR/${a%%:*}.tar"
        assert_status 125
        [ "$(echo "$stderr" | wc -l)" -eq 1 ]
        [[ "$stderr" == "conman: archive $TEST_DIR/${a%%:*}.tar: "*"${a#*:}"* ]]
    done
    [ ! -e "$escape" ]
    assert_store_empty "$TEST_DIR/root2"
}

@test "import: a rootfs tarball (file, stdin, gzip) becomes a one-layer image that runs" {
    tar -C "$ROOTFS" -cf "$TEST_DIR/rootfs.tar" .
    run_conman import "$TEST_DIR/rootfs.tar" localhost/imported
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    id=$output
    run_conman image inspect --format '{{.Os}} {{len .RootFS.Layers}} {{len .History}}' localhost/imported
    [ "$output" = "linux 1 1" ]
    run_conman run --rm localhost/imported /bin/echo from-import
    assert_status 0
    [ "$output" = "from-import" ]
    gzip -c "$TEST_DIR/rootfs.tar" >"$TEST_DIR/rootfs.tar.gz"
    run_conman import -m "via stdin" - localhost/fromstdin <"$TEST_DIR/rootfs.tar.gz"
    assert_status 0
    # The same content gives the same layer, stored once.
    [ "$(ls "$CM_ROOT/images/layers" | wc -l)" -eq 1 ]
    [ "$(image_field localhost/fromstdin 'd["History"][0]["comment"]')" = "via stdin" ]
    run_conman import "$TEST_DIR/missing.tar"
    assert_status 125
    echo "garbage" >"$TEST_DIR/garbage.tar"
    run_conman import "$TEST_DIR/garbage.tar" localhost/garbage
    assert_status 125
    run_conman image exists localhost/garbage
    assert_status 1
    [ -z "$(ls "$CM_ROOT/images/tmp")" ]
}

@test "import from an http URL (a layer blob served by the test registry)" {
    layer=$(curl -fsS -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$REG/v2/busybox/manifests/latest" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][0]["digest"])')
    run_conman import "http://$REG/v2/busybox/blobs/$layer" localhost/fromurl
    assert_status 0
    run_conman run --rm localhost/fromurl echo from-url
    [ "$output" = "from-url" ]
    run_conman import "http://$REG/v2/busybox/blobs/sha256:$(printf '0%.0s' {1..64})" localhost/nothing
    assert_status 125
    [[ "$stderr" == *"HTTP status 404"* ]]
    run_conman import "ftp://$REG/x.tar"
    assert_status 125
}

@test "import --change sets CMD, ENV, WORKDIR, LABEL, EXPOSE; a bad --change is refused" {
    tar -C "$ROOTFS" -cf "$TEST_DIR/rootfs.tar" .
    run_conman import --change 'CMD ["/bin/sh", "-c", "echo $GREETING from $(pwd)"]' -c 'ENV GREETING=hello' \
        -c 'WORKDIR /tmp' -c 'LABEL org.example.kind=imported' -c 'EXPOSE 8080' "$TEST_DIR/rootfs.tar" localhost/changed
    assert_status 0
    run_conman run --rm localhost/changed
    assert_status 0
    [ "$output" = "hello from /tmp" ]
    [ "$(image_field localhost/changed 'd["Config"]["Labels"]["org.example.kind"], list(d["Config"]["ExposedPorts"])')" = \
        "('imported', ['8080/tcp'])" ]
    run_conman import -c 'RUN make' "$TEST_DIR/rootfs.tar" localhost/bad
    assert_status 125
    [[ "$stderr" == *'invalid change "RUN make"'* ]]
    run_conman image exists localhost/bad
    assert_status 1
}

@test "commit: new, changed and deleted files (whiteouts, opaque dirs) carry into the new image" {
    pull_busybox >/dev/null
    conman run --name w "$REG/busybox" sh -c \
        'echo new >/new.txt; echo changed >/etc/passwd; rm /bin/ls; mkdir -p /d/sub; echo a >/d/sub/f; rm -rf /home; mkdir /home; echo only >/home/only'
    run_conman commit w localhost/committed
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [[ "$stderr" == *"Copying blob"* ]]
    [[ "$stderr" == *"Writing manifest"* ]]
    run_conman image inspect --format '{{len .RootFS.Layers}}' localhost/committed
    [ "$output" = "2" ]
    run_conman run --rm localhost/committed sh -c 'cat /new.txt /etc/passwd /d/sub/f; ls /home; test -e /bin/ls || echo ls-gone'
    assert_status 0
    [ "$output" = "$(printf 'new\nchanged\na\nonly\nls-gone')" ]
    # The container's Cmd becomes the image's.
    run_conman image inspect --format '{{index .Config.Cmd 2}}' localhost/committed
    [[ "$output" == "echo new"* ]]
}

@test "commit of a running container leaves it running; --change, -q, --author, --message, --format docker" {
    pull_busybox >/dev/null
    conman run -d --name live -e MODE=live "$REG/busybox" sh -c 'echo state >/state.txt; exec sleep 300' >/dev/null
    for _ in $(seq 1 100); do
        conman exec live test -e /state.txt 2>/dev/null && break
        sleep 0.05
    done
    run_conman commit -q -a "A. Author" -m "snapshot" -c 'CMD ["cat", "/state.txt"]' -c 'LABEL snap=yes' live localhost/snap
    assert_status 0
    [ -z "$stderr" ]
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    run_conman inspect --format '{{.State.Status}}' live
    [ "$output" = "running" ]
    run_conman run --rm localhost/snap
    [ "$output" = "state" ]
    run_conman run --rm localhost/snap sh -c 'echo $MODE'
    [ "$output" = "live" ]
    [ "$(image_field localhost/snap 'd["Author"], d["Config"]["Labels"]["snap"], d["History"][-1]["comment"]')" = \
        "('A. Author', 'yes', 'snapshot')" ]
    run_conman image inspect --format '{{.ManifestType}}' localhost/snap
    [ "$output" = "application/vnd.oci.image.manifest.v1+json" ]
    run_conman commit -q --format docker live localhost/snap-docker
    assert_status 0
    run_conman image inspect --format '{{.ManifestType}}' localhost/snap-docker
    [ "$output" = "application/vnd.docker.distribution.manifest.v2+json" ]
    run_conman commit -c 'BOGUS x' live localhost/nope
    assert_status 125
    run_conman commit nosuchcontainer
    assert_status 125
}

@test "commit of a --rootfs container: the whole root filesystem is one layer" {
    conman run --name rf --rootfs "$ROOTFS" /bin/true
    run_conman commit -q rf localhost/fromrootfs
    assert_status 0
    run_conman image inspect --format '{{len .RootFS.Layers}} {{.Os}}' localhost/fromrootfs
    [ "$output" = "1 linux" ]
    run_conman run --rm localhost/fromrootfs /bin/echo rootfs-image
    assert_status 0
    [ "$output" = "rootfs-image" ]
}

@test "commit of a vfs container diffs its copy against the image layers; --squash makes one layer" {
    pull_busybox >/dev/null
    CONMAN_STORAGE_DRIVER=vfs conman run --name v "$REG/busybox" sh -c 'echo vfs >/v.txt; rm /bin/ls; ln /v.txt /v2.txt'
    [ "$(cat "$CM_ROOT/containers/$(conman inspect --format '{{.Id}}' v)/driver")" = vfs ]
    run_conman commit -q v localhost/fromvfs
    assert_status 0
    run_conman image inspect --format '{{len .RootFS.Layers}}' localhost/fromvfs
    [ "$output" = "2" ]
    run_conman run --rm localhost/fromvfs sh -c 'cat /v.txt; stat -c %h /v2.txt; test -e /bin/ls || echo ls-gone'
    [ "$output" = "$(printf 'vfs\n2\nls-gone')" ]
    run_conman commit -q --squash v localhost/squashed
    assert_status 0
    run_conman image inspect --format '{{len .RootFS.Layers}}' localhost/squashed
    [ "$output" = "1" ]
    run_conman run --rm localhost/squashed sh -c 'cat /v.txt; test -e /bin/ls || echo ls-gone'
    [ "$output" = "$(printf 'vfs\nls-gone')" ]
}
