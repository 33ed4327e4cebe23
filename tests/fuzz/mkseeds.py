#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ (small real
examples). Run once to regenerate; crash inputs found later are added to the
same directories by hand under names starting with "crash-"."""
import json, os, sys

here = os.path.dirname(os.path.abspath(__file__))
def dg(c): return "sha256:" + c * 64

def put(target, name, data):
    d = os.path.join(here, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str): data = data.encode()
    with open(os.path.join(d, name), "wb") as f: f.write(data)

# image references
for i, r in enumerate(["busybox", "busybox:1.36", "library/alpine:3.19", "docker.io/library/busybox:latest",
        "index.docker.io/library/ubuntu", "quay.io/podman/hello:latest", "127.0.0.1:5000/ns/repo:v1.2.3",
        "[::1]:5000/busybox", "localhost/my-image", "registry.example.com:443/a/b/c__d-e.f:TAG_1",
        "busybox@" + dg('a'), "busybox:1.36@" + dg('b'), "a" * 64, "Uppercase/repo", "x:"]):
    put("fuzz_image_ref", f"ref{i}", r)

# manifests and indexes: first byte picks the Content-Type (see fuzz_manifest.cpp)
oci_manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": dg('c'), "size": 1469},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": dg('1'), "size": 2240000,
                "annotations": {"org.opencontainers.image.title": "layer.tar.gz"}},
               {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": dg('2'), "size": 0,
                "urls": ["https://example.com/blob"]}],
    "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}}
docker_manifest = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
    "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": dg('a')},
    "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": dg('b')}]}
plat = lambda a, v=None: {"os": "linux", "architecture": a, **({"variant": v} if v else {})}
oci_index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dg('d'), "size": 525, "platform": plat("amd64")},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dg('e'), "size": 525, "platform": plat("arm64", "v8")},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dg('f'), "size": 525, "platform": plat("arm", "v6")},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": dg('0'), "size": 840,
     "platform": {"os": "unknown", "architecture": "unknown"},
     "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": dg('d')}}]}
docker_list = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
    "manifests": [{"mediaType": "application/vnd.docker.distribution.manifest.v2+json", "digest": dg('9'), "size": 528,
                   "platform": {"architecture": "386", "os": "linux", "os.version": "x", "features": ["sse4"]}}]}
schema1 = {"schemaVersion": 1, "name": "busybox", "tag": "latest", "fsLayers": [{"blobSum": dg('a')}]}
for name, ct, doc in [("oci-manifest", 2, oci_manifest), ("oci-manifest-generic", 1, oci_manifest),
        ("docker-manifest", 4, docker_manifest), ("oci-index", 3, oci_index), ("oci-index-untyped", 0, oci_index),
        ("docker-list", 5, docker_list), ("schema1", 7, schema1)]:
    put("fuzz_manifest", name, bytes([ct]) + json.dumps(doc, indent=1).encode())
put("fuzz_manifest", "platform", b"\x00linux/arm/v7\n{}")

# image configs
config = {"architecture": "amd64", "os": "linux", "variant": "", "author": "someone",
    "created": "2024-02-03T04:05:06.123456789Z",
    "config": {"User": "1000:1000", "Env": ["PATH=/usr/bin:/bin", "A=1"], "Entrypoint": ["/bin/sh", "-c"],
               "Cmd": ["echo hi"], "WorkingDir": "/work", "StopSignal": "SIGTERM",
               "Labels": {"maintainer": "x", "version": "1"}, "ExposedPorts": {"80/tcp": {}, "53/udp": {}},
               "Volumes": {"/data": {}}},
    "rootfs": {"type": "layers", "diff_ids": [dg('1'), dg('2'), dg('3')]},
    "history": [{"created": "2024-02-03T04:05:06Z", "created_by": "/bin/sh -c #(nop) ADD file:abc in /"},
                {"created": "2024-02-03T04:05:07+02:00", "created_by": "CMD [\"sh\"]", "empty_layer": True,
                 "comment": "buildkit"}]}
put("fuzz_image_config", "config", json.dumps(config, indent=1))
put("fuzz_image_config", "minimal", '{"rootfs":{"type":"layers","diff_ids":[]}}')
put("fuzz_image_config", "nulls", '{"config":null,"created":null,"history":null,"architecture":"arm64","variant":"v8"}')

# registries.conf
put("fuzz_registries_conf", "v2", '''# comment
unqualified-search-registries = ["registry.fedoraproject.org", 'quay.io', # trailing comment
   "docker.io",
]
short-name-mode = "enforcing"

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true
blocked = false

[[registry.mirror]]
location = "mirror-1.example.com/bar"
[[registry.mirror]]
location = "mirror-2.example.com/bar"
insecure = false

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
prefix = "*.example.org"
blocked = true

[aliases]
"fedora" = "registry.fedoraproject.org/fedora"
'ubi8' = "registry.access.redhat.com/ubi8"
"my/app" = "quay.io/me/app:v1"
''')
put("fuzz_registries_conf", "v1", '''[registries.search]
registries = ['docker.io', "quay.io"]

[registries.insecure]
registries = ["localhost:5000"]

[registries.block]
registries = []
''')
put("fuzz_registries_conf", "scalars", 'a = 1\nb = -42\nc = true\nd = "x\\u00e9\\t\\"q\\""\ne = [1, [2, 3], "s"]\n"quoted key" = \'lit\'\n')

# auth.json
put("fuzz_auth_file", "auths", json.dumps({"auths": {
    "quay.io": {"auth": "dXNlcjpwYXNz"},
    "quay.io/ns": {"auth": "bnM6c2VjcmV0"},
    "https://index.docker.io/v1/": {"auth": "ZG9ja2VyOmh1Yg=="},
    "127.0.0.1:5000": {"identitytoken": "tok"},
    "helper.example.com": {},
    "registry-1.docker.io/library/busybox": {"auth": "YjpjOmQ="}},
    "credHelpers": {"gcr.io": "gcloud"}}, indent="\t"))
put("fuzz_auth_file", "empty", "")
put("fuzz_auth_file", "bad-auth", '{"auths":{"x.io":{"auth":"!!!!"},"y.io":{"auth":"bm9jb2xvbg=="},"z.io":{"auth":5}}}')
put("fuzz_auth_file", "base64", "dXNlcjpwYXNz")

# WWW-Authenticate
for i, h in enumerate(['Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
        'Basic realm="Registry Realm"', 'basic realm=x, Bearer realm="http://127.0.0.1:5001/token",error="invalid_token"',
        'Bearer realm="a\\"b,c", scope="repository:x:pull,push"', 'Negotiate abc==, Basic realm=y',
        'Bearer', 'Bearer realm="unterminated']):
    put("fuzz_www_auth", f"h{i}", h)

# k8s-file logs
put("fuzz_k8s_log", "lines", '''2024-01-02T03:04:05.123456789+00:00 stdout F hello
2024-01-02T03:04:05.223456789+00:00 stderr P partial 
2024-01-02T03:04:05.323456789+00:00 stdout P abc
2024-01-02T03:04:05.423456789+00:00 stderr F line
2024-01-02T03:04:05.523456789+00:00 stdout F def
2024-01-02T03:04:06-07:00 stdout F
2024-01-02T03:04:06Z stdout F 
not a record
2024-01-02T03:04:07.000000001+05:30 stdout P trailing partial''')
put("fuzz_k8s_log", "chunk", "raw chunk\nwith two lines\nand a tail")

# --format templates
for i, t in enumerate(["{{.Names}} {{json .}} {{range .Mounts}}{{.Source}}{{end}}",
        "table {{.ID}}\\t{{.Image}}\\t{{.State}}", "{{if .Up}}up{{else if .Empty}}e{{else}}down{{end}}",
        "{{range $i, $m := .Mounts}}{{$i}}={{$m.Destination}}{{end}}", '{{printf "%-10s|%5.2f|%x" .Names .Ratio .Pid}}',
        "{{join .Tags \",\"}} {{len .Ports}} {{index .Labels \"app\"}} {{index .Tags 1}}",
        "{{upper .Names | lower}} {{truncate .ID 12}} {{pad .Names 8 \" \"}}",
        "{{with .Config}}{{.Image}}{{end}} {{.Config.Healthcheck.Retries}}",
        '{{- /* comment */ -}} {{eq .State "running"}} {{and .Up (not .Empty)}} {{or .Nothing "x"}}',
        '{{$x := .Names}}{{$x = "y"}}{{$x}} {{split .Image "/"}} {{replace .Names "w" "W" -1}}',
        "{{range .Labels}}{{.}}{{else}}none{{end}}", "{{json .Labels}} {{.Unicode}} {{title .State}}",
        "{{println .Big .Neg .Huge}}{{print 1 2.5 true nil}}", "{{ .Missing.Deeper }}{{.Names.Foo}}"]):
    put("fuzz_template", f"t{i}", t)

# shim protocol: first byte picks the decoder (see fuzz_shim_protocol.cpp)
for i, (k, body) in enumerate([(0, '{"pid":1234,"shimPid":1220}\n'),
        (0, '{"error":"runc create failed: x","runtimeStderr":"y"}'),
        (1, '{"exitCode":137,"signal":9,"exitedAt":1700000000123456789,"oomKilled":true,"reason":"killed"}'),
        (2, '{"op":"attach","stdin":true,"stdout":true,"stderr":false}'), (2, '{"op":"kill","signal":15}'),
        (2, '{"op":"resize","rows":24,"cols":80}'), (2, '{"op":"wait"}'),
        (2, '{"op":"exec","process":{"args":["sh"],"env":["A=1"],"cwd":"/","terminal":true},"tty":true,"stdin":true,"detach":false,"rows":40,"cols":120}'),
        (3, '{"ok":true}'), (3, '{"error":"no such container"}'), (4, '{"ok":true,"pid":77}')]):
    put("fuzz_shim_protocol", f"p{i}", bytes([k]) + body.encode())
argv = ["--id", "abc", "--bundle", "/b", "--runtime", "/usr/bin/runc", "--runtime-root", "/run/r", "--log-path", "/l",
        "--exit-file", "/e", "--socket-dir", "/s", "--sync-fd", "3", "--stdin", "--terminal", "--start",
        "--attach-fd", "5", "--runtime-arg", "--debug", "--", "conman", "container", "cleanup", "abc"]
put("fuzz_shim_protocol", "argv", bytes([5]) + "\0".join(argv).encode())

# env files
put("fuzz_env_file", "env", "# comment\n\nA=1\n  B=x y \nHOME\nCONMAN_FUZZ_UNSET\nC=a=b\r\nD=\"quoted\"\n\tE='single'\n")
put("fuzz_env_file", "bad", "A=1\n=oops\n")
put("fuzz_env_file", "space", "B = x\n")
