#!/usr/bin/env bats
# Registries that want credentials or TLS, and pulls that break off: login,
# logout, push, --cert-dir, Range resume, a killed pull. Real servers on
# 127.0.0.1 only: Debian's docker-registry (plain, htpasswd, token, https),
# the token server and the breaking proxy from tests/fixtures.

load helpers

FIX=$BATS_TEST_DIRNAME/../fixtures

# start_proxy DIR MODE: cutproxy.py in front of the plain registry; prints its port.
start_proxy() {
    mkdir -p "$1"
    python3 "$FIX/cutproxy.py" "$1" "$REG_PORT" "$2" 65536 >"$1/proxy.err" 2>&1 &
    echo $! >"$1/proxy.pid"
    local n
    for n in $(seq 1 200); do
        [ -s "$1/proxy.port" ] && break
        sleep 0.05
    done
    cat "$1/proxy.port"
}

setup_file() {
    local rootfs=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    local tool
    for tool in docker-registry htpasswd openssl curl python3; do
        command -v "$tool" >/dev/null || skip "$tool is not installed"
    done
    export REG_DIR=$BATS_FILE_TMPDIR/registry
    export REG_PORT=$(bash "$FIX/registry.sh" start "$REG_DIR" "$rootfs" | tail -n 1)
    export REG=127.0.0.1:$REG_PORT
    export BASIC_DIR=$BATS_FILE_TMPDIR/basic TOKEN_DIR=$BATS_FILE_TMPDIR/token TLS_DIR=$BATS_FILE_TMPDIR/tls
    export BASIC=127.0.0.1:$(bash "$FIX/auth-registry.sh" htpasswd "$BASIC_DIR" "$REG_DIR/data" alice:wonderland | tail -n 1)
    # The token registry also has public/busybox, which anonymous users may pull.
    local tokdata=$BATS_FILE_TMPDIR/token-data
    cp -a "$REG_DIR/data" "$tokdata"
    mkdir -p "$tokdata/docker/registry/v2/repositories/public"
    cp -a "$tokdata/docker/registry/v2/repositories/busybox" "$tokdata/docker/registry/v2/repositories/public/busybox"
    export TOKEN=127.0.0.1:$(bash "$FIX/auth-registry.sh" token "$TOKEN_DIR" "$tokdata" \
        reader:readpw:pull writer:writepw:pull,push | tail -n 1)
    export TLS=127.0.0.1:$(bash "$FIX/auth-registry.sh" tls "$TLS_DIR" "$REG_DIR/data" | tail -n 1)
    export CUT_DIR=$BATS_FILE_TMPDIR/cut STALL_DIR=$BATS_FILE_TMPDIR/stall
    export CUT=127.0.0.1:$(start_proxy "$CUT_DIR" cut)
    export STALL=127.0.0.1:$(start_proxy "$STALL_DIR" stall)
}

teardown_file() {
    local d
    for d in "$CUT_DIR" "$STALL_DIR"; do
        [ -f "$d/proxy.pid" ] && kill "$(cat "$d/proxy.pid")" 2>/dev/null
    done
    for d in "$BASIC_DIR" "$TOKEN_DIR" "$TLS_DIR"; do
        bash "$FIX/auth-registry.sh" stop "$d"
    done
    bash "$FIX/registry.sh" stop "$REG_DIR"
}

