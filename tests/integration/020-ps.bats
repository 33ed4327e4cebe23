#!/usr/bin/env bats
# conman ps: which containers are listed, and in what formats.

load helpers

# three_states: "run1" running, "made" created, "done3" exited with 3.
three_states() {
    conman run -d --name run1 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --name made --rootfs "$ROOTFS" true >/dev/null
    conman run --name done3 --rootfs "$ROOTFS" sh -c 'exit 3' >/dev/null || true
}

@test "ps shows only running containers by default; -a shows all" {
    three_states
    run_conman ps --format '{{.Names}}'
    assert_status 0
    [ "$output" = "run1" ]
    run_conman ps -a --format '{{.Names}}'
    assert_status 0
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "done3 made run1 " ]
}

@test "ps with no containers prints only the header" {
    run_conman ps
    assert_status 0
    [ "${#lines[@]}" -eq 1 ]
    [[ "${lines[0]}" == "CONTAINER ID"* ]]
    run_conman ps -aq
    assert_status 0
    [ -z "$output" ]
}

@test "ps -q prints 12-hex IDs; --no-trunc prints the full 64-hex IDs" {
    id=$(conman run -d --rootfs "$ROOTFS" sleep 100)
    run_conman ps -q
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{12}$ ]]
    [ "$output" = "${id:0:12}" ]
    run_conman ps -q --no-trunc
    assert_status 0
    [[ "$output" =~ ^[0-9a-f]{64}$ ]]
    [ "$output" = "$id" ]
    run_conman ps --no-trunc
    assert_status 0
    [[ "${lines[1]}" == "$id "* ]]
    run_conman ps
    [[ "${lines[1]}" == "${id:0:12} "* ]]
    [[ "${lines[1]}" != *"$id"* ]]
}

@test "ps -q lists one ID per container, newest first" {
    a=$(conman run -d --rootfs "$ROOTFS" sleep 100)
    b=$(conman run -d --rootfs "$ROOTFS" sleep 100)
    run_conman ps -q --no-trunc
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "$b" ]
    [ "${lines[1]}" = "$a" ]
}

@test "ps --filter name= and id=" {
    web1=$(conman run -d --name web1 --rootfs "$ROOTFS" sleep 100)
    conman run -d --name web2 --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run -d --name db --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman ps --filter name=db --format '{{.Names}}'
    assert_status 0
    [ "$output" = "db" ]
    run_conman ps --filter name=web --format '{{.Names}}'
    assert_status 0
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "web1 web2 " ]
    run_conman ps --filter id="${web1:0:10}" --format '{{.Names}}'
    assert_status 0
    [ "$output" = "web1" ]
    run_conman ps --filter id="$web1" -q --no-trunc
    [ "$output" = "$web1" ]
    # The same key twice is an OR.
    run_conman ps --filter name=db --filter name=web1 --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "db web1 " ]
    run_conman ps --filter name=nothing-like-this --format '{{.Names}}'
    assert_status 0
    [ -z "$output" ]
}

@test "ps --filter status= selects by state and implies -a" {
    three_states
    run_conman ps --filter status=created --format '{{.Names}}'
    assert_status 0
    [ "$output" = "made" ]
    run_conman ps --filter status=running --format '{{.Names}}'
    assert_status 0
    [ "$output" = "run1" ]
    run_conman ps --filter status=exited --format '{{.Names}}'
    assert_status 0
    [ "$output" = "done3" ]
    run_conman ps --filter status=exited --filter status=created --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "done3 made " ]
    # Different keys are ANDed.
    run_conman ps --filter status=running --filter name=made --format '{{.Names}}'
    assert_status 0
    [ -z "$output" ]
}

@test "ps --filter label=k and label=k=v: same key ORed, different keys ANDed" {
    conman run -d --name blue -l team=blue -l tier=web --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run -d --name red -l team=red -l tier=db --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run -d --name plain --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman ps --filter label=team --format '{{.Names}}'
    assert_status 0
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "blue red " ]
    run_conman ps --filter label=team=blue --format '{{.Names}}'
    assert_status 0
    [ "$output" = "blue" ]
    run_conman ps --filter label=team=blue --filter label=team=red --format '{{.Names}}'
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "blue red " ]
    run_conman ps --filter label=team=blue --filter label=tier=db --format '{{.Names}}'
    # Both are label filters, so they are alternatives: blue and red match.
    [ "$(printf '%s\n' "$output" | sort | tr '\n' ' ')" = "blue red " ]
    run_conman ps --filter label=team=blue --filter name=red --format '{{.Names}}'
    assert_status 0
    [ -z "$output" ]
    run_conman ps --filter label=team=green --format '{{.Names}}'
    [ -z "$output" ]
}

@test "an invalid filter is 125" {
    run_conman ps --filter bogus=1
    assert_status 125
    [[ "$stderr" == *bogus* ]]
    run_conman ps --filter status=sleeping
    assert_status 125
    [[ "$stderr" == *sleeping* ]]
    run_conman ps --filter name
    assert_status 125
}

@test "ps --format json is a JSON array with podman's fields" {
    conman run -d --name js -l k=v --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman run --name jx --rootfs "$ROOTFS" sh -c 'exit 5' >/dev/null || true
    run_conman ps -a --format json
    assert_status 0
    printf '%s' "$output" > "$TEST_DIR/ps.json"
    run python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))
assert isinstance(a, list) and len(a) == 2, a
by = {c["Names"][0]: c for c in a}
js, jx = by["js"], by["jx"]
for c in a:
    assert isinstance(c["Names"], list) and len(c["Names"]) == 1
    assert len(c["Id"]) == 64
