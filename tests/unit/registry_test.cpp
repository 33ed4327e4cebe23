// RegistryClient against a real registry: Debian's docker-registry
// (distribution 2.8) started on a free 127.0.0.1 port for each test case.
// Skipped with a warning when /usr/bin/docker-registry is missing.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <random>
#include <thread>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/process.hpp"
#include "conman/registry.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {

const char* kRegistryBin = "/usr/bin/docker-registry";
// bcrypt (cost 4, to keep the per-request check cheap) of "testpass".
const char* kHtpasswd = "testuser:$2b$04$moqj0UIYlWEIpg8CYtWNYOItqXRRMvNQDk8exIR4C.cWVExhabNi6\n";

bool have_registry() { return ::access(kRegistryBin, X_OK) == 0; }

int free_port() {
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(s.get(), reinterpret_cast<sockaddr*>(&a), &len);
    return ntohs(a.sin_port);
}

bool can_connect(int port) {
    UniqueFd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return ::connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
}

// One docker-registry process with filesystem storage in a temp dir. The
// Child is killed and reaped when this dies.
struct RegistryProcess {
    TempDir dir;
    int port = free_port();
    std::string host = "127.0.0.1:" + std::to_string(port);
    Child child;

    explicit RegistryProcess(bool htpasswd) {
        std::string cfg = fmt::format(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}/data\n"
            "http:\n  addr: 127.0.0.1:{}\n",
            dir.path, port);
        if (htpasswd) {
            atomic_write(dir.path + "/htpasswd", kHtpasswd, 0600, false);
            cfg += fmt::format("auth:\n  htpasswd:\n    realm: conman-test\n    path: {}/htpasswd\n", dir.path);
        }
        atomic_write(dir.path + "/config.yml", cfg, 0600, false);
        UniqueFd log = open_fd(dir.path + "/registry.log", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        UniqueFd null = open_fd("/dev/null", O_RDONLY);
        SpawnOptions o;
        o.argv = {kRegistryBin, "serve", dir.path + "/config.yml"};
        o.fds = {{null.get(), 0}, {log.get(), 1}, {log.get(), 2}};
        o.die_with_parent = true;
        o.env = std::vector<std::string>{"PATH=/usr/bin:/bin"};
        child = spawn(o);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        while (!can_connect(port)) {
            if (std::chrono::steady_clock::now() > deadline || child.wait(0))
                FAIL("docker-registry did not start: " << read_file_if_exists(dir.path + "/registry.log").value_or(""));
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    ~RegistryProcess() {
        try {
            child.kill(SIGTERM);
            if (!child.wait(3000)) child.kill(SIGKILL);  // the Child destructor reaps it
        } catch (...) {
        }
    }
};

std::string random_bytes(size_t n, unsigned seed) {
    std::mt19937 rng(seed);
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
}

struct Blob {
    std::string data, digest, path;
};

Blob make_blob(const std::string& dir, const std::string& data) {
    Blob b{data, "sha256:" + sha256_hex(data), dir + "/" + sha256_hex(data)};
    atomic_write(b.path, data, 0600, false);
    return b;
}

std::string oci_manifest(const Blob& config, const std::vector<Blob>& layers) {
    std::string l;
    for (const auto& b : layers) {
        if (!l.empty()) l += ",";
        l += fmt::format(R"({{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"{}","size":{}}})",
                         b.digest, b.data.size());
    }
    return fmt::format(
        R"({{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",)"
        R"("config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{}","size":{}}},"layers":[{}]}})",
        config.digest, config.data.size(), l);
}

RegistryOptions plain_http() {
    RegistryOptions o;
    o.tls_verify = false;
    o.max_retries = 1;
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

const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";

}  // namespace

TEST_CASE("registry: push, then pull by tag and digest from docker-registry", "[registry]") {
    if (!have_registry()) {
        WARN("skipped: " << kRegistryBin << " is not installed (apt-get install docker-registry)");
        return;
    }
    RegistryProcess reg(false);
    TempDir work;
    RegistryClient c(reg.host, "test/busybox", plain_http());
    c.ping();

    Blob config = make_blob(work.path, R"({"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}})");
    Blob layer1 = make_blob(work.path, random_bytes(700 * 1024, 1));
    Blob layer2 = make_blob(work.path, random_bytes(1000, 2));
    CHECK_FALSE(c.blob_exists(layer1.digest));
    for (const auto* b : {&config, &layer1, &layer2}) c.push_blob(b->digest, static_cast<int64_t>(b->data.size()), b->path);
    CHECK(c.blob_exists(layer1.digest));
    c.push_blob(layer1.digest, static_cast<int64_t>(layer1.data.size()), layer1.path);  // exists: skipped

    std::string manifest = oci_manifest(config, {layer1, layer2});
    std::string mdigest = c.put_manifest("v1", manifest, kOciManifest);
    CHECK(mdigest == "sha256:" + sha256_hex(manifest));

    SECTION("manifest by tag and by digest, byte-exact") {
        auto m = c.get_manifest("v1");
        CHECK(m.body == manifest);
        CHECK(m.content_type == kOciManifest);
        CHECK(m.digest == mdigest);
        auto m2 = c.get_manifest(mdigest);
        CHECK(m2.body == manifest);
        CHECK(c.head_manifest("v1") == std::optional<std::string>(mdigest));
        CHECK(c.head_manifest("nope") == std::nullopt);
    }
    SECTION("unknown manifest is NotFound") {
        try {
            c.get_manifest("nope");
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::NotFound);
            CHECK_THAT(e.what(), Catch::Contains("manifest unknown: test/busybox:nope"));
        }
        RegistryClient other(reg.host, "test/other", plain_http());
        CHECK_THAT(error_of([&] { other.get_manifest(mdigest); }), Catch::Contains("manifest unknown: test/other@sha256:"));
    }
    SECTION("blobs: verified download, small blob, progress") {
        CHECK(c.get_blob_small(config.digest, static_cast<int64_t>(config.data.size())) == config.data);
        std::string dest = work.path + "/dl";
        int64_t last = 0;
        int calls = 0;
        c.fetch_blob(layer1.digest, static_cast<int64_t>(layer1.data.size()), dest, [&](int64_t n) {
            last = n;
            ++calls;
        });
        CHECK(read_file(dest) == layer1.data);
        CHECK(last == static_cast<int64_t>(layer1.data.size()));
        CHECK(calls >= 2);
    }
    SECTION("several threads fetch at once") {
        std::vector<std::thread> ts;
        std::vector<std::string> errors(6);
        for (int i = 0; i < 6; ++i) {
            ts.emplace_back([&, i] {
                const Blob& b = i % 2 ? layer1 : layer2;
                try {
                    c.fetch_blob(b.digest, static_cast<int64_t>(b.data.size()), work.path + "/t" + std::to_string(i));
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            });
        }
        for (auto& t : ts) t.join();
        for (int i = 0; i < 6; ++i) {
            CHECK(errors[i].empty());
            CHECK(read_file(work.path + "/t" + std::to_string(i)) == (i % 2 ? layer1 : layer2).data);
        }
    }
    SECTION("wrong expectations fail and leave no file") {
        std::string dest = work.path + "/bad";
        auto size = static_cast<int64_t>(layer2.data.size());
        CHECK_THAT(error_of([&] { c.fetch_blob(layer2.digest, size - 1, dest); }),
                   Catch::Contains("blob " + layer2.digest) && Catch::Contains("more than the expected"));
        CHECK_FALSE(path_exists(dest));
        CHECK_THAT(error_of([&] { c.fetch_blob(layer2.digest, size + 1, dest); }), Catch::Contains(layer2.digest));
        CHECK_FALSE(path_exists(dest));
        std::string missing = "sha256:" + std::string(64, '0');
        try {
            c.fetch_blob(missing, size, dest);
            FAIL("no error");
        } catch (const Error& e) {
            CHECK(e.kind() == ErrorKind::NotFound);
            CHECK_THAT(e.what(), Catch::Contains("blob unknown: test/busybox@" + missing));
        }
        CHECK_FALSE(path_exists(dest));
        CHECK_FALSE(c.blob_exists(missing));
        CHECK_THAT(error_of([&] { c.fetch_blob("md5:abc", 1, dest); }), Catch::Contains("invalid digest"));
        CHECK_THAT(error_of([&] { c.get_blob_small(config.digest, 3); }), Catch::Contains(config.digest));
    }
}

