#include <catch2/catch.hpp>

#include <sys/utsname.h>

#include "conman/error.hpp"
#include "conman/manifest.hpp"

using namespace conman;

namespace {
std::string dg(char c) { return "sha256:" + std::string(64, c); }

std::string manifest_error(std::string_view body, std::string_view ct) {
    try {
        parse_manifest(body, ct);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}

std::string config_error(std::string_view body) {
    try {
        parse_image_config(body);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}

const std::string oci_manifest_body = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": ")" + dg('c') + R"(", "size": 1469},
  "layers": [
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ")" + dg('1') + R"(", "size": 2240000,
     "annotations": {"io.containers.zstd-chunked.manifest-position": "1:2:3"}},
    {"mediaType": "application/vnd.oci.image.layer.v1.tar+zstd", "digest": ")" + dg('2') + R"(", "size": 0},
    {"mediaType": "application/vnd.in-toto+json", "digest": ")" + dg('3') + R"(", "size": 12, "futureField": true}
  ],
  "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
  "unknownTopLevel": {"x": 1}
})";

const std::string docker_manifest_body = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
  "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023, "digest": ")" + dg('a') + R"("},
  "layers": [
    {"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654, "digest": ")" + dg('b') + R"("},
    {"mediaType": "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", "size": 1024, "digest": ")" + dg('d') + R"(",
     "urls": ["https://example.com/base.tar.gz"]}
  ]
})";

// Like the multiarch:latest fixture: arm64/v8 first, then amd64, then an attestation.
const std::string multiarch_index = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + dg('1') + R"(", "size": 500,
     "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + dg('2') + R"(", "size": 501,
     "platform": {"architecture": "amd64", "os": "linux"}},
    {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": ")" + dg('3') + R"(", "size": 566,
     "platform": {"architecture": "unknown", "os": "unknown"},
     "annotations": {"vnd.docker.reference.digest": ")" + dg('1') + R"(", "vnd.docker.reference.type": "attestation-manifest"}}
  ]
})";
}  // namespace

TEST_CASE("accept header lists the four manifest types") {
    std::string a = accept_header();
    for (auto t : {media_type::oci_index, media_type::oci_manifest, media_type::docker_manifest_list, media_type::docker_manifest})
        CHECK_THAT(a, Catch::Contains(std::string(t)));
    CHECK_THAT(a, !Catch::Contains("v1+prettyjws"));
    CHECK(a.find('\n') == std::string::npos);
}

TEST_CASE("OCI image manifest") {
    ParsedManifest p = parse_manifest(oci_manifest_body, "application/vnd.oci.image.manifest.v1+json");
    REQUIRE_FALSE(p.is_index);
    const Manifest& m = p.manifest;
    CHECK(m.media_type == media_type::oci_manifest);
    CHECK(m.config.media_type == media_type::oci_config);
    CHECK(m.config.digest == dg('c'));
    CHECK(m.config.size == 1469);
    REQUIRE(m.layers.size() == 3);
    CHECK(m.layers[0].media_type == media_type::oci_layer_gzip);
    CHECK(m.layers[0].size == 2240000);
    CHECK(m.layers[0].annotations.at("io.containers.zstd-chunked.manifest-position") == "1:2:3");
    CHECK(m.layers[1].size == 0);
    CHECK(m.layers[2].media_type == "application/vnd.in-toto+json");  // unknown layer types parse
    CHECK(m.annotations.at("org.opencontainers.image.created") == "2024-01-01T00:00:00Z");
}

TEST_CASE("Docker schema2 manifest with a foreign layer") {
    ParsedManifest p = parse_manifest(docker_manifest_body, "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8");
    REQUIRE_FALSE(p.is_index);
    CHECK(p.manifest.media_type == media_type::docker_manifest);
    CHECK(p.manifest.config.media_type == media_type::docker_config);
    REQUIRE(p.manifest.layers.size() == 2);
    CHECK(p.manifest.layers[0].media_type == media_type::docker_layer_gzip);
    CHECK(p.manifest.layers[1].media_type == media_type::docker_foreign_layer_gzip);
    CHECK(p.manifest.layers[1].urls == std::vector<std::string>{"https://example.com/base.tar.gz"});
}

