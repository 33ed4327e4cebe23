#!/usr/bin/env bats
# Networking as root: CNI bridge networks, published ports, name resolution
# through /etc/hosts, internal networks, network verbs, and teardown that
# leaves no interface, iptables rule, lease or namespace behind.
# Only 127.0.0.1 and addresses on bridges these tests create are used.

load helpers

# The helpers' teardown, kept under another name: ours runs it last.
eval "helpers_$(declare -f teardown)"

IPAM=/run/conman-cni/ipam

setup_file() {
    # One number per run of this file: subnets 10.{123,124,125}.N.0/24 and
    # bridges cmtN{a,b,c} cannot meet another engineer's concurrent run.
    export NETX=$((RANDOM % 200 + 20))
}

setup() {
    [ "$(id -u)" -eq 0 ] || skip "bridge networking needs root"
    [ -x /usr/lib/cni/bridge ] || skip "containernetworking-plugins is not installed"
    command -v iptables-save >/dev/null || skip "iptables is not installed"
    NET=cmtnet$NETX
    BR=cmt${NETX}a
    SUB=10.123.$NETX
    NET2=cmtnet${NETX}b
    BR2=cmt${NETX}b
    SUB2=10.124.$NETX
    BR3=cmt${NETX}c
    SUB3=10.125.$NETX
    export NET BR SUB NET2 BR2 SUB2 BR3 SUB3
    # helpers' setup
    [ -x "$CONMAN_BIN" ] || skip "conman is not built"
    [ -x "$ROOTFS/bin/busybox" ] || bash "$REPO/scripts/mkrootfs.sh" "$ROOTFS"
    TEST_DIR=$(mktemp -d /tmp/conman-bats.XXXXXX)
    CM_ROOT=$TEST_DIR/root
    CM_RUNROOT=$(mktemp -d /run/cmt.XXXXXX)
    CM=("$CONMAN_BIN" --root "$CM_ROOT" --runroot "$CM_RUNROOT")
}

teardown() {
    if [ -n "${CM_ROOT:-}" ]; then
        conman rm -af -t 0 >/dev/null 2>&1 || true
        for n in $(conman network ls -q 2>/dev/null); do
            [ "$n" = conman ] || conman network rm -f "$n" >/dev/null 2>&1 || true
        done
    fi
    for b in "$BR" "$BR2" "$BR3"; do
        ip link del "$b" >/dev/null 2>&1 || true
        rm -rf "${IPAM:?}/$b"
    done
    helpers_teardown
}

net_create() {  # the test network NET on BR, SUB.0/24
    conman network create --subnet "$SUB.0/24" --interface-name "$BR" "$@" "$NET" >/dev/null
}

# Bounded wait (10 s) until a command succeeds.
retry() {
    local i
    for i in $(seq 1 100); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "timed out waiting for: $*" >&2
    return 1
}

# What a container's networking leaves on the host while it exists.
net_traces() {  # ID
    local id=$1
    [ -e "$CM_RUNROOT/netns/$id" ] && echo "netns file $CM_RUNROOT/netns/$id"
    [ -e "$CM_RUNROOT/netns/$id.json" ] && echo "state $CM_RUNROOT/netns/$id.json"
    grep -rls "$id" "$IPAM" 2>/dev/null | sed 's/^/lease /'
    iptables-save 2>/dev/null | grep -F "$id" | sed 's/^/iptables /'
    true
}

no_net_traces() {
    [ -z "$(net_traces "$1")" ]
}

veths_on() {  # BRIDGE: number of ports
    ls "/sys/class/net/$1/brif" 2>/dev/null | wc -l
}

httpd_cmd='mkdir -p /dev/shm/www && echo "hello from $(hostname)" > /dev/shm/www/index.html && exec httpd -f -p 80 -h /dev/shm/www'

@test "root's default is the conman bridge: eth0 with an address and a default route" {
    run_conman run --rm --rootfs "$ROOTFS" sh -c 'ip -4 -o addr show eth0; ip route'
    assert_status 0
    [[ "$output" == *"inet 10.86."* ]]
    [[ "$output" == *"default via 10.86.0.1"* ]]
    run_conman create --name d --rootfs "$ROOTFS" true
    run_conman inspect --format '{{.HostConfig.NetworkMode}}' d
    [ "$output" = "bridge" ]
}

