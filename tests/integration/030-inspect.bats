#!/usr/bin/env bats
# conman inspect: podman's JSON layout and Go templates.

load helpers

# py_check FILE CODE: runs python CODE with `a` = the JSON array in FILE.
py_check() {
    run python3 -c "import json, sys
a = json.load(open(sys.argv[1]))
$2" "$1"
    if [ "$status" -ne 0 ]; then
        echo "$output" >&2
        return 1
    fi
}

@test "inspect prints a JSON array with podman's keys" {
    id=$(conman run -d --name insp -e FOO=bar -l team=blue -l tier --hostname inbox \
        --rootfs "$ROOTFS" sleep 100)
    run_conman inspect insp
    assert_status 0
    printf '%s' "$output" > "$TEST_DIR/i.json"
    py_check "$TEST_DIR/i.json" "
assert isinstance(a, list) and len(a) == 1, a
c = a[0]
assert c['Id'] == '$id', c['Id']
assert c['Name'] == 'insp', c['Name']
s = c['State']
assert s['Status'] == 'running', s
assert s['Running'] is True, s
assert isinstance(s['Pid'], int) and s['Pid'] > 0, s
assert s['ExitCode'] == 0, s
cfg = c['Config']
assert 'FOO=bar' in cfg['Env'], cfg['Env']
assert cfg['Cmd'] == ['sleep', '100'], cfg['Cmd']
assert cfg['Labels'] == {'team': 'blue', 'tier': ''}, cfg['Labels']
assert cfg['Hostname'] == 'inbox', cfg['Hostname']
assert c['HostConfig']['AutoRemove'] is False, c['HostConfig']
assert c['Path'] == 'sleep' and c['Args'] == ['100'], (c['Path'], c['Args'])
"
}

@test "inspect shows --rm as HostConfig.AutoRemove and a default hostname of the short ID" {
    id=$(conman create --rm --rootfs "$ROOTFS" true)
    run_conman inspect --format '{{.HostConfig.AutoRemove}} {{.Config.Hostname}} {{.State.Status}}' "$id"
    assert_status 0
    [ "$output" = "true ${id:0:12} created" ]
}

@test "inspect by ID, short ID prefix and name give the same container" {
    id=$(conman run -d --name byref --rootfs "$ROOTFS" sleep 100)
    for ref in byref "$id" "${id:0:12}" "${id:0:5}"; do
        run_conman inspect --format '{{.Id}}' "$ref"
        assert_status 0
        [ "$output" = "$id" ]
    done
}

@test "--format '{{.State.Pid}}' is the host PID of the container's process" {
    conman run -d --name pidbox --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman inspect --format '{{.State.Pid}}' pidbox
    assert_status 0
    [[ "$output" =~ ^[0-9]+$ ]]
    [ "$output" -gt 1 ]
    pid=$output
    [ -d "/proc/$pid" ]
    [ "$(cat "/proc/$pid/comm")" = "sleep" ]
    [ "$(tr '\0' ' ' < "/proc/$pid/cmdline")" = "sleep 100 " ]
    # The same value as in the JSON.
    conman inspect pidbox > "$TEST_DIR/i.json"
    py_check "$TEST_DIR/i.json" "assert a[0]['State']['Pid'] == $pid, a[0]['State']['Pid']"
}

@test "--format '{{json .Config.Cmd}}' prints a JSON array" {
    conman create --name jcmd --rootfs "$ROOTFS" sh -c 'echo "a b"' >/dev/null
    run_conman inspect --format '{{json .Config.Cmd}}' jcmd
    assert_status 0
    [ "$output" = '["sh","-c","echo \"a b\""]' ]
    run_conman inspect -f '{{json .State.Running}}' jcmd
    [ "$output" = "false" ]
}

