#include <catch2/catch.hpp>

#include "conman/error.hpp"
#include "conman/image_ref.hpp"

using namespace conman;

namespace {
const std::string hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const std::string dgst = "sha256:" + hex64;

std::string error_of(std::string_view s) {
    try {
        parse_image_ref(s);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}
}  // namespace

TEST_CASE("image references normalise like Docker's") {
    struct Row {
        std::string in, registry, repository, tag, digest, string;
    };
    std::vector<Row> rows = {
        {"busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
        {"busybox:1.36", "docker.io", "library/busybox", "1.36", "", "docker.io/library/busybox:1.36"},
        {"library/busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
        {"user/app", "docker.io", "user/app", "latest", "", "docker.io/user/app:latest"},
        {"docker.io/busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
        {"index.docker.io/busybox", "docker.io", "library/busybox", "latest", "", "docker.io/library/busybox:latest"},
        {"index.docker.io/user/app:v1", "docker.io", "user/app", "v1", "", "docker.io/user/app:v1"},
        {"docker.io/library/busybox:latest", "docker.io", "library/busybox", "latest", "",
         "docker.io/library/busybox:latest"},
        {"127.0.0.1:5000/busybox", "127.0.0.1:5000", "busybox", "latest", "", "127.0.0.1:5000/busybox:latest"},
        {"127.0.0.1:5000/library/busybox", "127.0.0.1:5000", "library/busybox", "latest", "",
         "127.0.0.1:5000/library/busybox:latest"},
        {"localhost/busybox", "localhost", "busybox", "latest", "", "localhost/busybox:latest"},
        {"localhost:5000/nested/deep/path/busybox:t", "localhost:5000", "nested/deep/path/busybox", "t", "",
         "localhost:5000/nested/deep/path/busybox:t"},
        {"quay.io/podman/hello", "quay.io", "podman/hello", "latest", "", "quay.io/podman/hello:latest"},
        {"[::1]:5000/busybox:x", "[::1]:5000", "busybox", "x", "", "[::1]:5000/busybox:x"},
        {"Registry/app", "Registry", "app", "latest", "", "Registry/app:latest"},
        {"busybox@" + dgst, "docker.io", "library/busybox", "", dgst, "docker.io/library/busybox@" + dgst},
        {"busybox:1.36@" + dgst, "docker.io", "library/busybox", "1.36", dgst,
         "docker.io/library/busybox:1.36@" + dgst},
        {"a.b/c_d/e__f/g-h/i---j/k.l:T_a.g-1", "a.b", "c_d/e__f/g-h/i---j/k.l", "T_a.g-1", "",
         "a.b/c_d/e__f/g-h/i---j/k.l:T_a.g-1"},
        {"localhost:5000", "docker.io", "library/localhost", "5000", "", "docker.io/library/localhost:5000"},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        ImageRef ref = parse_image_ref(r.in);
        CHECK(ref.registry == r.registry);
        CHECK(ref.repository == r.repository);
        CHECK(ref.tag == r.tag);
        CHECK(ref.digest == r.digest);
        CHECK(ref.string() == r.string);
        CHECK(ref.name() == r.registry + "/" + r.repository);
        // string() parses back to the same reference.
        CHECK(parse_image_ref(ref.string()) == ref);
    }
}

TEST_CASE("api host of docker.io is registry-1.docker.io") {
    CHECK(parse_image_ref("busybox").api_host() == "registry-1.docker.io");
    CHECK(parse_image_ref("index.docker.io/busybox").api_host() == "registry-1.docker.io");
    CHECK(parse_image_ref("127.0.0.1:5000/x").api_host() == "127.0.0.1:5000");
    CHECK(parse_image_ref("quay.io/x/y").api_host() == "quay.io");
}

TEST_CASE("invalid image references are usage errors with a reason") {
    struct Row {
        std::string in, reason;
    };
    std::vector<Row> rows = {
        {"", "empty name"},
        {"Busybox", "must be lowercase"},
        {"user/App", "must be lowercase"},
        {"quay.io/User/app", "must be lowercase"},
        {"busybox:", "invalid tag"},
        {"busybox:-x", "invalid tag"},
        {"busybox:.x", "invalid tag"},
        {"busybox:a/b", "invalid registry"},  // a ":" before the first "/" makes it a host
        {"busybox:" + std::string(129, 'a'), "invalid tag"},
        {"busybox:a b", "invalid tag"},
        {"busybox@", "invalid digest"},
        {"busybox@sha256:abc", "invalid digest"},
        {"busybox@sha256:" + std::string(64, 'A'), "invalid digest"},
        {"busybox@sha256:" + hex64 + "0", "invalid digest"},
        {"busybox@sha512:" + hex64 + hex64, "unsupported digest algorithm \"sha512\""},
        {"busybox@" + hex64, "invalid digest"},
        {hex64, "image ID"},
        {"a..b/c", "invalid registry"},
        {"-a.b/c", "invalid registry"},
        {"a.b:/c", "invalid registry"},
        {"a.b:5x/c", "invalid registry"},
        {"[zz]:5000/c", "invalid registry"},
        {"quay.io/", "missing repository name"},
        {"quay.io//x", "invalid repository name"},
        {"a/-b", "invalid repository name"},
        {"a/b-", "invalid repository name"},
        {"a/b..c", "invalid repository name"},
        {"a/b___c", "invalid repository name"},
        {"a/b.", "invalid repository name"},
        {"a/.b", "invalid repository name"},
        {"quay.io/" + std::string(248, 'a'), "longer than 255"},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        std::string msg = error_of(r.in);
        CHECK_THAT(msg, Catch::Contains(r.reason));
        CHECK_THAT(msg, Catch::StartsWith("image reference \""));
    }
}

TEST_CASE("name length limit is 255 after normalisation") {
    std::string repo247(247, 'a');  // quay.io/ (8) + 247 = 255
    CHECK(parse_image_ref("quay.io/" + repo247).name().size() == 255);
    CHECK_THROWS_AS(parse_image_ref("quay.io/" + repo247 + "a"), Error);
    // docker.io/library/ is 18 characters: a 237-character short name fits, 238 not.
    CHECK(parse_image_ref(std::string(237, 'b')).name().size() == 255);
    CHECK_THROWS_AS(parse_image_ref(std::string(238, 'b')), Error);
}

TEST_CASE("explicit registry detection") {
    struct Row {
        std::string in;
        bool explicit_registry;
    };
    std::vector<Row> rows = {
        {"busybox", false},
        {"busybox:latest", false},
        {"library/busybox", false},
        {"user/app:v1", false},
        {"docker.io/busybox", true},
        {"localhost/app", true},
        {"localhost:5000/app", true},
        {"127.0.0.1:5000/app", true},
        {"[::1]:5000/app", true},
        {"Host/app", true},
        {"localhost", false},
        {"busybox@" + dgst, false},
        {"quay.io/a/b@" + dgst, true},
    };
    for (const auto& r : rows) {
        INFO(r.in);
        CHECK(has_explicit_registry(r.in) == r.explicit_registry);
    }
}

TEST_CASE("image ID test is exactly 64 lowercase hex") {
    CHECK(looks_like_image_id(hex64));
    CHECK_FALSE(looks_like_image_id(hex64.substr(1)));
    CHECK_FALSE(looks_like_image_id(hex64 + "0"));
    CHECK_FALSE(looks_like_image_id("abc"));
    CHECK_FALSE(looks_like_image_id(std::string(64, 'A')));
    CHECK_FALSE(looks_like_image_id(std::string(63, 'a') + "g"));
    CHECK_FALSE(looks_like_image_id(dgst));
}
