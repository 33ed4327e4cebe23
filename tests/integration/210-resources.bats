#!/usr/bin/env bats
# Resource limits seen from inside the container, the OOM kill, stats, top,
# pause/unpause, update and the events log.

load helpers

# cg_file V1PATH V2PATH: the file to read inside a container for this host's cgroup version.
cg_file() {
    if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo "/sys/fs/cgroup/$2"; else echo "/sys/fs/cgroup/$1"; fi
}

cgroup_v2() { [ -f /sys/fs/cgroup/cgroup.controllers ]; }

# wait_for_lines CTR N: waits (bounded, 10 s) until the container's log has at least N lines.
wait_for_lines() {
    local i
    for i in $(seq 1 200); do
        [ "$(conman logs "$1" 2>/dev/null | wc -l)" -ge "$2" ] && return 0
        sleep 0.05
    done
    echo "timed out waiting for $2 log lines of $1" >&2
    return 1
}

@test "--memory, --cpus, --cpu-shares, --cpuset-cpus and --memory-reservation reach the container's cgroup" {
    if cgroup_v2; then
        run_conman run --rm --memory 64m --cpus 0.5 --rootfs "$ROOTFS" cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/cpu.max
        assert_status 0
        [ "${lines[0]}" = "67108864" ]
        [ "${lines[1]}" = "50000 100000" ]
    else
        run_conman run --rm --memory 64m --cpus 0.5 --cpu-shares 512 --cpuset-cpus 0 --memory-reservation 32m \
            --rootfs "$ROOTFS" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/cpu/cpu.cfs_quota_us \
            /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus \
            /sys/fs/cgroup/memory/memory.soft_limit_in_bytes
        assert_status 0
        [ "${lines[0]}" = "67108864" ]
        [ "${lines[1]}" = "50000" ]
        [ "${lines[2]}" = "100000" ]
        [ "${lines[3]}" = "512" ]
        [ "${lines[4]}" = "0" ]
        [ "${lines[5]}" = "33554432" ]
    fi
    # The record keeps them, in podman's inspect fields.
    run_conman create --name lim -m 1g --cpu-period 50000 --cpu-quota 25000 --pids-limit 77 --rootfs "$ROOTFS" true
    assert_status 0
    run_conman inspect --format '{{.HostConfig.Memory}} {{.HostConfig.MemorySwap}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.PidsLimit}}' lim
    [ "$output" = "1073741824 2147483648 50000 25000 77" ]
}

@test "invalid limits fail with 125, one line, and create nothing" {
    local bad
    for bad in "--memory lots" "--memory 1m" "--memory-swap 100m" "--memory 10m --memory-swap 5m" "--cpus two" \
        "--cpus 100000" "--cpus 1 --cpu-quota 50000" "--cpu-period 10" "--cpu-quota 5" "--cpu-shares 1" \
        "--cpuset-cpus 9999" "--cpuset-cpus 3-1" "--cpuset-mems x" "--blkio-weight 5" \
        "--memory 100m --memory-reservation 200m"; do
        # shellcheck disable=SC2086
        run_conman create --name bad $bad --rootfs "$ROOTFS" true
        [ "$status" -eq 125 ] || { echo "$bad: status $status" >&2; return 1; }
        [ "$(echo "$stderr" | wc -l)" -eq 1 ] || { echo "$bad: $stderr" >&2; return 1; }
        [[ "$stderr" == conman:* ]]
    done
    run_conman create --memory 1m --rootfs "$ROOTFS" true
    [[ "$stderr" == *"6MiB"* ]]
    run_conman ps -a -q
    [ -z "$output" ]
    [ ! -d "$CM_ROOT/containers" ] || [ -z "$(ls "$CM_ROOT/containers")" ]
}

