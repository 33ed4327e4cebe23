#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "conman/auth_file.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {
// No Docker fallback unless a test asks for one, so ~/.docker on the machine does not leak in.
AuthFile open_auth(const std::string& path) {
    AuthFile f(path);
    f.set_docker_config("");
    return f;
}

std::string auth_error(const std::string& content, std::string_view registry = "quay.io") {
    TempDir dir;
    std::string path = dir.path + "/auth.json";
    atomic_write(path, content);
    try {
        AuthFile f = open_auth(path);
        f.get(registry);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}

int file_mode(const std::string& path) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}
}  // namespace

TEST_CASE("base64 round trips RFC 4648 test vectors") {
    std::vector<std::pair<std::string, std::string>> vectors = {
        {"", ""},           {"f", "Zg=="},         {"fo", "Zm8="},           {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
        {"user:pa:ss", "dXNlcjpwYTpzcw=="},
        {std::string("\x00\xff\xfe", 3), "AP/+"},
    };
    for (const auto& [plain, encoded] : vectors) {
        INFO(plain);
        CHECK(base64_encode(plain) == encoded);
        auto d = base64_decode(encoded);
        REQUIRE(d);
        CHECK(*d == plain);
    }
}

TEST_CASE("base64 rejects malformed input") {
    for (std::string bad : {"Zg", "Zg=", "Zm9v\n", "Zm 9v", "Z===", "=Zg=", "Zg==Zg==", "Zm9v!A==", "Zm-_", "Zg=a"}) {
        INFO(bad);
        CHECK_FALSE(base64_decode(bad));
    }
}

TEST_CASE("auth file lookups: most specific key wins, docker.io spellings") {
    TempDir dir;
    std::string path = dir.path + "/auth.json";
    atomic_write(path, R"({
      "auths": {
        "quay.io": {"auth": ")" + base64_encode("host:pw") + R"("},
        "quay.io/team": {"auth": ")" + base64_encode("team:pw2") + R"("},
        "quay.io/team/app": {"auth": ")" + base64_encode("app:pw:3") + R"("},
        "https://index.docker.io/v1/": {"auth": ")" + base64_encode("hub:hubpw") + R"("},
        "127.0.0.1:5000": {"auth": ")" + base64_encode("local:") + R"(", "identitytoken": "refresh-me"},
        "helper.io": {},
        "http://old.example.com/v2/": {"auth": ")" + base64_encode("old:o") + R"("}
      },
      "credHelpers": {"gcr.io": "gcloud"}
    })");
    AuthFile f = open_auth(path);
    struct Row {
        std::string registry, repository, user, password;
    };
    std::vector<Row> rows = {
        {"quay.io", "", "host", "pw"},
        {"quay.io", "other/app", "host", "pw"},
        {"quay.io", "team", "team", "pw2"},
        {"quay.io", "team/other", "team", "pw2"},
        {"quay.io", "team/app", "app", "pw:3"},
        {"quay.io", "team/app2", "team", "pw2"},
        {"docker.io", "library/busybox", "hub", "hubpw"},
        {"registry-1.docker.io", "", "hub", "hubpw"},
        {"index.docker.io", "x/y", "hub", "hubpw"},
        {"old.example.com", "a", "old", "o"},
    };
    for (const auto& r : rows) {
        INFO(r.registry << " " << r.repository);
        auto c = f.get(r.registry, r.repository);
        REQUIRE(c);
        CHECK(c->username == r.user);
        CHECK(c->password == r.password);
        CHECK(c->identity_token.empty());
    }
    auto tok = f.get("127.0.0.1:5000", "busybox");
    REQUIRE(tok);
    CHECK(tok->username == "local");
    CHECK(tok->password.empty());
    CHECK(tok->identity_token == "refresh-me");
    CHECK_FALSE(f.get("helper.io"));  // credential-helper entries carry no credentials
    CHECK_FALSE(f.get("gcr.io"));
    CHECK_FALSE(f.get("quay.io.evil.com"));
    CHECK_FALSE(f.get("127.0.0.1:5001"));
}

TEST_CASE("an exact key beats an equivalent spelling") {
    TempDir dir;
    std::string path = dir.path + "/auth.json";
    atomic_write(path, R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + base64_encode("legacy:l") +
                           R"("}, "docker.io": {"auth": ")" + base64_encode("new:n") + R"("}}})");
    AuthFile f = open_auth(path);
    CHECK(f.get("docker.io")->username == "new");
}

