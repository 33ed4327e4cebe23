#!/usr/bin/env bats
# Rootless networking: --network slirp4netns (outbound access and -p port
# forwards), none and host, for an ordinary user made by this file. Only
# 127.0.0.1 and the namespaces conman makes are used.

load helpers

setup_file() {
    command -v newuidmap >/dev/null || skip "newuidmap (uidmap package) is not installed"
    command -v slirp4netns >/dev/null || skip "slirp4netns is not installed"
    export NET_USER=cmtest-net
    id "$NET_USER" >/dev/null 2>&1 || useradd -m "$NET_USER"
    for f in /etc/subuid /etc/subgid; do
        grep -q "^$NET_USER:" "$f" || echo "$NET_USER:500000:65536" >>"$f"
    done
    # Users need the tun device (Debian's default mode; this host has 0600).
    export TUN_MODE=$(stat -c %a /dev/net/tun)
    chmod 666 /dev/net/tun
    local base=${CONMAN_TEST_ROOTFS:-$BATS_TEST_DIRNAME/../../build/test-rootfs}
    [ -x "$base/bin/busybox" ] || bash "$BATS_TEST_DIRNAME/../../scripts/mkrootfs.sh" "$base"
    export NET_DIR=$(mktemp -d /tmp/cmnet.XXXXXX)
    chmod 755 "$NET_DIR"
    cp -a "$base" "$NET_DIR/rootfs"
    mkdir -p "$NET_DIR/rootfs/www"
    echo "served-from-the-container" >"$NET_DIR/rootfs/www/index.html"
    chown -R "$NET_USER:$NET_USER" "$NET_DIR/rootfs"
    mkdir -p "$NET_DIR/u" && chown "$NET_USER:$NET_USER" "$NET_DIR/u" && chmod 700 "$NET_DIR/u"
}

teardown_file() {
    runuser -u "$NET_USER" -- env HOME="$NET_DIR/u" XDG_RUNTIME_DIR= "$CONMAN_BIN" --root "$NET_DIR/u/root" \
        --runroot "$NET_DIR/u/run" rm -af -t 0 >/dev/null 2>&1 || true
    pkill -u "$NET_USER" -f conman-shim 2>/dev/null || true
    pkill -u "$NET_USER" slirp4netns 2>/dev/null || true
    chmod "$TUN_MODE" /dev/net/tun
    rm -rf "$NET_DIR"
}

# as_net ARGS: conman as the test user, like run_conman.
as_net() {
    local i
    run --separate-stderr runuser -u "$NET_USER" -- env HOME="$NET_DIR/u" XDG_RUNTIME_DIR= \
        "$CONMAN_BIN" --root "$NET_DIR/u/root" --runroot "$NET_DIR/u/run" "$@"
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

@test "rootless slirp4netns: a published port answers from the host" {
    port=$(free_port)
    as_net run -d --name web --network slirp4netns -p "127.0.0.1:$port:80" --rootfs "$NET_DIR/rootfs" \
        sh -c 'httpd -p 80 -h /www && echo listening && exec sleep 100'
    assert_status 0
    for i in $(seq 1 200); do
        as_net logs web
        [ "$output" = "listening" ] && break
        sleep 0.05
    done
    [ "$output" = "listening" ]
    run curl -fsS --max-time 5 "http://127.0.0.1:$port/index.html"
    assert_status 0
    [ "$output" = "served-from-the-container" ]
    as_net port web
    [ "$output" = "80/tcp -> 127.0.0.1:$port" ]
    as_net inspect --format '{{.NetworkSettings.IPAddress}}' web
    [ "$output" = "10.0.2.100" ]
    as_net rm -f web
    assert_status 0
    # Teardown: the forward and the helper are gone (a zombie has no command line).
    run curl -fsS --max-time 2 "http://127.0.0.1:$port/index.html"
    [ "$status" -ne 0 ]
    ! pgrep -u "$NET_USER" -f 'slirp4netns --configure'
}

@test "rootless slirp4netns: outbound access (to the host's loopback only when allowed)" {
    port=$(free_port)
    mkdir -p "$NET_DIR/host-www"
    echo "from-the-host" >"$NET_DIR/host-www/f"
    python3 -m http.server --bind 127.0.0.1 --directory "$NET_DIR/host-www" "$port" >/dev/null 2>&1 &
    srv=$!
    for i in $(seq 1 100); do curl -fs --max-time 1 "http://127.0.0.1:$port/f" >/dev/null && break; sleep 0.05; done
    as_net run --rm --network slirp4netns:allow_host_loopback=true --rootfs "$NET_DIR/rootfs" \
        sh -c "printf 'GET /f HTTP/1.0\r\n\r\n' | nc -w 5 10.0.2.2 $port | tail -n 1; grep nameserver /etc/resolv.conf"
    kill "$srv"
    assert_status 0
    [ "${lines[0]}" = "from-the-host" ]
    [ "${lines[1]}" = "nameserver 10.0.2.3" ]
    python3 -m http.server --bind 127.0.0.1 --directory "$NET_DIR/host-www" "$port" >/dev/null 2>&1 &
    srv=$!
    for i in $(seq 1 100); do curl -fs --max-time 1 "http://127.0.0.1:$port/f" >/dev/null && break; sleep 0.05; done
    as_net run --rm --network slirp4netns --rootfs "$NET_DIR/rootfs" sh -c "printf 'GET /f HTTP/1.0\r\n\r\n' | nc -w 2 10.0.2.2 $port"
    kill "$srv"
    [ "$status" -ne 0 ]
    [[ "$output" != *"from-the-host"* ]]
}

@test "rootless --network none has only loopback; host shares the host's interfaces" {
    as_net run --rm --network none --rootfs "$NET_DIR/rootfs" sh -c 'ls /sys/class/net'
    assert_status 0
    [ "$output" = "lo" ]
    as_net run --rm --network host --rootfs "$NET_DIR/rootfs" sh -c 'ls /sys/class/net | sort'
    assert_status 0
    [ "$output" = "$(ls /sys/class/net | sort)" ]
}

@test "rootless --userns=keep-id works with slirp4netns, none and host" {
    uid=$(id -u "$NET_USER")
    for net in slirp4netns none host; do
        as_net run --rm --userns keep-id --network "$net" --rootfs "$NET_DIR/rootfs" id -u
        assert_status 0
        [ "$output" = "$uid" ]
    done
}

@test "rootless slirp4netns: bad options and a missing tun device are clear errors, nothing created" {
    as_net run --rm --network slirp4netns:mtu=9 --rootfs "$NET_DIR/rootfs" true
    assert_status 125
    [ "$stderr" = "conman: invalid --network slirp4netns:mtu=9: mtu must be a number from 68 to 65520" ]
    chmod 600 /dev/net/tun
    as_net run --rm --network slirp4netns --rootfs "$NET_DIR/rootfs" true
    chmod 666 /dev/net/tun
    assert_status 125
    [[ "$stderr" == *"slirp4netns needs /dev/net/tun"* ]]
    as_net ps -aq
    [ -z "$output" ]
    ! pgrep -u "$NET_USER" -f 'slirp4netns --configure'
}
