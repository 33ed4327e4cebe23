// login/logout keys (parse_login_target), push destinations
// (push_destination_ref) and AuthFile::remove_all.
#include <catch2/catch.hpp>

#include "conman/auth_file.hpp"
#include "conman/error.hpp"
#include "conman/image_login.hpp"
#include "conman/image_push.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {

void check_target(std::string_view arg, const std::string& key, const std::string& registry, const std::string& repo) {
    INFO(arg);
    LoginTarget t = parse_login_target(arg);
    CHECK(t.key == key);
    CHECK(t.registry == registry);
    CHECK(t.repository == repo);
}

bool usage_error(std::string_view arg) {
    try {
        parse_login_target(arg);
    } catch (const Error& e) {
        return e.kind() == ErrorKind::Usage;
    }
    return false;
}

}  // namespace

TEST_CASE("login targets: hosts, URLs, docker.io spellings, namespaces") {
    check_target("quay.io", "quay.io", "quay.io", "");
    check_target("127.0.0.1:5000", "127.0.0.1:5000", "127.0.0.1:5000", "");
    check_target("localhost", "localhost", "localhost", "");
    check_target("quay.io/", "quay.io", "quay.io", "");
    check_target("https://index.docker.io/v1/", "docker.io", "docker.io", "");
    check_target("http://127.0.0.1:5000/v2/", "127.0.0.1:5000", "127.0.0.1:5000", "");
    check_target("registry-1.docker.io", "docker.io", "docker.io", "");
    check_target("index.docker.io", "docker.io", "docker.io", "");
    check_target("docker.io", "docker.io", "docker.io", "");
    check_target("quay.io/team", "quay.io/team", "quay.io", "team");
    check_target("quay.io/team/app", "quay.io/team/app", "quay.io", "team/app");
    check_target("127.0.0.1:5000/a/b/", "127.0.0.1:5000/a/b", "127.0.0.1:5000", "a/b");
    // The key keeps the path as typed (podman's rule), while the repository is the
    // one requests go to.
    check_target("index.docker.io/busybox", "docker.io/busybox", "docker.io", "library/busybox");
}

TEST_CASE("login targets: what is refused") {
    CHECK(usage_error(""));
    CHECK(usage_error("/quay.io"));
    CHECK(usage_error("https://"));
    CHECK(usage_error("team/app"));  // no host
    CHECK(usage_error("quay.io/team/app:v1"));
    CHECK(usage_error("quay.io/team/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"));
    CHECK(usage_error("quay.io/Team"));
}

TEST_CASE("push destinations: docker:// is stripped, other transports are refused") {
    CHECK(push_destination_ref("") == "");
    CHECK(push_destination_ref("docker://quay.io/a/b:v1") == "quay.io/a/b:v1");
    CHECK(push_destination_ref("127.0.0.1:5000/a:v1") == "127.0.0.1:5000/a:v1");
    CHECK(push_destination_ref("localhost:5000/a") == "localhost:5000/a");
    for (const char* bad : {"oci:/tmp/layout", "dir:/tmp/d", "docker-archive:/tmp/x.tar", "containers-storage:a",
                            "oci-archive:/x", "docker://"}) {
        INFO(bad);
        CHECK_THROWS_AS(push_destination_ref(bad), Error);
    }
}

TEST_CASE("AuthFile::remove_all empties auths and keeps the rest of the document") {
    TempDir dir;
    std::string path = dir.path + "/auth.json";
    atomic_write(path, R"({"auths":{"a.io":{"auth":"eDp5"},"b.io":{"auth":"eDp5"}},"credHelpers":{"c.io":"x"}})");
    AuthFile f(path);
    f.set_docker_config("");
    CHECK(f.remove_all() == 2);
    f.save();
    AuthFile again(path);
    again.set_docker_config("");
    CHECK_FALSE(again.get("a.io"));
    CHECK(read_file(path).find("credHelpers") != std::string::npos);
    CHECK(again.remove_all() == 0);
}