TEST_CASE("the manifest type comes from Content-Type, then mediaType, then the shape") {
    struct Row {
        std::string body, ct, type;
        bool index;
    };
    std::string no_mt_manifest = R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + dg('a') +
                                 R"(","size":1},"layers":[]})";
    std::string no_mt_index = R"({"schemaVersion":2,"manifests":[]})";
    std::vector<Row> rows = {
        {oci_manifest_body, "application/vnd.oci.image.manifest.v1+json", std::string(media_type::oci_manifest), false},
        {oci_manifest_body, "", std::string(media_type::oci_manifest), false},
        {oci_manifest_body, "application/json", std::string(media_type::oci_manifest), false},
        {oci_manifest_body, "text/plain; charset=utf-8", std::string(media_type::oci_manifest), false},
        {docker_manifest_body, "application/octet-stream", std::string(media_type::docker_manifest), false},
        {docker_manifest_body, " Application/VND.Docker.Distribution.Manifest.V2+JSON ", std::string(media_type::docker_manifest), false},
        {multiarch_index, "application/vnd.oci.image.index.v1+json", std::string(media_type::oci_index), true},
        {multiarch_index, "", std::string(media_type::oci_index), true},
        {no_mt_manifest, "application/vnd.docker.distribution.manifest.v2+json", std::string(media_type::docker_manifest), false},
        {no_mt_manifest, "application/json", std::string(media_type::oci_manifest), false},
        {no_mt_index, "", std::string(media_type::oci_index), true},
        {no_mt_index, "application/vnd.docker.distribution.manifest.list.v2+json", std::string(media_type::docker_manifest_list), true},
    };
    for (const auto& r : rows) {
        INFO(r.ct << " " << r.body.substr(0, 60));
        ParsedManifest p = parse_manifest(r.body, r.ct);
        CHECK(p.is_index == r.index);
        CHECK((r.index ? p.index.media_type : p.manifest.media_type) == r.type);
    }
}