@test "rootless: resource flags fail with a clear message" {
    local dir
    dir=$(mktemp -d /tmp/cmt-rl.XXXXXX)
    chmod 755 "$dir"
    chown nobody "$dir"
    run --separate-stderr runuser -u nobody -- env HOME="$dir" XDG_RUNTIME_DIR= "$CONMAN_BIN" --root "$dir/root" \
        --runroot "$dir/run" create --memory 64m --rootfs "$ROOTFS" true
    rm -rf "$dir"
    assert_status 125
    [[ "$stderr" == *"--memory 64m"*"rootless"* ]]
}

@test "a memory-limit breach is an OOM kill: exit 137 and OOMKilled" {
    run_conman run --name oom --memory 20m --rootfs "$ROOTFS" sh -c 'tail /dev/zero'
    assert_status 137
    run_conman inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}} {{.State.Status}}' oom
    [ "$output" = "true 137 exited" ]
    # A plain kill is not an OOM kill.
    run_conman run -d --name killed --memory 20m --rootfs "$ROOTFS" sleep 100
    conman kill killed
    conman wait killed
    run_conman inspect --format '{{.State.OOMKilled}} {{.State.ExitCode}}' killed
    [ "$output" = "false 137" ]
}

@test "stats --no-stream: podman's columns, the memory limit, --format templates and json" {
    conman run -d --name st --memory 64m --rootfs "$ROOTFS" sleep 100
    run_conman stats --no-stream st
    assert_status 0
    [[ "${lines[0]}" == "ID "*"NAME "*"CPU %"*"MEM USAGE / LIMIT"*"MEM %"*"NET IO"*"BLOCK IO"*"PIDS"*"CPU TIME"*"AVG CPU %" ]]
    [[ "${lines[1]}" == *" st "*"/ 67.11MB"* ]]
    [ "${#lines[@]}" -eq 2 ]
    run_conman stats --no-stream --format '{{.Name}} {{.PIDS}} {{.MemUsage}}' st
    [[ "$output" == "st 1 "*" / 67.11MB" ]]
    run_conman stats --no-stream --format json st
    assert_status 0
    [ "$(echo "$output" | jq -r '.[0].name')" = "st" ]
    local key
    for key in id name cpu_time cpu_percent avg_cpu mem_usage mem_percent net_io block_io pids; do
        echo "$output" | jq -e ".[0] | has(\"$key\")" >/dev/null || { echo "no $key" >&2; return 1; }
    done
    # No name: every running container; a stopped one is refused by name.
    conman create --name idle --rootfs "$ROOTFS" true
    run_conman stats --no-stream --format '{{.Name}}'
    [ "$output" = "st" ]
    run_conman stats --no-stream idle
    assert_status 125
    [[ "$stderr" == *"idle"* ]]
}

@test "stats streams blocks through a pipe and ends cleanly on SIGINT" {
    conman run -d --name st --rootfs "$ROOTFS" sleep 100
    "${CM[@]}" stats --interval 1 --format '{{.Name}}' st >"$TEST_DIR/stats.out" &
    local pid=$! i
    for i in $(seq 1 100); do
        [ "$(grep -c '^st$' "$TEST_DIR/stats.out")" -ge 2 ] && break
        sleep 0.05
    done
    [ "$(grep -c '^st$' "$TEST_DIR/stats.out")" -ge 2 ]
    kill -INT "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ]
}

@test "top: podman's default columns for the container's processes, and descriptors" {
    conman run -d --name t --rootfs "$ROOTFS" sleep 1000
    run_conman top t
    assert_status 0
    [[ "${lines[0]}" == "USER "*"PID "*"PPID "*"%CPU "*"ELAPSED "*"TTY "*"TIME "*"COMMAND" ]]
    read -r user pid ppid _ _ tty time cmd <<<"${lines[1]}"
    [ "$user" = "root" ]
    [ "$pid" = "1" ]
    [ "$ppid" = "0" ]
    [ "$tty" = "?" ]
    [ "$time" = "0s" ]
    [ "$cmd" = "sleep 1000" ]
    # An exec session shows up too, as a child of nobody in the namespace.
    conman exec -d t sleep 999
    run_conman top t pid,args
    [[ "${lines[0]}" == "PID "*"COMMAND" ]]
    [[ "$output" == *"sleep 999"* ]]
    run_conman top t user huser seccomp
    [[ "${lines[1]}" == "root "*"0 "*"filter" ]]
    run_conman top t bogus
    assert_status 125
    [[ "$stderr" == *"bogus"* ]]
    conman create --name idle --rootfs "$ROOTFS" true
    run_conman top idle
    assert_status 125
}