TEST_CASE("set, remove and save keep unknown keys and use mode 0600") {
    TempDir dir;
    std::string path = dir.path + "/run/containers/auth.json";
    mkdir_p(dirname_of(path));
    atomic_write(path, R"({"auths": {"quay.io": {"auth": "eDp5", "email": "keep@me"},
                                      "https://index.docker.io/v1/": {"auth": "eDp5"}},
                           "credHelpers": {"gcr.io": "gcloud"}, "x-custom": [1, 2]})");
    AuthFile f = open_auth(path);
    f.set("quay.io", Credentials{"alice", "s3cret", ""});
    f.set("127.0.0.1:5000", Credentials{"bob", "pw", "tok"});
    CHECK(f.remove("docker.io"));  // removes the legacy spelling too
    CHECK_FALSE(f.remove("nothere.io"));
    f.save();
    CHECK(file_mode(path) == 0600);

    auto j = nlohmann::json::parse(read_file(path));
    CHECK(j["credHelpers"]["gcr.io"] == "gcloud");
    CHECK(j["x-custom"] == nlohmann::json::array({1, 2}));
    CHECK(j["auths"]["quay.io"]["email"] == "keep@me");
    CHECK(j["auths"]["quay.io"]["auth"] == base64_encode("alice:s3cret"));
    CHECK(j["auths"]["127.0.0.1:5000"]["identitytoken"] == "tok");
    CHECK_FALSE(j["auths"].contains("https://index.docker.io/v1/"));

    AuthFile again = open_auth(path);
    auto c = again.get("quay.io");
    REQUIRE(c);
    CHECK(c->username == "alice");
    CHECK(c->password == "s3cret");
    CHECK_FALSE(again.get("docker.io"));

    // Dropping the identity token removes the field.
    again.set("127.0.0.1:5000", Credentials{"bob", "pw", ""});
    again.save();
    CHECK_FALSE(nlohmann::json::parse(read_file(path))["auths"]["127.0.0.1:5000"].contains("identitytoken"));
}

TEST_CASE("save creates missing parents 0700 and a fresh file") {
    TempDir dir;
    std::string path = dir.path + "/a/b/auth.json";
    AuthFile f = open_auth(path);
    CHECK_FALSE(f.get("quay.io"));
    f.set("quay.io", Credentials{"u", "p", ""});
    f.save();
    CHECK(file_mode(dir.path + "/a/b") == 0700);
    CHECK(file_mode(path) == 0600);
    CHECK(nlohmann::json::parse(read_file(path))["auths"]["quay.io"]["auth"] == "dTpw");
    // An empty file is the same as a missing one.
    atomic_write(dir.path + "/empty.json", "\n");
    CHECK_FALSE(open_auth(dir.path + "/empty.json").get("quay.io"));
}

TEST_CASE("docker config.json is a read-only fallback") {
    TempDir dir;
    std::string ours = dir.path + "/auth.json";
    std::string docker = dir.path + "/docker/config.json";
    mkdir_p(dir.path + "/docker");
    atomic_write(docker, R"({"auths": {"https://index.docker.io/v1/": {"auth": ")" + base64_encode("dock:er") +
                             R"("}, "quay.io": {"auth": ")" + base64_encode("dq:1") + R"("}}})");
    atomic_write(ours, R"({"auths": {"quay.io": {"auth": ")" + base64_encode("ours:1") + R"("}}})");
    AuthFile f(ours);
    f.set_docker_config(docker);
    CHECK(f.get("quay.io")->username == "ours");
    CHECK(f.get("docker.io", "library/busybox")->username == "dock");
    f.set("other.io", Credentials{"o", "p", ""});
    f.save();
    CHECK_FALSE(nlohmann::json::parse(read_file(ours))["auths"].contains("https://index.docker.io/v1/"));
    f.set_docker_config("");
    CHECK_FALSE(f.get("docker.io"));
}

TEST_CASE("malformed auth files are usage errors naming the file") {
    struct Row {
        std::string content, reason;
    };
    std::vector<Row> rows = {
        {"{", "invalid JSON"},
        {"[]", "top level must be a JSON object"},
        {R"({"auths": []})", "\"auths\" must be an object"},
        {R"({"auths": {"quay.io": "x"}})", "entry \"quay.io\" must be an object"},
        {R"({"auths": {"quay.io": {"auth": 5}}})", "entry \"quay.io\": \"auth\" must be a string"},
        {R"({"auths": {"quay.io": {"auth": "not base64!"}}})", "entry \"quay.io\": \"auth\" is not valid base64"},
        {R"({"auths": {"quay.io": {"auth": "bm9jb2xvbg=="}}})", "\"auth\" must encode \"user:password\""},
        {R"({"auths": {"quay.io": {"auth": "eDp5", "identitytoken": 1}}})", "\"identitytoken\" must be a string"},
    };
    for (const auto& r : rows) {
        INFO(r.content);
        std::string msg = auth_error(r.content);
        CHECK_THAT(msg, Catch::StartsWith("auth file /"));
        CHECK_THAT(msg, Catch::Contains(r.reason));
        CHECK(msg.find('\n') == std::string::npos);
    }
}

TEST_CASE("default auth file path") {
    struct Env {
        const char* name;
        std::optional<std::string> old;
        explicit Env(const char* n) : name(n) {
            if (const char* v = std::getenv(n)) old = v;
        }
        ~Env() {
            if (old) ::setenv(name, old->c_str(), 1);
            else ::unsetenv(name);
        }
    } a("REGISTRY_AUTH_FILE"), b("XDG_RUNTIME_DIR");
    ::setenv("REGISTRY_AUTH_FILE", "/x/auth.json", 1);
    ::setenv("XDG_RUNTIME_DIR", "/run/user/1000", 1);
    CHECK(AuthFile::default_path() == "/x/auth.json");
    ::unsetenv("REGISTRY_AUTH_FILE");
    CHECK(AuthFile::default_path() == "/run/user/1000/containers/auth.json");
    ::unsetenv("XDG_RUNTIME_DIR");
    CHECK(AuthFile::default_path() == fmt::format("/run/containers/{}/auth.json", ::getuid()));
}