TEST_CASE("invalid manifests are refused with a reason") {
    std::string cfg = R"("config":{"mediaType":"x","digest":")" + dg('a') + R"(","size":1})";
    auto layer = [](const std::string& fields) { return R"({"schemaVersion":2,"config":{"mediaType":"x","digest":")" + dg('a') + R"(","size":1},"layers":[)" + fields + "]}"; };
    std::string ok_layer = R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":5})";
    struct Row {
        std::string body, ct, reason;
    };
    std::vector<Row> rows = {
        {R"({"schemaVersion":1,"name":"x","tag":"latest","fsLayers":[]})", "", "manifest: schema1 manifests are not supported"},
        {R"({"schemaVersion":1})", "application/vnd.docker.distribution.manifest.v1+prettyjws", "schema1 manifests are not supported"},
        {"not even json", "application/vnd.docker.distribution.manifest.v1+json", "schema1 manifests are not supported"},
        {R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v1+json"})", "", "schema1 manifests are not supported"},
        {docker_manifest_body, "application/vnd.oci.image.manifest.v1+json",
         "manifest: media type mismatch: Content-Type is \"application/vnd.oci.image.manifest.v1+json\" but the body says "
         "\"application/vnd.docker.distribution.manifest.v2+json\""},
        {multiarch_index, "application/vnd.oci.image.manifest.v1+json", "media type mismatch"},
        {oci_manifest_body, "application/vnd.oci.image.index.v1+json", "media type mismatch"},
        {oci_manifest_body, "application/vnd.oci.image.config.v1+json", "unsupported media type \"application/vnd.oci.image.config.v1+json\""},
        {R"({"schemaVersion":2,"mediaType":"application/vnd.oci.artifact.manifest.v1+json"})", "", "unsupported media type"},
        {R"({"schemaVersion":2})", "", "cannot tell the media type"},
        {"{", "", "manifest: invalid JSON"},
        {"[]", "", "manifest: top level must be a JSON object"},
        {"{" + cfg + R"(,"layers":[]})", "", "schemaVersion is missing"},
        {R"({"schemaVersion":"2",)" + cfg + R"(,"layers":[]})", "", "schemaVersion must be an integer"},
        {R"({"schemaVersion":3,)" + cfg + R"(,"layers":[]})", "", "unsupported schemaVersion 3"},
        {R"({"schemaVersion":2,"mediaType":5,)" + cfg + "}", "", "mediaType must be a string"},
        {R"({"schemaVersion":2,"layers":[]})", std::string(media_type::oci_manifest), "manifest: config is missing"},
        {R"({"schemaVersion":2,)" + cfg + "}", "", "manifest: layers is missing"},
        {R"({"schemaVersion":2,)" + cfg + R"(,"layers":{}})", "", "manifest: layers must be an array"},
        {R"({"schemaVersion":2,"manifests":{}})", "", "manifest: manifests must be an array"},
        {layer(ok_layer + ",5"), "", "manifest: layers[1] must be an object"},
        {layer(R"({"digest":")" + dg('b') + R"(","size":5})"), "", "manifest: layers[0].mediaType is missing"},
        {layer(R"({"mediaType":"l","size":5})"), "", "manifest: layers[0].digest is missing"},
        {layer(R"({"mediaType":"l","digest":"sha256:abc","size":5})"), "", "layers[0].digest \"sha256:abc\" is not a sha256 digest"},
        {layer(R"({"mediaType":"l","digest":"sha512:)" + std::string(128, 'a') + R"(","size":5})"), "", "is not a sha256 digest"},
        {layer(R"({"mediaType":"l","digest":")" + dg('A') + R"(","size":5})"), "", "is not a sha256 digest"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"("})"), "", "manifest: layers[0].size is missing"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":-1})"), "", "layers[0].size must be a non-negative integer, not -1"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":1.5})"), "", "layers[0].size must be a non-negative integer"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":"5"})"), "", "layers[0].size must be a non-negative integer"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":18446744073709551615})"), "", "layers[0].size is too large"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":1,"urls":"x"})"), "", "layers[0].urls must be an array of strings"},
        {layer(R"({"mediaType":"l","digest":")" + dg('b') + R"(","size":1,"annotations":{"a":1}})"), "", "layers[0].annotations must be an object of strings"},
        {R"({"schemaVersion":2,"manifests":[{"mediaType":"m","digest":")" + dg('b') + R"(","size":1,"platform":{"os":"linux"}}]})", "",
         "manifest: manifests[0].platform.architecture is missing"},
        {R"({"schemaVersion":2,"manifests":[{"mediaType":"m","digest":")" + dg('b') + R"(","size":1,"platform":"linux/amd64"}]})", "",
         "manifests[0].platform must be an object"},
    };
    for (const auto& r : rows) {
        INFO(r.ct << " " << r.body);
        std::string msg = manifest_error(r.body, r.ct);
        CHECK_THAT(msg, Catch::Contains(r.reason));
        CHECK_THAT(msg, Catch::StartsWith("manifest: "));
        CHECK(msg.find('\n') == std::string::npos);
    }
}

TEST_CASE("platform selection from the multiarch index") {
    ParsedManifest p = parse_manifest(multiarch_index, "application/vnd.oci.image.index.v1+json");
    REQUIRE(p.is_index);
    REQUIRE(p.index.manifests.size() == 3);
    REQUIRE(p.index.manifests[0].platform);
    CHECK(p.index.manifests[0].platform->string() == "linux/arm64/v8");
    struct Row {
        Platform want;
        std::string digest;  // "" = none
    };
    std::vector<Row> rows = {
        {{"linux", "amd64", ""}, dg('2')},
        {{"linux", "arm64", ""}, dg('1')},    // "" and v8 match each other
        {{"linux", "arm64", "v8"}, dg('1')},
        {{"linux", "arm64", "v9"}, ""},
        {{"linux", "amd64", "v3"}, ""},
        {{"linux", "arm", "v7"}, ""},
        {{"windows", "amd64", ""}, ""},
        {{"unknown", "unknown", ""}, ""},   // attestations are never selected
        {{"linux", "s390x", ""}, ""},
    };
    for (const auto& r : rows) {
        INFO(r.want.string());
        const Descriptor* d = select_platform(p.index, r.want);
        CHECK((d ? d->digest : std::string()) == r.digest);
    }
}