@test "a published port answers on 127.0.0.1 (busybox httpd inside); conman port and ps show it" {
    net_create
    run_conman run -d --name web --network "$NET" -p 127.0.0.1::80 --rootfs "$ROOTFS" sh -c "$httpd_cmd"
    assert_status 0
    run_conman port web 80
    assert_status 0
    [[ "$output" == 127.0.0.1:* ]]
    hostport=${output#127.0.0.1:}
    run_conman port web
    [ "$output" = "80/tcp -> 127.0.0.1:$hostport" ]
    retry curl -sf "http://127.0.0.1:$hostport/"
    run curl -sf "http://127.0.0.1:$hostport/"
    [ "$status" -eq 0 ]
    [[ "$output" == "hello from "* ]]
    run_conman ps --format '{{.Names}} {{.Ports}}'
    [ "$output" = "web 127.0.0.1:$hostport->80/tcp" ]
    run_conman inspect --format '{{.NetworkSettings.IPAddress}} {{(index (index .NetworkSettings.Ports "80/tcp") 0).HostPort}}' web
    [[ "$output" == "$SUB."*" $hostport" ]]
}

@test "-P publishes exposed ports on free host ports" {
    net_create
    run_conman run -d --name web --network "$NET" --expose 80 -P --rootfs "$ROOTFS" sh -c "$httpd_cmd"
    assert_status 0
    run_conman port web 80/tcp
    assert_status 0
    hostport=${output##*:}
    [ "$hostport" -gt 0 ]
    retry curl -sf "http://127.0.0.1:$hostport/"
}

@test "two containers on a user network reach each other by name" {
    net_create
    run_conman run -d --name srv --network "$NET" --rootfs "$ROOTFS" sh -c "$httpd_cmd"
    assert_status 0
    run_conman run --rm --name cli --network "$NET" --cap-add NET_RAW --rootfs "$ROOTFS" sh -c 'ping -c1 -W2 srv >/dev/null && wget -qO- http://srv/'
    assert_status 0
    [[ "$output" == "hello from "* ]]
    # The server learns the names of containers that join later.
    run_conman run -d --name late --network "$NET" --rootfs "$ROOTFS" sleep 100
    assert_status 0
    run_conman exec srv sh -c 'grep -w late /etc/hosts'
    assert_status 0
    ip=$(conman inspect --format '{{.NetworkSettings.IPAddress}}' late)
    [[ "$output" == "$ip"*late* ]]
    # The name resolves: wget gets as far as a refused connection.
    run_conman exec srv sh -c 'wget -qO- http://late:81/ 2>&1'
    [[ "$output" == *refused* ]]
    # ... and forgets them when they go.
    run_conman rm -f -t 0 late
    run_conman exec srv sh -c 'grep -w late /etc/hosts'
    assert_status 1
}

@test "an internal network has no route out" {
    net_create
    conman network create --internal --subnet "$SUB3.0/24" --interface-name "$BR3" inner >/dev/null
    run_conman network inspect --format '{{.Internal}}' inner
    [ "$output" = "true" ]
    # A normal network's containers reach its gateway (the bridge on the host) ...
    run_conman run --rm --network "$NET" --cap-add NET_RAW --rootfs "$ROOTFS" ping -c1 -W2 "$SUB.1"
    assert_status 0
    # ... an internal one's have no default route and reach nothing past their bridge.
    run_conman run --rm --network inner --cap-add NET_RAW --rootfs "$ROOTFS" sh -c 'ip route; ping -c1 -W2 '"$SUB.1"
    [ "$status" -ne 0 ]
    [[ "$output" != *default* ]]
    run_conman run --rm --network inner --rootfs "$ROOTFS" wget -T 2 -qO- "http://$SUB.1/"
    [ "$status" -ne 0 ]
    # Containers on it still talk to each other.
    run_conman run -d --name in1 --network inner --rootfs "$ROOTFS" sh -c "$httpd_cmd"
    run_conman run --rm --network inner --rootfs "$ROOTFS" wget -qO- http://in1/
    assert_status 0
}

@test "stop, kill, a crash and rm -f each tear the network down" {
    net_create
    for how in stop kill crash rmf exit; do
        cmd="sleep 100"
        [ "$how" = exit ] && cmd="sleep 0.2"
        run_conman run -d --name "c-$how" --network "$NET" -p 127.0.0.1::80 --rootfs "$ROOTFS" $cmd
        assert_status 0
        id=$output
        [ -n "$(net_traces "$id")" ]  # the check below sees something while it runs
        [ "$(veths_on "$BR")" -eq 1 ]
        case $how in
        stop) conman stop -t 0 "$id" >/dev/null ;;
        kill) conman kill "$id" >/dev/null; conman wait "$id" >/dev/null ;;
        crash) kill -9 "$(cat "$CM_RUNROOT/$id/pidfile")" ;;
        rmf) conman rm -f -t 0 "$id" >/dev/null ;;
        exit) conman wait "$id" >/dev/null ;;
        esac
        # The shim's exit command runs after the exit is published: bounded wait.
        retry no_net_traces "$id" || { net_traces "$id"; false; }
        [ "$(veths_on "$BR")" -eq 0 ]
    done
    # An exited container gets its network again when started.
    run_conman start c-exit
    assert_status 0
    run_conman inspect --format '{{.NetworkSettings.IPAddress}}' c-exit
    [[ "$output" == "$SUB."* ]]
}