@test "pause freezes the container, unpause thaws it; stop refuses a paused container, rm -f removes it" {
    conman run -d --name p --rootfs "$ROOTFS" sh -c 'i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done'
    wait_for_lines p 2
    run_conman pause p
    assert_status 0
    [ "$output" = "p" ]
    run_conman ps --format '{{.Names}} {{.Status}}'
    [ -z "$output" ]
    run_conman ps -a --format '{{.Names}} {{.Status}} {{.State}}'
    [ "$output" = "p Paused paused" ]
    run_conman inspect --format '{{.State.Status}} {{.State.Paused}} {{.State.Running}}' p
    [ "$output" = "paused true false" ]
    # Frozen: the counter does not advance (no event marks "nothing happened": a short bounded look).
    local before after
    before=$(conman logs p | wc -l)
    sleep 0.5
    after=$(conman logs p | wc -l)
    [ "$before" -eq "$after" ]
    run_conman pause p
    assert_status 125
    run_conman stop -t 1 p
    assert_status 125
    [[ "$stderr" == *"paused"* ]]
    run_conman rm p
    assert_status 125
    run_conman unpause p
    assert_status 0
    wait_for_lines p $((after + 2))
    run_conman inspect --format '{{.State.Status}} {{.State.Paused}}' p
    [ "$output" = "running false" ]
    run_conman unpause p
    assert_status 125
    conman pause p
    run_conman rm -f -t 0 p
    assert_status 0
    run_conman ps -a -q
    [ -z "$output" ]
}

@test "update changes the limits of a running container and keeps them for the next start" {
    local mem cpu
    mem=$(cg_file memory/memory.limit_in_bytes memory.max)
    conman run -d --name u --memory 64m --rootfs "$ROOTFS" sleep 1000
    run_conman exec u cat "$mem"
    [ "$output" = "67108864" ]
    run_conman update --memory 128m --cpus 1.5 --pids-limit 99 u
    assert_status 0
    [ "${#output}" -eq 64 ]
    run_conman exec u cat "$mem"
    [ "$output" = "134217728" ]
    if ! cgroup_v2; then
        run_conman exec u cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/pids/pids.max
        [ "${lines[0]}" = "150000" ]
        [ "${lines[1]}" = "99" ]
    fi
    run_conman inspect --format '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' u
    [ "$output" = "134217728 1500000000 99" ]
    conman stop -t 0 u
    conman start u
    run_conman exec u cat "$mem"
    [ "$output" = "134217728" ]
    run_conman update u
    assert_status 125
    run_conman update --memory 2m u
    assert_status 125
    run_conman exec u cat "$mem"
    [ "$output" = "134217728" ]
}