TEST_CASE("platform selection: variants, order, skipped entries") {
    auto entry = [](char c, std::string mt, Platform pl, std::map<std::string, std::string> ann = {}) {
        Descriptor d;
        d.media_type = std::move(mt);
        d.digest = dg(c);
        d.size = 1;
        d.platform = std::move(pl);
        d.annotations = std::move(ann);
        return d;
    };
    const std::string om(media_type::oci_manifest), dm(media_type::docker_manifest);
    Index idx;
    idx.media_type = std::string(media_type::oci_index);
    idx.manifests = {
        entry('0', std::string(media_type::oci_index), {"linux", "amd64", ""}),          // nested index: skipped
        entry('1', "application/vnd.example.unknown", {"linux", "amd64", ""}),          // unknown type: skipped
        entry('2', om, {"linux", "amd64", ""}, {{"vnd.docker.reference.type", "attestation-manifest"}}),
        entry('3', dm, {"linux", "amd64", ""}),
        entry('4', om, {"linux", "amd64", ""}),                                          // later duplicate: not chosen
        entry('5', om, {"linux", "arm", "v6"}),
        entry('6', om, {"linux", "arm", "v7"}),
        entry('7', om, {"linux", "arm", ""}),
        entry('8', om, {"linux", "arm64", ""}),
        entry('9', om, {"linux", "ppc64le", "power9"}),
    };
    Descriptor no_platform;
    no_platform.media_type = om;
    no_platform.digest = dg('f');
    idx.manifests.insert(idx.manifests.begin(), no_platform);
    struct Row {
        Platform want;
        std::string digest;
    };
    std::vector<Row> rows = {
        {{"linux", "amd64", ""}, dg('3')},
        {{"linux", "arm", "v8"}, dg('6')},  // v8 cpu runs v7 (best available below it)
        {{"linux", "arm", "v7"}, dg('6')},  // exact variant beats an earlier v6
        {{"linux", "arm", ""}, dg('6')},    // arm without variant means v7
        {{"linux", "arm", "v6"}, dg('5')},
        {{"linux", "arm", "v5"}, dg('7')},  // only the variant-less entry is compatible
        {{"linux", "arm64", "v8"}, dg('8')},
        {{"linux", "ppc64le", ""}, dg('9')},  // no wanted variant: any
        {{"linux", "ppc64le", "power9"}, dg('9')},
        {{"linux", "ppc64le", "power8"}, ""},
    };
    for (const auto& r : rows) {
        INFO(r.want.string());
        const Descriptor* d = select_platform(idx, r.want);
        CHECK((d ? d->digest : std::string()) == r.digest);
    }
}

TEST_CASE("host platform and --platform parsing") {
    Platform h = host_platform();
    CHECK(h.os == "linux");
    CHECK_FALSE(h.architecture.empty());
    struct utsname u {};
    ::uname(&u);
    if (std::string(u.machine) == "x86_64") CHECK(h == Platform{"linux", "amd64", ""});
    if (std::string(u.machine) == "aarch64") CHECK(h == Platform{"linux", "arm64", ""});

    CHECK(parse_platform("linux/arm64/v8") == Platform{"linux", "arm64", "v8"});
    CHECK(parse_platform("linux/amd64") == Platform{"linux", "amd64", ""});
    CHECK(parse_platform("linux/amd64").string() == "linux/amd64");
    for (std::string bad : {"linux", "linux/", "/amd64", "linux/arm/v7/x", "", "linux//v7"}) {
        INFO(bad);
        CHECK_THROWS_WITH(parse_platform(bad), Catch::Contains("expected os/arch[/variant]"));
    }
}