@test "200 run --rm cycles leave interfaces, iptables and leases as they were" {
    net_create
    conman run --rm --network "$NET" -p 127.0.0.1::80 --rootfs "$ROOTFS" true  # creates the bridge and CNI's shared chains
    snapshot() {
        ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
        iptables-save | grep -v '^#' | grep -e "$NET" -e "$SUB\." | sed 's/\[[0-9:]*\]//' | sort
        iptables-save -t nat | grep -c '^:CNI-' || true
        find "$IPAM/$BR" -type f ! -name 'last_reserved_ip*' ! -name lock 2>/dev/null | sort
        ls -A "$CM_RUNROOT/netns" | grep -v '^lock$' || true
        grep -c " $CM_RUNROOT/netns/" /proc/self/mountinfo || true
    }
    before=$(snapshot)
    for i in $(seq 1 "$(reps 200)"); do
        "${CM[@]}" run --rm --network "$NET" -p 127.0.0.1::80 --rootfs "$ROOTFS" true || { echo "cycle $i failed"; false; }
    done
    after=$(snapshot)
    if [ "$before" != "$after" ]; then
        diff <(echo "$before") <(echo "$after") >&2 || true
        false
    fi
    [ -z "$(conman ps -aq)" ]
}

@test "a failed create leaves no namespace, lease, rule or veth" {
    net_create
    run_conman -127 run --name bad --network "$NET" -p 127.0.0.1::80 --rootfs "$ROOTFS" nosuchcmd
    assert_status 127
    [ -z "$(conman ps -aq)" ]
    [ "$(veths_on "$BR")" -eq 0 ]
    [ -z "$(ls -A "$CM_RUNROOT/netns" | grep -v '^lock$')" ]
    [ -z "$(find "$IPAM/$BR" -type f ! -name 'last_reserved_ip*' ! -name lock 2>/dev/null)" ]
    [ -z "$(iptables-save | grep -e "$NET" -e "$SUB\.")" ]
}

@test "--ip, --mac-address, --hostname, --dns, --dns-search, --add-host" {
    net_create
    run_conman run --rm --network "$NET" --ip "$SUB.42" --mac-address 92:d0:c6:0a:29:33 --hostname box \
        --dns 10.9.9.9 --dns-search example.test --add-host db.local:10.1.2.3 --rootfs "$ROOTFS" \
        sh -c 'ip -o addr show eth0; ip -o link show eth0; hostname; cat /etc/resolv.conf /etc/hosts'
    assert_status 0
    [[ "$output" == *"inet $SUB.42/24"* ]]
    [[ "$output" == *"92:d0:c6:0a:29:33"* ]]
    [[ "$output" == *$'\nbox\n'* ]]
    [[ "$output" == *"nameserver 10.9.9.9"* ]]
    [[ "$output" == *"search example.test"* ]]
    [[ "$output" == *$'10.1.2.3\tdb.local'* ]]
    [[ "$output" == *"$SUB.42"$'\t'"box "* ]]
    [[ "$output" == *"$SUB.1"$'\t'"host.containers.internal"* ]]
}

@test "--network none has only lo; host shares the host's; container: joins another's" {
    run_conman run --rm --network none --rootfs "$ROOTFS" sh -c 'ls /sys/class/net'
    assert_status 0
    [ "$output" = "lo" ]
    run_conman run --rm --network host --rootfs "$ROOTFS" sh -c 'ls /sys/class/net'
    assert_status 0
    [ "$output" = "$(ls /sys/class/net)" ]
    net_create
    run_conman run -d --name base --network "$NET" --rootfs "$ROOTFS" sleep 100
    ip=$(conman inspect --format '{{.NetworkSettings.IPAddress}}' base)
    run_conman run --rm --network container:base --rootfs "$ROOTFS" ip -4 -o addr show eth0
    assert_status 0
    [[ "$output" == *"inet $ip/"* ]]
    run_conman create --network none --name n1 --rootfs "$ROOTFS" true
    run_conman inspect --format '{{.HostConfig.NetworkMode}}' n1
    [ "$output" = "none" ]
}