# json_get FILE PYTHON-EXPR: evaluates EXPR on the JSON document j.
json_get() {
    python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

@test "basic auth: an anonymous pull is refused and says how to log in" {
    run_conman pull --tls-verify=false "$BASIC/busybox"
    assert_status 125
    [[ "$stderr" == *"unauthorized"* ]]
    [[ "$stderr" == *"conman login"* ]]
    run_conman images -a -q
    [ -z "$output" ]
}

@test "basic auth: a wrong password exits 125 and stores nothing" {
    run_conman login --tls-verify=false --authfile "$TEST_DIR/auth.json" -u alice -p wrong "$BASIC"
    assert_status 125
    [[ "$stderr" == *"logging in to $BASIC: invalid username or password"* ]]
    [ ! -e "$TEST_DIR/auth.json" ]
}

@test "basic auth: login stores the entry; pull and push use it; logout removes it" {
    local af=$TEST_DIR/auth.json
    run_conman login --tls-verify=false --authfile "$af" -u alice -p wonderland "$BASIC"
    assert_status 0
    [ "$output" = "Login Succeeded!" ]
    [ "$(json_get "$af" "list(j['auths'])")" = "['$BASIC']" ]
    [ "$(json_get "$af" "j['auths']['$BASIC']['auth']")" = "$(printf alice:wonderland | base64)" ]
    [ "$(stat -c %a "$af")" = 600 ]
    run_conman login --get-login --authfile "$af" "$BASIC"
    [ "$output" = alice ]

    run_conman pull -q --tls-verify=false --authfile "$af" "$BASIC/multi"
    assert_status 0
    id=$output
    run_conman push --tls-verify=false --authfile "$af" "$BASIC/multi" "$BASIC/copies/multi:v1"
    assert_status 0
    [[ "$stderr" == *"Writing manifest to image destination"* ]]
    run "$CONMAN_BIN" --root "$TEST_DIR/root2" --runroot "$CM_RUNROOT" pull -q --tls-verify=false --authfile "$af" "$BASIC/copies/multi:v1"
    assert_status 0
    [ "$output" = "$id" ]

    run_conman logout --authfile "$af" "$BASIC"
    assert_status 0
    [ "$output" = "Removed login credentials for $BASIC" ]
    [ "$(json_get "$af" "j['auths']")" = "{}" ]
    run_conman logout --authfile "$af" "$BASIC"
    assert_status 125
    [[ "$stderr" == *"not logged into $BASIC"* ]]
    run_conman login --get-login --authfile "$af" "$BASIC"
    assert_status 125
    run_conman pull --tls-verify=false --authfile "$af" "$BASIC/multi"
    assert_status 125
}

@test "login: --password-stdin, REGISTRY_AUTH_FILE, other entries kept, existing credentials reused" {
    local af=$TEST_DIR/auth.json
    printf '{"auths":{"other.example:5000":{"auth":"eDp5"}},"credHelpers":{"quay.io":"x"}}' >"$af"
    run --separate-stderr env REGISTRY_AUTH_FILE="$af" "${CM[@]}" login --tls-verify=false -u alice --password-stdin "$BASIC" <<<"wonderland"
    assert_status 0
    [ "$output" = "Login Succeeded!" ]
    [ "$(json_get "$af" "sorted(j['auths'])")" = "['$BASIC', 'other.example:5000']" ]
    [ "$(json_get "$af" "j['credHelpers']['quay.io']")" = x ]
    # Nothing given: the stored credentials are checked and kept.
    run --separate-stderr env REGISTRY_AUTH_FILE="$af" "${CM[@]}" login --tls-verify=false "$BASIC" </dev/null
    assert_status 0
    [[ "$output" == *"Already logged in to $BASIC"* ]]
}

@test "login: missing credentials without a terminal, and conflicting flags, are usage errors" {
    run_conman login --tls-verify=false --authfile "$TEST_DIR/a.json" "$BASIC" </dev/null
    assert_status 125
    [[ "$stderr" == *"not a terminal"* ]]
    run_conman login --tls-verify=false --authfile "$TEST_DIR/a.json" -u alice "$BASIC" </dev/null
    assert_status 125
    [[ "$stderr" == *"not a terminal"* ]]
    run_conman login --authfile "$TEST_DIR/a.json" -u alice -p x --password-stdin "$BASIC" </dev/null
    assert_status 125
    [[ "$stderr" == *"cannot be used together"* ]]
    run_conman login --authfile "$TEST_DIR/a.json" --password-stdin "$BASIC" </dev/null
    assert_status 125
    [[ "$stderr" == *"--password-stdin needs --username"* ]]
    run_conman login --authfile "$TEST_DIR/a.json" -u a -p b "$BASIC/repo:tag"
    assert_status 125
    [[ "$stderr" == *"without a tag or digest"* ]]
    [ ! -e "$TEST_DIR/a.json" ]
}

@test "login: prompts on a terminal and never echoes the password" {
    tmux_start s "REGISTRY_AUTH_FILE=$TEST_DIR/auth.json ${CM[*]} login --tls-verify=false $BASIC"
    tmux_wait_for s "Username:"
    tmux_cmd send-keys -t s alice Enter
    tmux_wait_for s "Password:"
    tmux_cmd send-keys -t s wonderland Enter
    tmux_wait_for s "Login Succeeded!"
    [ "$(tmux_wait_exit s)" = 0 ]
    run tmux_cmd capture-pane -p -t s
    [[ "$output" == *"Username: alice"* ]]
    [[ "$output" != *wonderland* ]]
    [ "$(json_get "$TEST_DIR/auth.json" "j['auths']['$BASIC']['auth']")" = "$(printf alice:wonderland | base64)" ]
}

@test "docker.io spellings are one registry; logout --all empties the file" {
    local af=$TEST_DIR/auth.json
    printf '{"auths":{"https://index.docker.io/v1/":{"auth":"%s"},"quay.io":{"auth":"%s"}}}' \
        "$(printf dockeruser:pw | base64)" "$(printf quayuser:pw | base64)" >"$af"
    run_conman login --get-login --authfile "$af" registry-1.docker.io
    assert_status 0
    [ "$output" = dockeruser ]
    run_conman logout --authfile "$af" docker.io
    assert_status 0
    [ "$output" = "Removed login credentials for docker.io" ]
    [ "$(json_get "$af" "list(j['auths'])")" = "['quay.io']" ]
    run_conman logout --authfile "$af" --all
    assert_status 0
    [ "$output" = "Removed login credentials for all registries" ]
    [ "$(json_get "$af" "j['auths']")" = "{}" ]
}

@test "bearer token: anonymous users pull public repositories only, without sending credentials" {
    : >"$TOKEN_DIR/token.log"
    run_conman pull -q --tls-verify=false --authfile "$TEST_DIR/none.json" "$TOKEN/public/busybox"
    assert_status 0
    grep -q "account=- auth=none scope=repository:public/busybox:pull granted=public/busybox=pull" "$TOKEN_DIR/token.log"
    run_conman pull --tls-verify=false --authfile "$TEST_DIR/none.json" "$TOKEN/busybox"
    assert_status 125
    [[ "$stderr" == *"unauthorized"* ]]
    ! grep -q "auth=basic" "$TOKEN_DIR/token.log"
}

@test "bearer token: a reader pulls but may not push; a writer pushes; bad passwords fail" {
    local af=$TEST_DIR/auth.json
    run_conman login --tls-verify=false --authfile "$af" -u reader -p wrong "$TOKEN"
    assert_status 125
    [[ "$stderr" == *"invalid username or password"* ]]
    run_conman login --tls-verify=false --authfile "$af" -u reader -p readpw "$TOKEN"
    assert_status 0
    run_conman pull -q --tls-verify=false --authfile "$af" "$TOKEN/busybox"
    assert_status 0
    id=$output
    : >"$TOKEN_DIR/token.log"
    run_conman push --tls-verify=false --authfile "$af" "$TOKEN/busybox" "$TOKEN/team/busybox"
    assert_status 125
    [[ "$stderr" == *"pushing $TOKEN/team/busybox:latest"* ]]
    [[ "$stderr" == *"unauthorized"* ]]
    grep -q "account=reader auth=basic scope=repository:team/busybox:pull,push granted=team/busybox=pull$" "$TOKEN_DIR/token.log"

    run_conman login --tls-verify=false --authfile "$af" -u writer -p writepw "$TOKEN"
    assert_status 0
    [ "$(json_get "$af" "list(j['auths'])")" = "['$TOKEN']" ]
    run_conman push --tls-verify=false --authfile "$af" "$TOKEN/busybox" "$TOKEN/team/busybox"
    assert_status 0
    grep -q "account=writer auth=basic scope=repository:team/busybox:pull,push granted=team/busybox=pull,push$" "$TOKEN_DIR/token.log"
    run "$CONMAN_BIN" --root "$TEST_DIR/root2" --runroot "$CM_RUNROOT" pull -q --tls-verify=false --authfile "$af" "$TOKEN/team/busybox"
    assert_status 0
    [ "$output" = "$id" ]
}

@test "push --creds works without an auth file, and asks for a missing password on a terminal" {
    run_conman pull -q --tls-verify=false "$REG/busybox"
    run_conman push --tls-verify=false --authfile "$TEST_DIR/none.json" --creds writer:writepw "$REG/busybox" "$TOKEN/creds/busybox"
    assert_status 0
    run_conman push --tls-verify=false --authfile "$TEST_DIR/none.json" --creds writer:nope "$REG/busybox" "$TOKEN/creds/busybox"
    assert_status 125
    [[ "$stderr" == *"invalid username or password"* ]]
    # Without the password, it is asked for on a terminal.
    tmux_start s "${CM[*]} push -q --tls-verify=false --authfile $TEST_DIR/none.json --creds writer $REG/busybox $TOKEN/prompted/busybox"
    tmux_wait_for s "Password:"
    tmux_cmd send-keys -t s writepw Enter
    [ "$(tmux_wait_exit s)" = 0 ]
    run tmux_cmd capture-pane -p -t s
    [[ "$output" != *writepw* ]]
    run_conman push --tls-verify=false --authfile "$TEST_DIR/none.json" --creds writer "$REG/busybox" "$TOKEN/creds/busybox" </dev/null
    assert_status 125
    [[ "$stderr" == *"not a terminal"* ]]
}

@test "TLS: an untrusted certificate fails clearly; --cert-dir with ca.crt makes pull, push and login work" {
    run_conman pull "$TLS/busybox"
    assert_status 125
    [[ "$stderr" == *"certificate"* ]]
    [[ "$stderr" == *"not trusted"* ]]
    [[ "$stderr" != *"HTTP response to HTTPS client"* ]]
    run_conman images -a -q
    [ -z "$output" ]
    run_conman pull -q --cert-dir "$TLS_DIR/ca" "$TLS/busybox"
    assert_status 0
    run_conman push -q --cert-dir "$TLS_DIR/ca" "$TLS/busybox" "$TLS/tls/busybox"
    assert_status 0
    [ -z "$stderr" ]
    run_conman push "$TLS/busybox" "$TLS/tls/busybox"
    assert_status 125
    [[ "$stderr" == *"not trusted"* ]]
    run_conman login --authfile "$TEST_DIR/auth.json" -u u -p p "$TLS"
    assert_status 125
    [[ "$stderr" == *"not trusted"* ]]
    run_conman login --cert-dir "$TLS_DIR/ca" --authfile "$TEST_DIR/auth.json" -u u -p p "$TLS"
    assert_status 0
    run_conman pull --cert-dir "$TEST_DIR/missing" "$TLS/busybox"
    assert_status 125
    [[ "$stderr" == *"--cert-dir"* ]]
}

@test "push: the same image ID and manifest digest come back from another repository" {
    run_conman pull -q --tls-verify=false "$REG/multi"
    id=$output
    digest=$(conman image inspect --format '{{.Digest}}' "$REG/multi")
    run_conman push --tls-verify=false --digestfile "$TEST_DIR/digest" "$REG/multi" "docker://$REG/pushed/multi:v1"
    assert_status 0
    [ -z "$output" ]
    [ "$(grep -c '^Copying blob [0-9a-f]\{12\} done$' <<<"$stderr")" = 3 ]
    [[ "$stderr" == *"Copying config ${id:0:12} done"* ]]
    [ "$(cat "$TEST_DIR/digest")" = "$digest" ]
    # The registry serves the very manifest the store holds.
    run curl -fsSI -H "Accept: application/vnd.oci.image.manifest.v1+json" "http://$REG/v2/pushed/multi/manifests/v1"
    [[ "${output,,}" == *"docker-content-digest: $digest"* ]]
    # Again: every blob is there already.
    run_conman push --tls-verify=false "$REG/multi" "$REG/pushed/multi:v1"
    assert_status 0
    [ "$(grep -c 'skipped: already exists' <<<"$stderr")" = 3 ]
    run_conman push -q --tls-verify=false "$REG/multi" "$REG/pushed/multi:v2"
    assert_status 0
    [ -z "$stderr" ]

    run "$CONMAN_BIN" --root "$TEST_DIR/root2" --runroot "$CM_RUNROOT" pull -q --tls-verify=false "$REG/pushed/multi:v1"
    assert_status 0
    [ "$output" = "$id" ]
    run "$CONMAN_BIN" --root "$TEST_DIR/root2" --runroot "$CM_RUNROOT" image inspect --format '{{.Digest}}' "$REG/pushed/multi:v1"
    [ "$output" = "$digest" ]
}

@test "push: a Docker schema 2 image keeps its media type; the default destination is the image's name" {
    run_conman pull -q --tls-verify=false "$REG/busybox:v2s2"
    digest=$(conman image inspect --format '{{.Digest}}' "$REG/busybox:v2s2")
    conman tag "$REG/busybox:v2s2" "$REG/renamed/busybox:v2s2"
    run_conman push --tls-verify=false "$REG/renamed/busybox:v2s2"
    assert_status 0
    run curl -fsSI -H "Accept: application/vnd.docker.distribution.manifest.v2+json" "http://$REG/v2/renamed/busybox/manifests/v2s2"
    [[ "${output,,}" == *"content-type: application/vnd.docker.distribution.manifest.v2+json"* ]]
    [[ "${output,,}" == *"docker-content-digest: $digest"* ]]
}

@test "push errors: unknown image, an ID without destination, other transports, a wrong digest" {
    run_conman push --tls-verify=false "$REG/nosuch" "$REG/x"
    assert_status 125
    [[ "$stderr" == *"image not known"* ]]
    run_conman pull -q --tls-verify=false "$REG/busybox"
    id=$output
    run_conman push --tls-verify=false "${id:0:12}"
    assert_status 125
    [[ "$stderr" == *"no destination given"* ]]
    # A short name made here lives under localhost/, and that is where it goes by default.
    conman tag "$REG/busybox" mybox
    run_conman push --tls-verify=false mybox "$REG/mine/mybox"
    assert_status 0
    run_conman push mybox
    assert_status 125
    [[ "$stderr" == *"pushing localhost/mybox:latest"* ]]
    run_conman push "$REG/busybox" "oci:$TEST_DIR/layout"
    assert_status 125
    [[ "$stderr" == *"oci transport is not supported"* ]]
    run_conman push --tls-verify=false "$REG/busybox" "$REG/x@sha256:$(printf '%064d' 0)"
    assert_status 125
    [[ "$stderr" == *"manifest is sha256:"* ]]
}

@test "a dropped connection is resumed with Range and the pull succeeds" {
    run_conman pull --tls-verify=false "$CUT/busybox"
    assert_status 0
    grep -q "^cut after 65536 bytes" "$CUT_DIR/proxy.log"
    grep -q "GET /v2/busybox/blobs/sha256:[0-9a-f]* HTTP/1.1  Range: bytes=65536-" "$CUT_DIR/proxy.log"
    run_conman run --rm "$CUT/busybox" echo resumed
    [ "$output" = resumed ]
}

@test "a pull killed mid-download leaves no image and no layer; the next pull succeeds" {
    "${CM[@]}" pull --tls-verify=false "$STALL/busybox" >"$TEST_DIR/pull.out" 2>&1 &
    pid=$!
    wait_for_file "$STALL_DIR/stalled"
    kill -9 "$pid"
    wait "$pid" || true
    run_conman images -a -q
    [ -z "$output" ]
    [ -z "$(ls -A "$CM_ROOT/images/layers")" ]
    [ -z "$(ls -A "$CM_ROOT/images/records")" ]
    run_conman pull -q --tls-verify=false "$STALL/busybox"
    assert_status 0
    run_conman images -a -q
    [ "${#lines[@]}" = 1 ]
}
