#!/usr/bin/env bats
# conman version, info, --help of every verb, and command-line errors.

load helpers

@test "version prints podman's Version: layout" {
    run_conman version
    assert_status 0
    [[ "${lines[0]}" =~ ^Version:\ +[0-9]+\.[0-9]+\.[0-9]+ ]]
    printf '%s\n' "${lines[@]}" | grep -Eq '^API Version: +[0-9]'
    printf '%s\n' "${lines[@]}" | grep -Eq '^OS/Arch: +linux/'
    [ -z "$stderr" ]
}

@test "version --format '{{.Client.Version}}' is the version alone" {
    run_conman version
    v=$(printf '%s\n' "${lines[@]}" | awk '/^Version:/ { print $2 }')
    [ -n "$v" ]
    run_conman version --format '{{.Client.Version}}'
    assert_status 0
    [ "$output" = "$v" ]
    run_conman version --format json
    assert_status 0
    printf '%s' "$output" | python3 -c "import json,sys; j=json.load(sys.stdin); assert j['Client']['Version'] == '$v', j"
    run_conman --version
    assert_status 0
    [ "$output" = "conman version $v" ]
}

@test "a bad version template is 125" {
    run_conman version --format '{{.Client.Version'
    assert_status 125
    [[ "$stderr" == *"template:"* ]]
}

@test "info shows the --root and --runroot in use" {
    run_conman info
    assert_status 0
    printf '%s\n' "${lines[@]}" | grep -Eq "^ +graphRoot: $CM_ROOT\$"
    printf '%s\n' "${lines[@]}" | grep -Eq "^ +runRoot: $CM_RUNROOT\$"
    [[ "$output" == *"ociRuntime:"* ]]
}

@test "info --format json is valid JSON with the store and container counts" {
    conman run -d --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --rootfs "$ROOTFS" true >/dev/null
    run_conman info --format json
    assert_status 0
    printf '%s' "$output" > "$TEST_DIR/info.json"
    run python3 -c "
import json, sys
j = json.load(open(sys.argv[1]))
s = j['store']
assert s['graphRoot'] == '$CM_ROOT', s
assert s['runRoot'] == '$CM_RUNROOT', s
cs = s['containerStore']
assert cs['number'] == 2 and cs['running'] == 1 and cs['created'] == 1, cs
assert j['host']['ociRuntime']['path'], j['host']
" "$TEST_DIR/info.json"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    run_conman info --format '{{.Store.GraphRoot}}'
    assert_status 0
    [ "$output" = "$CM_ROOT" ]
}

# help_mentions VERB... -- FLAG...: `conman VERB... --help` exits 0 and lists every FLAG.
help_mentions() {
    local verb=() flag
    while [ "$1" != "--" ]; do
        verb+=("$1")
        shift
    done
    shift
    run_conman "${verb[@]}" --help
    if [ "$status" -ne 0 ]; then
        echo "conman ${verb[*]} --help exited $status: $stderr" >&2
        return 1
    fi
    for flag in "$@"; do
        if ! grep -q -- "$flag" <<<"$output"; then
            echo "conman ${verb[*]} --help does not mention $flag" >&2
            return 1
        fi
    done
}

@test "--help of every verb exits 0 and lists its flags" {
    help_mentions create -- --name --rm --env --env-file --workdir --user --hostname --entrypoint --rootfs \
        --label --cidfile --replace --stop-signal --stop-timeout --interactive --tty
    help_mentions run -- --name --rm --env --detach --rootfs --label --stop-signal --sig-proxy --tty
    help_mentions start -- --attach --interactive --sig-proxy
    help_mentions ps -- --all --quiet --no-trunc --filter --format --last --latest
    help_mentions inspect -- --format --type
    help_mentions logs -- --since --until --tail --timestamps --follow
    help_mentions stop -- --time --all --ignore
    help_mentions kill -- --signal --all
    help_mentions rm -- --force --all --ignore --time --volumes
    help_mentions wait -- --condition
    help_mentions rename -- CONTAINER
    help_mentions version -- --format
    help_mentions info -- --format
    help_mentions container cleanup -- --rm
    help_mentions -- --root --runroot --runtime --log-level ps run version
}

@test "-h is --help" {
    run_conman ps -h
    assert_status 0
    [[ "$output" == *--no-trunc* ]]
}

@test "an unknown verb is 125 with a one-line error naming it" {
    run_conman frobnicate
    assert_status 125
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == *frobnicate* ]]
}

@test "an unknown flag is 125 with a one-line error naming it" {
    run_conman ps --bogus-flag
    assert_status 125
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == *--bogus-flag* ]]
    run_conman --bogus-global ps
    assert_status 125
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    [[ "$stderr" == *--bogus-global* ]]
    run_conman logs --tail notanumber x
    assert_status 125
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
}

@test "no verb at all is 125" {
    run_conman
    assert_status 125
    [ -n "$stderr" ]
}

@test "a missing required argument is 125 with a one-line error" {
    for verb in inspect logs start wait rename; do
        run_conman "$verb"
        if [ "$status" -ne 125 ]; then
            echo "conman $verb without arguments exited $status" >&2
            false
        fi
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    done
}
