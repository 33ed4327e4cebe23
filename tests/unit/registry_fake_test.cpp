// RegistryClient protocol corners against scripted servers (http_fake.hpp):
// Bearer tokens (anonymous and with credentials), insufficient_scope, resume
// with Range, restart on 200, digest/size failures, redirects that must not
// carry Authorization, 429 backoff, registry error JSON.
#include <catch2/catch.hpp>
#include <random>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/registry.hpp"
#include "http_fake.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {

RegistryOptions fast_http() {
    RegistryOptions o;
    o.tls_verify = false;
    o.max_retries = 2;
    o.connect_timeout_s = 5;
    o.stall_timeout_s = 5;
    return o;
}

template <typename F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "(no error)";
}

std::string blob_data(size_t n) {
    std::mt19937 rng(7);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

const std::string kManifest = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"})";

// A registry whose /v2/ and manifests need "Bearer tok-N" from its own /token.
struct BearerRegistry {
    std::string realm;
    int issued = 0;
    bool scope_error_once = false;  // first manifest answer: 401 insufficient_scope
    std::string user_basic;         // expected "Basic ..." for credentialed requests
    FakeServer srv{[this](const FakeRequest& r, int fd) { handle(r, fd); }};

    BearerRegistry() { realm = srv.url() + "/token"; }

    void challenge(int fd, const std::string& extra = "") {
        fake_respond(fd, 401, R"({"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]})",
                     {"WWW-Authenticate: Bearer realm=\"" + realm + "\",service=\"fake\"" + extra});
    }
    void handle(const FakeRequest& r, int fd) {
        if (starts_with(r.target, "/token")) {
            if (r.has("authorization") && r.header("authorization") != user_basic) {
                fake_respond(fd, 401, R"({"details":"bad credentials"})");
                return;
            }
            fake_respond(fd, 200, R"({"token":"tok-)" + std::to_string(++issued) + R"(","expires_in":300})");
            return;
        }
        if (!starts_with(r.header("authorization"), "Bearer tok-")) return challenge(fd);
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        if (scope_error_once) {
            scope_error_once = false;
            return challenge(fd, R"(,scope="repository:lib/img:pull,push",error="insufficient_scope")");
        }
        fake_respond(fd, 200, kManifest,
                     {"Content-Type: application/vnd.oci.image.manifest.v1+json",
                      "Docker-Content-Digest: sha256:" + sha256_hex(kManifest)});
    }
    std::vector<FakeRequest> token_requests() {
        std::vector<FakeRequest> out;
        for (auto& r : srv.requests())
            if (starts_with(r.target, "/token")) out.push_back(r);
        return out;
    }
};

}  // namespace

TEST_CASE("registry bearer: anonymous pull sends no credentials, caches the token", "[registry]") {
    BearerRegistry reg;
    RegistryClient c(reg.srv.host(), "lib/img", fast_http());
    auto m = c.get_manifest("latest");
    CHECK(m.body == kManifest);
    CHECK(m.digest == "sha256:" + sha256_hex(kManifest));
    c.get_manifest("latest");
    auto toks = reg.token_requests();
    REQUIRE(toks.size() == 1);
    CHECK_FALSE(toks[0].has("authorization"));
    CHECK_THAT(toks[0].target, Catch::Contains("service=fake") && Catch::Contains("scope=repository%3Alib%2Fimg%3Apull"));
    CHECK_THAT(toks[0].target, !Catch::Contains("account="));
    for (auto& r : reg.srv.requests())
        if (starts_with(r.target, "/v2/lib/img/manifests")) CHECK(r.header("authorization") == "Bearer tok-1");
}

TEST_CASE("registry bearer: credentials go to the token server; bad ones are reported", "[registry]") {
    BearerRegistry reg;
    reg.user_basic = "Basic " + http_base64("alice:secret");
    RegistryOptions o = fast_http();
    o.creds = Credentials{"alice", "secret", ""};
    RegistryClient c(reg.srv.host(), "lib/img", o);
    c.check_credentials();
    c.get_manifest("latest");
    auto toks = reg.token_requests();
    REQUIRE(toks.size() == 2);  // login (no scope), then the pull scope
    CHECK(toks[1].header("authorization") == reg.user_basic);
    CHECK_THAT(toks[1].target, Catch::Contains("account=alice"));

    RegistryOptions bad = fast_http();
    bad.creds = Credentials{"alice", "nope", ""};
    RegistryClient b(reg.srv.host(), "lib/img", bad);
    CHECK_THAT(error_of([&] { b.check_credentials(); }), Catch::Contains("invalid username or password"));
}