@test "events records a container's life, filters it and prints podman's forms" {
    conman create --name ev --label tier=web --rootfs "$ROOTFS" sh -c 'exit 3'
    conman start ev
    run_conman wait ev
    [ "$output" = "3" ]
    conman rm ev
    run_conman events --stream=false --filter container=ev --format '{{.Status}}'
    assert_status 0
    [ "$(echo $output)" = "create init start died remove" ]
    run_conman events --stream=false --filter container=ev --filter event=died --format json
    [ "${#lines[@]}" -eq 1 ]
    [ "$(echo "$output" | jq -r '.Status + " " + .Name + " " + (.ContainerExitCode|tostring) + " " + .Type')" = "died ev 3 container" ]
    run_conman events --stream=false --filter event=start
    [[ "$output" =~ ^[0-9-]+\ [0-9:.]+\ [+-][0-9]{4}\ [A-Z]+\ container\ start\ [0-9a-f]{64}\ \(image=,\ name=ev,\ tier=web\)$ ]]
    run_conman events --stream=false --filter label=tier=web --filter event=create --filter event=remove --format '{{.Name}} {{.Status}}'
    [ "$(echo $output)" = "ev create ev remove" ]
    # pause, unpause, exec and kill are recorded too.
    conman run -d --name ev2 --rootfs "$ROOTFS" sleep 100
    conman pause ev2
    conman unpause ev2
    conman exec ev2 true
    conman kill ev2
    conman wait ev2
    run_conman events --stream=false --filter container=ev2 --format '{{.Status}}'
    [ "$(echo $output)" = "create init start pause unpause exec kill died" ]
    run_conman events --stream=false --filter bogus=1
    assert_status 125
    run_conman events --stream=false --since yesterday-ish
    assert_status 125
}

@test "events --since and --until select by time" {
    conman create --name early --rootfs "$ROOTFS" true
    local t
    t=$(date +%s.%N)
    conman create --name late --rootfs "$ROOTFS" true
    run_conman events --stream=false --filter event=create --until "$t" --format '{{.Name}}'
    [ "$output" = "early" ]
    run_conman events --stream=false --filter event=create --since "$t" --format '{{.Name}}'
    [ "$output" = "late" ]
    run_conman events --stream=false --filter event=create --since 1h --format '{{.Name}}'
    [ "$(echo $output)" = "early late" ]
}

@test "streaming events: new events appear, --until in the future ends the stream, SIGTERM ends it cleanly" {
    local t
    t=$(date +%s.%N)
    # --since covers the moment before the watch is set up, so no event can be missed.
    # --until leaves room for two creates on a loaded box (they took over 3 s
    # under ASan while the machine also compiled).
    "${CM[@]}" events --since "$t" --until 8s --filter event=create --format '{{.Name}}' >"$TEST_DIR/ev.out" &
    local pid=$!
    conman create --name s1 --rootfs "$ROOTFS" true
    conman create --name s2 --rootfs "$ROOTFS" true
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ]
    [ "$(cat "$TEST_DIR/ev.out" | tr '\n' ' ')" = "s1 s2 " ]
    # Streaming with no --since shows only what happens next; SIGTERM ends it with 0.
    "${CM[@]}" events --format '{{.Status}} {{.Name}}' >"$TEST_DIR/ev2.out" &
    pid=$!
    local i
    for i in $(seq 1 100); do
        conman create --name "w$i" --rootfs "$ROOTFS" true
        grep -q "create w$i" "$TEST_DIR/ev2.out" && break
        sleep 0.05
    done
    grep -q "create w" "$TEST_DIR/ev2.out"
    [ "$(grep -c s1 "$TEST_DIR/ev2.out")" -eq 0 ]
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 0 ]
}

@test "events: image import, tag, untag and remove are recorded" {
    tar -C "$ROOTFS" -cf "$TEST_DIR/rootfs.tar" .
    conman import "$TEST_DIR/rootfs.tar" localhost/evimg
    conman tag localhost/evimg localhost/evimg2
    conman untag localhost/evimg localhost/evimg2
    conman rmi localhost/evimg
    run_conman events --stream=false --filter type=image --format '{{.Status}} {{.Name}}'
    assert_status 0
    [ "${lines[0]}" = "import localhost/evimg" ]
    [ "${lines[1]}" = "tag localhost/evimg2:latest" ]
    [ "${lines[2]}" = "untag localhost/evimg2" ]
    [ "${lines[3]}" = "untag localhost/evimg:latest" ]
    [ "${lines[4]}" = "remove localhost/evimg:latest" ]
    run_conman events --stream=false --filter type=image --filter event=tag --format json
    [ "$(echo "$output" | jq -r '.Type + " " + .Status')" = "image tag" ]
}