@test "bad network flags are 125 with one line and leave nothing" {
    net_create
    for args in "--network nosuchnet" "-p 80:80:80:80" "-p 99999" "--network none -p 80" \
        "--network slirp4netns:mtu=1" "--ip 10.250.0.9 --network $NET" "--mac-address zz --network $NET" \
        "--dns notanip" "--add-host nocolon" "--network host,$NET" "--network container:nosuch"; do
        run_conman run $args --rootfs "$ROOTFS" true
        [ "$status" -eq 125 ] || { echo "$args: status $status: $stderr"; false; }
        [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ] || { echo "$args: $stderr"; false; }
    done
    run_conman run --network slirp4netns:nosuch=1 --rootfs "$ROOTFS" true
    [[ "$stderr" == *"unknown option \"nosuch=1\""* ]]
    [ -z "$(conman ps -aq)" ]
    [ -z "$(ls -A "$CM_RUNROOT/netns" 2>/dev/null | grep -v '^lock$')" ]
}

@test "network create, ls, inspect, exists, rm, prune" {
    run_conman network create --subnet "$SUB.0/24" --gateway "$SUB.254" --interface-name "$BR" --label team=a "$NET"
    assert_status 0
    [ "$output" = "$NET" ]
    run_conman network ls --format '{{.Name}} {{.Driver}}'
    [[ "$output" == *"$NET bridge"* ]]
    [[ "$output" == *"conman bridge"* ]]
    run_conman network ls -q --filter "label=team=a"
    [ "$output" = "$NET" ]
    run_conman network inspect "$NET"
    assert_status 0
    echo "$output" | python3 -c '
import json, sys, os
n = json.load(sys.stdin)[0]
sub = os.environ["SUB"]
assert n["name"] == os.environ["NET"], n
assert n["driver"] == "bridge"
assert n["network_interface"] == os.environ["BR"]
assert n["subnets"] == [{"subnet": sub + ".0/24", "gateway": sub + ".254"}], n["subnets"]
assert n["internal"] is False
assert n["labels"] == {"team": "a"}
assert len(n["id"]) == 64
'
    run_conman network exists "$NET"
    assert_status 0
    run_conman network exists nosuch
    assert_status 1
    # Name taken, overlapping subnet, bad subnet, gateway outside: 125.
    run_conman network create --subnet "$SUB2.0/24" --interface-name "$BR2" "$NET"
    assert_status 125
    run_conman network create --subnet "$SUB.128/25" --interface-name "$BR2" other
    assert_status 125
    [[ "$stderr" == *overlaps* ]]
    run_conman network create --subnet 10.300.0.0/24 other
    assert_status 125
    run_conman network create --subnet "$SUB2.0/24" --gateway "$SUB.1" other
    assert_status 125
    run_conman network rm conman
    assert_status 125
    # In use: rm refuses, rm -f removes the container too.
    run_conman create --name user1 --network "$NET" --rootfs "$ROOTFS" true
    run_conman network rm "$NET"
    assert_status 125
    [[ "$stderr" == *user1* ]]
    # prune keeps used networks and the default one.
    conman network create --subnet "$SUB2.0/24" --interface-name "$BR2" "$NET2" >/dev/null
    run_conman network prune -f
    assert_status 0
    [ "$output" = "$NET2" ]
    run_conman network ls -q
    [[ "$output" == *"$NET"* ]]
    run_conman network rm -f "$NET"
    assert_status 0
    [ "$output" = "$NET" ]
    run_conman ps -aq
    [ -z "$output" ]
    [ ! -e "/sys/class/net/$BR" ]
}

@test "network connect and disconnect a running container" {
    net_create
    conman network create --subnet "$SUB2.0/24" --interface-name "$BR2" "$NET2" >/dev/null
    run_conman run -d --name c1 --network "$NET" --rootfs "$ROOTFS" sleep 100
    assert_status 0
    run_conman network connect "$NET2" c1
    assert_status 0
    run_conman exec c1 ip -4 -o addr show eth1
    assert_status 0
    [[ "$output" == *"inet $SUB2."* ]]
    run_conman inspect --format '{{len .NetworkSettings.Networks}}' c1
    [ "$output" = "2" ]
    run_conman network connect "$NET2" c1
    assert_status 125
    # A container on the second network reaches c1 by name there.
    run_conman run --rm --network "$NET2" --cap-add NET_RAW --rootfs "$ROOTFS" ping -c1 -W2 c1
    assert_status 0
    run_conman network disconnect "$NET2" c1
    assert_status 0
    run_conman exec c1 ip -o link show eth1
    [ "$status" -ne 0 ]
    [ "$(veths_on "$BR2")" -eq 0 ]
    run_conman network disconnect "$NET" c1
    assert_status 125
}