TEST_CASE("registry bearer: insufficient_scope gets one new token for that scope", "[registry]") {
    BearerRegistry reg;
    reg.scope_error_once = true;
    RegistryClient c(reg.srv.host(), "lib/img", fast_http());
    CHECK(c.get_manifest("latest").body == kManifest);
    auto toks = reg.token_requests();
    REQUIRE(toks.size() == 2);
    CHECK_THAT(toks[1].target, Catch::Contains("scope=repository%3Alib%2Fimg%3Apull%2Cpush"));
}

namespace {

// Serves one blob under /v2/r/blobs/DIGEST; the first plain GET drops the
// connection after `cut` bytes. Range behaviour is selectable.
enum class RangeMode { Honour, Ignore, WrongStart };

struct BlobServer {
    std::string data;
    std::string digest;
    size_t cut;
    RangeMode mode;
    FakeServer srv{[this](const FakeRequest& r, int fd) { handle(r, fd); }};

    BlobServer(std::string d, size_t cut_at, RangeMode m, std::string served_digest = "")
        : data(std::move(d)), cut(cut_at), mode(m) {
        digest = served_digest.empty() ? "sha256:" + sha256_hex(data) : served_digest;
    }
    void handle(const FakeRequest& r, int fd) {
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        if (r.target != "/v2/r/blobs/" + digest) return fake_respond(fd, 404, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})");
        std::string range = r.header("range");
        if (range.empty()) {
            std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(data.size()) + "\r\n\r\n";
            fake_send(fd, head + data.substr(0, std::min(cut, data.size())));
            return;  // connection closes: a dropped transfer when cut < size
        }
        size_t from = std::stoul(range.substr(range.find('=') + 1));
        if (mode == RangeMode::Ignore) return fake_respond(fd, 200, data);
        if (mode == RangeMode::WrongStart) from -= 1;
        fake_respond(fd, 206, data.substr(from),
                     {fmt::format("Content-Range: bytes {}-{}/{}", from, data.size() - 1, data.size())});
    }
};

}  // namespace

TEST_CASE("registry blob: resume after a dropped connection", "[registry]") {
    TempDir dir;
    std::string data = blob_data(300000);
    std::string dest = dir.path + "/blob";
    SECTION("206 with matching Content-Range continues the hash") {
        BlobServer s(data, 120000, RangeMode::Honour);
        RegistryClient c(s.srv.host(), "r", fast_http());
        c.fetch_blob(s.digest, static_cast<int64_t>(data.size()), dest);
        CHECK(read_file(dest) == data);
        auto reqs = s.srv.requests();
        REQUIRE(reqs.size() == 3);  // ping, GET, GET with Range
        CHECK(reqs[2].header("range") == "bytes=120000-");
    }
    SECTION("200 to a Range request restarts from zero") {
        BlobServer s(data, 120000, RangeMode::Ignore);
        RegistryClient c(s.srv.host(), "r", fast_http());
        c.fetch_blob(s.digest, static_cast<int64_t>(data.size()), dest);
        CHECK(read_file(dest) == data);
    }
    SECTION("a mismatched Content-Range fails and removes the file") {
        BlobServer s(data, 120000, RangeMode::WrongStart);
        RegistryClient c(s.srv.host(), "r", fast_http());
        CHECK_THAT(error_of([&] { c.fetch_blob(s.digest, static_cast<int64_t>(data.size()), dest); }),
                   Catch::Contains(s.digest) && Catch::Contains("Range"));
        CHECK_FALSE(path_exists(dest));
    }
    SECTION("resume also works for in-memory blobs") {
        BlobServer s(data, 1000, RangeMode::Honour);
        RegistryClient c(s.srv.host(), "r", fast_http());
        CHECK(c.get_blob_small(s.digest, static_cast<int64_t>(data.size())) == data);
    }
}