TEST_CASE("manifest and index serialisation is canonical and round-trips") {
    Manifest m;
    m.config = Descriptor{std::string(media_type::oci_config), dg('c'), 42, {}, std::nullopt, {}};
    m.layers.push_back(Descriptor{std::string(media_type::oci_layer_gzip), dg('1'), 100, {}, std::nullopt, {{"k", "v"}}});
    m.layers.push_back(Descriptor{std::string(media_type::oci_layer_tar), dg('2'), 0, {"https://x/y"}, std::nullopt, {}});
    std::string s = serialize_manifest(m);
    CHECK(s == R"({"config":{"digest":")" + dg('c') + R"(","mediaType":"application/vnd.oci.image.config.v1+json","size":42},)"
               R"("layers":[{"annotations":{"k":"v"},"digest":")" + dg('1') + R"(","mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","size":100},)"
               R"({"digest":")" + dg('2') + R"(","mediaType":"application/vnd.oci.image.layer.v1.tar","size":0,"urls":["https://x/y"]}],)"
               R"("mediaType":"application/vnd.oci.image.manifest.v1+json","schemaVersion":2})");
    ParsedManifest back = parse_manifest(s, media_type::oci_manifest);
    m.media_type = std::string(media_type::oci_manifest);
    CHECK(back.manifest == m);
    m.annotations["a"] = "b";
    CHECK(parse_manifest(serialize_manifest(m), "").manifest == m);

    Index idx;
    idx.manifests.push_back(Descriptor{std::string(media_type::oci_manifest), dg('1'), 7, {}, Platform{"linux", "arm64", "v8"}, {}});
    idx.manifests.push_back(Descriptor{std::string(media_type::oci_manifest), dg('2'), 8, {}, Platform{"linux", "amd64", ""}, {}});
    std::string si = serialize_index(idx);
    CHECK(si == R"({"manifests":[{"digest":")" + dg('1') + R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                R"("platform":{"architecture":"arm64","os":"linux","variant":"v8"},"size":7},)"
                R"({"digest":")" + dg('2') + R"(","mediaType":"application/vnd.oci.image.manifest.v1+json",)"
                R"("platform":{"architecture":"amd64","os":"linux"},"size":8}],)"
                R"("mediaType":"application/vnd.oci.image.index.v1+json","schemaVersion":2})");
    ParsedManifest bi = parse_manifest(si, "");
    REQUIRE(bi.is_index);
    idx.media_type = std::string(media_type::oci_index);
    CHECK(bi.index == idx);
}

TEST_CASE("image config fields") {
    std::string body = R"({
      "architecture": "arm64", "os": "linux", "variant": "v8", "author": "me",
      "created": "2024-03-01T12:00:00.5Z",
      "config": {
        "User": "app:app", "Env": ["PATH=/usr/bin", "A=b=c"], "Entrypoint": ["/entry.sh"], "Cmd": ["run", "--x"],
        "WorkingDir": "/srv", "StopSignal": "SIGQUIT", "Labels": {"l1": "v1", "l2": ""},
        "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}, "Volumes": {"/data": {}}, "Healthcheck": {"Test": ["NONE"]}
      },
      "rootfs": {"type": "layers", "diff_ids": [")" + dg('1') + R"(", ")" + dg('2') + R"("]},
      "history": [
        {"created": "2024-03-01T11:00:00Z", "created_by": "ADD file", "comment": "base"},
        {"created_by": "ENV A=b", "empty_layer": true},
        {"created": "garbage", "created_by": "RUN x"}
      ],
      "unknown": 1
    })";
    ImageConfig c = parse_image_config(body);
    CHECK(c.architecture == "arm64");
    CHECK(c.os == "linux");
    CHECK(c.variant == "v8");
    CHECK(c.author == "me");
    CHECK(c.created == 1709294400500000000LL);
    CHECK(c.config.user == "app:app");
    CHECK(c.config.env == std::vector<std::string>{"PATH=/usr/bin", "A=b=c"});
    CHECK(c.config.entrypoint == std::vector<std::string>{"/entry.sh"});
    CHECK(c.config.cmd == std::vector<std::string>{"run", "--x"});
    CHECK(c.config.working_dir == "/srv");
    CHECK(c.config.stop_signal == "SIGQUIT");
    CHECK(c.config.labels == std::map<std::string, std::string>{{"l1", "v1"}, {"l2", ""}});
    CHECK(c.config.exposed_ports == std::vector<std::string>{"53/udp", "8080/tcp"});
    CHECK(c.config.volumes == std::vector<std::string>{"/data"});
    CHECK(c.diff_ids == std::vector<std::string>{dg('1'), dg('2')});
    REQUIRE(c.history.size() == 3);
    CHECK(c.history[0].created == 1709290800000000000LL);
    CHECK(c.history[0].created_by == "ADD file");
    CHECK(c.history[0].comment == "base");
    CHECK_FALSE(c.history[0].empty_layer);
    CHECK(c.history[1].empty_layer);
    CHECK(c.history[1].created == 0);
    CHECK(c.history[2].created == 0);  // unparsable dates read as 0
    CHECK(c.raw == body);
}