TEST_CASE("registry: plain-http registry without --tls-verify=false", "[registry]") {
    if (!have_registry()) {
        WARN("skipped: " << kRegistryBin << " is not installed");
        return;
    }
    RegistryProcess reg(false);
    RegistryOptions o;
    o.certs_dir = "/nonexistent";
    RegistryClient c(reg.host, "x/y", o);
    CHECK_THAT(error_of([&] { c.ping(); }),
               Catch::Contains("pinging registry " + reg.host + ": server gave HTTP response to HTTPS client"));
}

TEST_CASE("registry: connection refused is one clear line", "[registry]") {
    int port = free_port();  // nothing listens there
    RegistryClient c("127.0.0.1:" + std::to_string(port), "x/y", plain_http());
    std::string e = error_of([&] { c.ping(); });
    CHECK_THAT(e, Catch::StartsWith("pinging registry 127.0.0.1:" + std::to_string(port) + ": "));
    CHECK(e.find('\n') == std::string::npos);
}

TEST_CASE("registry: htpasswd Basic auth", "[registry]") {
    if (!have_registry()) {
        WARN("skipped: " << kRegistryBin << " is not installed");
        return;
    }
    RegistryProcess reg(true);
    TempDir work;
    RegistryOptions good = plain_http();
    good.creds = Credentials{"testuser", "testpass", ""};
    RegistryClient c(reg.host, "private/img", good);
    c.check_credentials();

    Blob config = make_blob(work.path, R"({"os":"linux"})");
    c.push_blob(config.digest, static_cast<int64_t>(config.data.size()), config.path);
    std::string manifest = oci_manifest(config, {});
    c.put_manifest("latest", manifest, kOciManifest);
    CHECK(c.get_manifest("latest").body == manifest);
    CHECK(c.get_blob_small(config.digest, static_cast<int64_t>(config.data.size())) == config.data);

    RegistryOptions bad = plain_http();
    bad.creds = Credentials{"testuser", "wrong", ""};
    RegistryClient b(reg.host, "private/img", bad);
    CHECK_THAT(error_of([&] { b.check_credentials(); }), Catch::Contains("invalid username or password"));

    RegistryClient anon(reg.host, "private/img", plain_http());
    CHECK_THAT(error_of([&] { anon.get_manifest("latest"); }),
               Catch::Contains("unauthorized") && Catch::Contains("HTTP 401"));
}