assert js["State"] == "running", js["State"]
assert js["Labels"] == {"k": "v"}, js["Labels"]
assert js["ExitCode"] == 0
assert js["Pid"] > 0
assert js["Command"] == ["sleep", "100"], js["Command"]
assert jx["State"] == "exited", jx["State"]
assert jx["ExitCode"] == 5, jx["ExitCode"]
assert jx["Exited"] is True
assert jx["Status"].startswith("Exited (5)"), jx["Status"]
' "$TEST_DIR/ps.json"
    [ "$status" -eq 0 ] || { echo "$output" >&2; false; }
    # Without -a only the running one.
    run_conman ps --format json
    printf '%s' "$output" | python3 -c 'import json,sys; a=json.load(sys.stdin); assert [c["Names"] for c in a] == [["js"]], a'
}

@test "ps --format json with no containers is an empty array" {
    run_conman ps --format json
    assert_status 0
    printf '%s' "$output" | python3 -c 'import json,sys; assert json.load(sys.stdin) == []'
}

@test "ps --format '{{.Names}} {{.Status}}' prints podman's status words" {
    three_states
    run_conman ps -a --format '{{.Names}} {{.Status}}'
    assert_status 0
    [ "${#lines[@]}" -eq 3 ]
    printf '%s\n' "${lines[@]}" > "$TEST_DIR/st"
    grep -Eq '^made Created$' "$TEST_DIR/st"
    grep -Eq '^run1 Up ' "$TEST_DIR/st"
    grep -Eq '^done3 Exited \(3\) .* ago$' "$TEST_DIR/st"
    run_conman ps -a --format '{{.Names}} {{.State}}' --filter name=run1
    [ "$output" = "run1 running" ]
}

@test "the default table has podman's header and aligned columns" {
    three_states
    run_conman ps -a
    assert_status 0
    [ "${#lines[@]}" -eq 4 ]
    header=${lines[0]}
    [[ "$header" =~ ^CONTAINER\ ID\ \ +IMAGE\ +COMMAND\ +CREATED\ +STATUS\ +PORTS\ +NAMES$ ]]
    names_col=$(awk -v h="$header" 'BEGIN { print index(h, "NAMES") - 1 }')
    status_col=$(awk -v h="$header" 'BEGIN { print index(h, "STATUS") - 1 }')
    command_col=$(awk -v h="$header" 'BEGIN { print index(h, "COMMAND") - 1 }')
    seen=""
    for i in 1 2 3; do
        row=${lines[$i]}
        [[ "${row:0:12}" =~ ^[0-9a-f]{12}$ ]]
        name=${row:$names_col}
        seen="$seen $name"
        # Each row's fields start under their header.
        [[ "${row:$status_col}" =~ ^(Created|Up\ |Exited\ \() ]]
        [ "${row:$((status_col - 1)):1}" = " " ]
        [ "${row:$((names_col - 1)):1}" = " " ]
        case "$name" in
        run1) [[ "${row:$command_col}" == "sleep 100 "* ]] ;;
        made) [[ "${row:$command_col}" == "true "* ]] ;;
        done3) [[ "${row:$command_col}" == "sh -c exit 3 "* ]] ;;
        *) false ;;
        esac
    done
    [ "$(printf '%s\n' $seen | sort | tr '\n' ' ')" = "done3 made run1 " ]
}

@test "ps cuts long commands unless --no-trunc" {
    conman run -d --rootfs "$ROOTFS" sh -c 'sleep 100; echo a-rather-long-command-line' >/dev/null
    run_conman ps --format '{{.Command}}'
    assert_status 0
    [ "${#output}" -le 20 ]
    [[ "$output" == *... ]]
    run_conman ps --no-trunc --format '{{.Command}}'
    [ "$output" = "sh -c sleep 100; echo a-rather-long-command-line" ]
}

@test "--format 'table {{.ID}}\t{{.Names}}' prints a CONTAINER ID / NAMES header" {
    id=$(conman run -d --name tabbed --rootfs "$ROOTFS" sleep 100)
    run_conman ps --format 'table {{.ID}}\t{{.Names}}'
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    [[ "${lines[0]}" =~ ^CONTAINER\ ID\ \ +NAMES$ ]]
    [[ "${lines[1]}" =~ ^${id:0:12}\ \ +tabbed$ ]]
    # NAMES and the name start in the same column.
    h=${lines[0]%%NAMES}
    [ "${lines[1]:${#h}}" = "tabbed" ]
}

@test "a bad --format template is 125 with a template: error" {
    conman run -d --rootfs "$ROOTFS" sleep 100 >/dev/null
    run_conman ps --format '{{.Names'
    assert_status 125
    [[ "$stderr" == *"template:"* ]]
    [ -z "$output" ]
    [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
    run_conman ps --format '{{.Names}} {{end}}'
    assert_status 125
    [[ "$stderr" == *"template:"* ]]
}

@test "ps -n/--last N and -l/--latest pick the newest containers of any state" {
    conman run --name first --rootfs "$ROOTFS" true >/dev/null
    conman run -d --name second --rootfs "$ROOTFS" sleep 100 >/dev/null
    conman create --name third --rootfs "$ROOTFS" true >/dev/null
    run_conman ps -l --format '{{.Names}}'
    assert_status 0
    [ "$output" = "third" ]
    run_conman ps --latest --format '{{.Names}}'
    [ "$output" = "third" ]
    run_conman ps -n 2 --format '{{.Names}}'
    assert_status 0
    [ "${#lines[@]}" -eq 2 ]
    [ "${lines[0]}" = "third" ]
    [ "${lines[1]}" = "second" ]
    run_conman ps --last 3 --format '{{.Names}}'
    [ "${#lines[@]}" -eq 3 ]
    [ "${lines[2]}" = "first" ]
    run_conman ps --last 10 -q
    [ "${#lines[@]}" -eq 3 ]
}