TEST_CASE("image config: missing and null fields take defaults") {
    ImageConfig c = parse_image_config(R"({"config": null, "rootfs": {"diff_ids": null}, "history": null, "os": null})");
    CHECK(c.os.empty());
    CHECK(c.config.cmd.empty());
    CHECK(c.diff_ids.empty());
    CHECK(c.history.empty());
    ImageConfig e = parse_image_config("{}");
    CHECK(e.created == 0);
    CHECK(e.config.labels.empty());
    ImageConfig n = parse_image_config(R"({"config": {"Env": null, "Cmd": null, "Labels": null, "ExposedPorts": null}})");
    CHECK(n.config.env.empty());
    CHECK(n.raw == R"({"config": {"Env": null, "Cmd": null, "Labels": null, "ExposedPorts": null}})");
}

TEST_CASE("image config: wrong types are clear errors") {
    struct Row {
        std::string body, reason;
    };
    std::vector<Row> rows = {
        {"", "image config: invalid JSON"},
        {"[1]", "image config: top level must be a JSON object"},
        {R"({"architecture": 5})", "image config: architecture must be a string"},
        {R"({"created": 1700000000})", "image config: created must be a string"},
        {R"({"config": []})", "image config: config must be an object"},
        {R"({"config": {"Env": "PATH=/bin"}})", "image config: config.Env must be an array of strings"},
        {R"({"config": {"Cmd": ["a", 1]}})", "image config: config.Cmd must be an array of strings"},
        {R"({"config": {"Entrypoint": "sh"}})", "config.Entrypoint must be an array of strings"},
        {R"({"config": {"User": 0}})", "config.User must be a string"},
        {R"({"config": {"Labels": {"a": 1}}})", "config.Labels must be an object of strings"},
        {R"({"config": {"ExposedPorts": ["80/tcp"]}})", "config.ExposedPorts must be an object"},
        {R"({"config": {"Volumes": "/data"}})", "config.Volumes must be an object"},
        {R"({"rootfs": {"type": "other", "diff_ids": []}})", "rootfs.type must be \"layers\", not \"other\""},
        {R"({"rootfs": {"diff_ids": "x"}})", "rootfs.diff_ids must be an array of strings"},
        {R"({"rootfs": {"diff_ids": [")" + dg('1') + R"(", "sha256:short"]}})", "rootfs.diff_ids[1] \"sha256:short\" is not a sha256 digest"},
        {R"({"history": {}})", "image config: history must be an array"},
        {R"({"history": [1]})", "image config: history[0] must be an object"},
        {R"({"history": [{}, {"empty_layer": "true"}]})", "image config: history[1].empty_layer must be a boolean"},
        {R"({"history": [{"created_by": ["x"]}]})", "history[0].created_by must be a string"},
    };
    for (const auto& r : rows) {
        INFO(r.body);
        std::string msg = config_error(r.body);
        CHECK_THAT(msg, Catch::Contains(r.reason));
        CHECK(msg.find('\n') == std::string::npos);
    }
}

TEST_CASE("chain ids match sha256sum") {
    // diff_ids = sha256 of "layer-a", "layer-b", "layer-c"; expected values from
    // printf '%s %s' "$A" "$B" | sha256sum (and so on).
    const std::vector<std::string> ids = {
        "sha256:589f0d58b9053a4ff7329b8fdb4f9dd120e29354c086ad0b3b10733f6cfd6de3",
        "sha256:55fea2a37a9fc5963f1beccd0d162b856e6bd05ca07cdd3726847846ab740f0d",
        "sha256:e6c65c655ca8172ab7a2b634dab3220a45472dd6571b6efd956ccc05e229a201",
    };
    CHECK(chain_id(ids, 0).empty());
    CHECK(chain_id(ids, 1) == ids[0]);
    CHECK(chain_id(ids, 2) == "sha256:267c5fd16af60e52927fabf0a36a31f3b5a2069347f7f00c7bd7f93f6ebc01f4");
    CHECK(chain_id(ids, 3) == "sha256:82c0ed5f6c15be9b9180a8c04b9f2c676d74af6db13c711f5bb47a0fa43b56df");
    // The chain of a prefix does not depend on later layers.
    CHECK(chain_id({ids[0], ids[1]}, 2) == chain_id(ids, 2));
    CHECK_THROWS_WITH(chain_id(ids, 4), "chain id: 4 layers requested but the image has 3");
}