TEST_CASE("registry blob: wrong content is rejected by digest and size", "[registry]") {
    TempDir dir;
    std::string data = blob_data(50000);
    std::string dest = dir.path + "/blob";
    std::string claimed = "sha256:" + sha256_hex("something else");
    BlobServer s(data, data.size(), RangeMode::Honour, claimed);
    RegistryClient c(s.srv.host(), "r", fast_http());
    CHECK(error_of([&] { c.fetch_blob(claimed, static_cast<int64_t>(data.size()), dest); }) ==
          "digest mismatch for blob " + claimed + ": got sha256:" + sha256_hex(data));
    CHECK_FALSE(path_exists(dest));
    CHECK_THAT(error_of([&] { c.fetch_blob(claimed, 100, dest); }), Catch::Contains("more than the expected 100 bytes"));
    CHECK_FALSE(path_exists(dest));
}

TEST_CASE("registry redirect: Authorization never follows to another port", "[registry]") {
    std::string data = blob_data(10000);
    std::string digest = "sha256:" + sha256_hex(data);
    FakeServer cdn([&](const FakeRequest&, int fd) { fake_respond(fd, 200, data); });
    std::string basic = "Basic " + http_base64("u:p");
    FakeServer reg([&](const FakeRequest& r, int fd) {
        if (r.header("authorization") != basic)
            return fake_respond(fd, 401, "", {"WWW-Authenticate: Basic realm=\"fake\""});
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        fake_respond(fd, 307, "", {"Location: " + cdn.url() + "/signed/blob?sig=abc"});
    });
    RegistryOptions o = fast_http();
    o.creds = Credentials{"u", "p", ""};
    RegistryClient c(reg.host(), "r", o);
    TempDir dir;
    c.fetch_blob(digest, static_cast<int64_t>(data.size()), dir.path + "/b");
    CHECK(read_file(dir.path + "/b") == data);
    auto creqs = cdn.requests();
    REQUIRE(creqs.size() == 1);
    CHECK(creqs[0].target == "/signed/blob?sig=abc");
    CHECK_FALSE(creqs[0].has("authorization"));
    auto rreqs = reg.requests();
    CHECK(rreqs.back().header("authorization") == basic);
}

TEST_CASE("registry redirect: loops are bounded, non-http schemes refused", "[registry]") {
    FakeServer loop([&](const FakeRequest& r, int fd) {
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        if (r.target == "/v2/r/manifests/ftp") return fake_respond(fd, 302, "", {"Location: ftp://127.0.0.1/x"});
        fake_respond(fd, 302, "", {"Location: /v2/r/manifests/again"});
    });
    RegistryClient c(loop.host(), "r", fast_http());
    CHECK_THAT(error_of([&] { c.get_manifest("latest"); }), Catch::Contains("too many redirects"));
    CHECK(loop.requests().size() == 12);  // ping + 1 + 10 hops
    CHECK_THAT(error_of([&] { c.get_manifest("ftp"); }), Catch::Contains("refusing redirect"));
}

TEST_CASE("registry: 429 Retry-After is honoured, errors JSON is shown", "[registry]") {
    int n = 0;
    FakeServer s([&](const FakeRequest& r, int fd) {
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        if (r.target == "/v2/r/manifests/denied")
            return fake_respond(fd, 403, R"({"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]})");
        if (n++ == 0) return fake_respond(fd, 429, "", {"Retry-After: 0"});
        fake_respond(fd, 200, kManifest, {"Content-Type: application/vnd.oci.image.manifest.v1+json; charset=utf-8"});
    });
    RegistryClient c(s.host(), "r", fast_http());
    auto m = c.get_manifest("latest");
    CHECK(m.content_type == "application/vnd.oci.image.manifest.v1+json");
    CHECK(n == 2);
    CHECK(error_of([&] { c.get_manifest("denied"); }) ==
          "fetching manifest r:denied: denied: requested access to the resource is denied (HTTP 403 Forbidden)");
}

TEST_CASE("registry: manifest digest checks", "[registry]") {
    FakeServer s([&](const FakeRequest& r, int fd) {
        if (r.target == "/v2/") return fake_respond(fd, 200, "{}");
        if (r.target.find("sha256:") != std::string::npos) return fake_respond(fd, 200, kManifest);
        fake_respond(fd, 200, kManifest, {"Docker-Content-Digest: sha256:" + std::string(64, 'a')});
    });
    RegistryClient c(s.host(), "r", fast_http());
    CHECK_THAT(error_of([&] { c.get_manifest("latest"); }), Catch::Contains("registry says digest sha256:aaaa"));
    std::string other = "sha256:" + std::string(64, 'b');
    CHECK(error_of([&] { c.get_manifest(other); }) ==
          "digest mismatch for manifest r@" + other + ": got sha256:" + sha256_hex(kManifest));
}