@test "--format '{{index .Config.Labels \"k\"}}' looks up labels, also with dots" {
    conman create --name lbl -l app.tier=frontend -l k=v --rootfs "$ROOTFS" true >/dev/null
    run_conman inspect --format '{{index .Config.Labels "k"}}' lbl
    assert_status 0
    [ "$output" = "v" ]
    run_conman inspect --format '{{index .Config.Labels "app.tier"}}' lbl
    assert_status 0
    [ "$output" = "frontend" ]
}

@test "several containers give several lines (templates) or array entries (JSON)" {
    conman create --name one --rootfs "$ROOTFS" true >/dev/null
    conman create --name two --rootfs "$ROOTFS" true >/dev/null
    conman create --name three --rootfs "$ROOTFS" true >/dev/null
    run_conman inspect --format '{{.Name}}' one two three
    assert_status 0
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[0]}" = "one" ]
    [ "${lines[1]}" = "two" ]
    [ "${lines[2]}" = "three" ]
    conman inspect two one > "$TEST_DIR/i.json"
    py_check "$TEST_DIR/i.json" "assert [c['Name'] for c in a] == ['two', 'one'], a"
}

@test "an unknown container is 125 with 'no container with name or ID'" {
    run_conman inspect nosuchthing
    assert_status 125
    [[ "$stderr" == *"no container with name or ID"* ]]
    [[ "$stderr" == *nosuchthing* ]]
    # Mixed with a real one: the real one is printed, the exit code is still 125.
    conman create --name real --rootfs "$ROOTFS" true >/dev/null
    run_conman inspect --format '{{.Name}}' real nosuchthing
    assert_status 125
    [ "$output" = "real" ]
    [[ "$stderr" == *"no container with name or ID"* ]]
}

@test "a bad inspect template is 125" {
    conman create --name bt --rootfs "$ROOTFS" true >/dev/null
    run_conman inspect --format '{{.State.Pid' bt
    assert_status 125
    [[ "$stderr" == *"template:"* ]]
}

@test "after exit: State.Status exited, Running false, Pid 0, ExitCode kept" {
    conman run --name ex7 --rootfs "$ROOTFS" sh -c 'exit 7' || true
    run_conman inspect --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}} {{.State.ExitCode}}' ex7
    assert_status 0
    [ "$output" = "exited false 0 7" ]
    conman run -d --name k9 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman kill k9 >/dev/null
    run_conman wait k9
    run_conman inspect --format '{{.State.Status}} {{.State.ExitCode}}' k9
    [ "$output" = "exited 137" ]
    run_conman inspect --format '{{.State.FinishedAt}}' k9
    [[ "$output" =~ ^20[0-9]{2}-[0-9]{2}-[0-9]{2}T ]]
}

@test "a created container is status created with no PID" {
    conman create --name cr --rootfs "$ROOTFS" true >/dev/null
    run_conman inspect --format '{{.State.Status}} {{.State.Running}} {{.State.Pid}}' cr
    assert_status 0
    [ "$output" = "created false 0" ]
}

@test "a short-lived container has StartedAt and FinishedAt set, in that order" {
    # Several runs: a container that exits at once is the case that matters.
    for i in 1 2 3 4 5 6; do
        conman run --name quick$i --rootfs "$ROOTFS" sh -c 'exit 3' >/dev/null || true
        run_conman inspect --format '{{.State.StartedAt}} {{.State.FinishedAt}}' quick$i
        assert_status 0
        started=${output% *}
        finished=${output#* }
        if [[ "$started" == 0001-* ]] || [[ "$finished" == 0001-* ]]; then
            echo "quick$i: StartedAt=$started FinishedAt=$finished (zero time)" >&2
            false
        fi
        s=$(date -d "$started" +%s%N)
        f=$(date -d "$finished" +%s%N)
        if [ "$s" -gt "$f" ]; then
            echo "quick$i: StartedAt=$started is after FinishedAt=$finished" >&2
            false
        fi
        run_conman ps -a --filter name=quick$i --format '{{.Status}}'
        [[ "$output" =~ ^Exited\ \(3\)\ .*\ ago$ ]]
    done
}
