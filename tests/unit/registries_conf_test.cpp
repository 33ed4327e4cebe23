#include <catch2/catch.hpp>

#include <cstdlib>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/registries_conf.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {
std::string parse_error(std::string_view text) {
    try {
        parse_registries_conf(text, "test.conf");
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}

// Sets an environment variable for the scope, restoring the old value.
struct EnvGuard {
    std::string name;
    std::optional<std::string> old;
    EnvGuard(std::string n, const char* value) : name(std::move(n)) {
        if (const char* v = std::getenv(name.c_str())) old = v;
        if (value) ::setenv(name.c_str(), value, 1);
        else ::unsetenv(name.c_str());
    }
    ~EnvGuard() {
        if (old) ::setenv(name.c_str(), old->c_str(), 1);
        else ::unsetenv(name.c_str());
    }
};
}  // namespace

TEST_CASE("registries.conf v2 with registries, mirrors and aliases") {
    const char* text = R"(# comment line
unqualified-search-registries = ["registry.fedoraproject.org", 'quay.io', # trailing comment
   "docker.io",   # spans lines, trailing comma allowed
]
short-name-mode = "enforcing"   # ignored

[[registry]]
prefix = "example.com/foo"
location = "internal.example.com/bar"
insecure = true

[[registry.mirror]]
location = "mirror-1.example.com/bar"
[[registry.mirror]]
location = "mirror-2.example.com/bar"
insecure = false

[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
prefix = "blocked.io"
blocked = true

[[registry]]
prefix = "*.corp.example"
insecure = true

[aliases]
"busybox" = "docker.io/library/busybox"
"app" = 'quay.io/team/app'
weird-key = "localhost/weird\u00e9"
)";
    RegistriesConf c = parse_registries_conf(text, "test.conf");
    CHECK(c.has_unqualified_search);
    CHECK(c.unqualified_search == std::vector<std::string>{"registry.fedoraproject.org", "quay.io", "docker.io"});
    REQUIRE(c.registries.size() == 4);
    CHECK(c.registries[0] == RegistryEntry{"example.com/foo", "internal.example.com/bar", true, false,
                                           {"mirror-1.example.com/bar", "mirror-2.example.com/bar"}});
    CHECK(c.registries[1] == RegistryEntry{"127.0.0.1:5000", "127.0.0.1:5000", true, false, {}});
    CHECK(c.registries[2] == RegistryEntry{"blocked.io", "blocked.io", false, true, {}});
    CHECK(c.registries[3].prefix == "*.corp.example");
    CHECK(c.registries[3].location.empty());
    CHECK(c.aliases.size() == 3);
    CHECK(c.aliases.at("busybox") == "docker.io/library/busybox");
    CHECK(c.aliases.at("app") == "quay.io/team/app");
    CHECK(c.aliases.at("weird-key") == "localhost/weird\xc3\xa9");
}

TEST_CASE("registry lookup is by longest prefix on host and path") {
    RegistriesConf c = parse_registries_conf(R"(
[[registry]]
prefix = "example.com"
insecure = true
[[registry]]
prefix = "example.com/foo"
blocked = true
[[registry]]
prefix = "example.com/foo/bar:tag"
[[registry]]
prefix = "localhost"
insecure = true
[[registry]]
prefix = "*.corp.example"
insecure = true
)",
                                             "t.conf");
    struct Row {
        std::string ref, prefix;  // "" = no match
    };
    std::vector<Row> rows = {
        {"example.com", "example.com"},
        {"example.com/x/y", "example.com"},
        {"example.com/foo", "example.com/foo"},
        {"example.com/foo/baz", "example.com/foo"},
        {"example.com/foobar", "example.com"},
        {"example.com/foo@sha256:00", "example.com/foo"},
        {"example.com/foo/bar:tag", "example.com/foo/bar:tag"},
        {"example.com/foo/bar:other", "example.com/foo"},
        {"example.com:5000/foo", ""},  // another registry, not a sub-path
        {"example.community/x", ""},
        {"localhost", "localhost"},
        {"localhost:5000", ""},
        {"a.corp.example", "*.corp.example"},
        {"a.b.corp.example/x", "*.corp.example"},
        {"corp.example", ""},
        {"quay.io", ""},
    };
    for (const auto& r : rows) {
        INFO(r.ref);
        const RegistryEntry* e = c.find(r.ref);
        CHECK((e ? e->prefix : std::string()) == r.prefix);
    }
    CHECK(c.insecure("example.com"));
    CHECK(c.blocked("example.com/foo/x"));
    CHECK_FALSE(c.blocked("example.com/other"));
    CHECK(c.insecure("x.corp.example"));
    CHECK_FALSE(c.insecure("quay.io"));
    CHECK_FALSE(c.insecure("example.com/foo"));  // the more specific entry wins and is not insecure
}

TEST_CASE("registries.conf v1 tables") {
    RegistriesConf c = parse_registries_conf(R"(
[registries.search]
registries = ['docker.io', "quay.io"]
[registries.insecure]
registries = ["127.0.0.1:5000", "quay.io"]
[registries.block]
registries = ["evil.io"]
)",
                                             "v1.conf");
    CHECK(c.unqualified_search == std::vector<std::string>{"docker.io", "quay.io"});
    CHECK(c.insecure("127.0.0.1:5000"));
    CHECK(c.insecure("quay.io/x"));
    CHECK(c.blocked("evil.io/a/b"));
    CHECK_FALSE(c.blocked("docker.io"));
    CHECK(c.registries.size() == 3);
}

TEST_CASE("malformed registries.conf names the file and line") {
    struct Row {
        std::string text, reason;
    };
    std::vector<Row> rows = {
        {"a = 1\nb 2\n", "test.conf:2: expected \"=\" after key \"b\""},
        {"\n\nx = \"unterminated\n", "test.conf:3: unterminated string"},
        {"x = [\"a\",\n \"b\"\n\n", "test.conf:1: unterminated array"},
        {"x = [\"a\" \"b\"]", "test.conf:1: expected \",\" or \"]\" in array"},
        {"x = \"a\" y\n", "test.conf:1: unexpected \"y\" after value"},
        {"x =\n", "test.conf:1: missing value"},
        {"x = yes\n", "test.conf:1: invalid value"},
        {"x = {a = 1}\n", "test.conf:1: inline tables are not supported"},
        {"x = \"\"\"a\"\"\"\n", "test.conf:1: multi-line strings are not supported"},
        {"a.b = 1\n", "test.conf:1: dotted keys are not supported"},
        {"x = \"\\q\"\n", "test.conf:1: invalid escape"},
        {"x = 1\nx = 2\n", "test.conf:2: duplicate key \"x\""},
        {"[aliases\n", "test.conf:1: expected \"]\" to close the table header"},
        {"[[registry]\n", "test.conf:1: expected \"]]\""},
        {"[aliases]\n[aliases]\n", "test.conf:2: table [aliases] is defined more than once"},
        {"\n[registry]\nprefix = \"a\"\n", "test.conf:2: [registry] must be an array of tables"},
        {"[[registry]]\ninsecure = true\n", "test.conf:1: [[registry]] needs a prefix or a location"},
        {"[[registry]]\nprefix = \"a\"\ninsecure = \"yes\"\n", "test.conf:3: registry.insecure must be a boolean"},
        {"[[registry]]\nprefix = 5\n", "test.conf:2: registry.prefix must be a string"},
        {"[[registry]]\nprefix = \"a.*.b\"\n", "wildcard is only allowed"},
        {"[[registry]]\nprefix = \"a\"\n[[registry]]\nlocation = \"a\"\n", "test.conf:3: registry prefix \"a\" is defined more than once"},
        {"[[registry.mirror]]\nlocation = \"m\"\n", "test.conf:1: [[registry.mirror]] must follow a [[registry]]"},
        {"unqualified-search-registries = \"docker.io\"\n", "unqualified-search-registries must be an array of strings"},
        {"unqualified-search-registries = [\"a\", true]\n", "test.conf:1: unqualified-search-registries must be an array"},
        {"[aliases]\nx = true\n", "test.conf:2: alias \"x\" must be a string"},
        {"unqualified-search-registries = []\n[registries.search]\nregistries = []\n",
         "test.conf:2: mixing v1 [registries.*] tables with v2 settings is not supported"},
        {"x = 99999999999999999999\n", "integer out of range"},
        // Found by fuzzing: 200000 "[" overflowed the stack.
        {"x = " + std::string(200000, '[') + "\n", "test.conf:1: arrays nested more than 100 levels deep"},
    };
    for (const auto& r : rows) {
        INFO(r.text);
        CHECK_THAT(parse_error(r.text), Catch::Contains(r.reason));
    }
}

TEST_CASE("TOML subset details") {
    RegistriesConf c = parse_registries_conf(
        "\r\n  # indented comment\r\nunqualified-search-registries=[]\r\n[ aliases ]\r\n'lit\\eral' = 'c:\\path'\r\n"
        "\"tab\\tkey\" = \"a\\\"b\\\\c\"\n[unknown.table]\nk = false\nother = [1, +2, -3, true, ['nested']]\n",
        "t.conf");
    CHECK(c.has_unqualified_search);
    CHECK(c.unqualified_search.empty());
    CHECK(c.aliases.at("lit\\eral") == "c:\\path");
    CHECK(c.aliases.at("tab\tkey") == "a\"b\\c");
    CHECK(c.aliases.size() == 2);  // unknown tables and their keys are ignored
}

TEST_CASE("short-name candidates: aliases, search registries, docker.io fallback") {
    RegistriesConf none;
    auto d = none.candidates("busybox:1.36");
    REQUIRE(d.size() == 1);
    CHECK(d[0].string() == "docker.io/library/busybox:1.36");

    RegistriesConf c = parse_registries_conf(R"(
unqualified-search-registries = ["quay.io", "docker.io"]
[aliases]
"centos" = "quay.io/centos/centos"
"opensuse/leap" = "registry.opensuse.org/opensuse/leap"
)",
                                             "t.conf");
    auto a = c.candidates("centos:stream9");
    REQUIRE(a.size() == 1);
    CHECK(a[0].string() == "quay.io/centos/centos:stream9");
    a = c.candidates("opensuse/leap");
    REQUIRE(a.size() == 1);
    CHECK(a[0].string() == "registry.opensuse.org/opensuse/leap:latest");
    std::string dg = "sha256:" + std::string(64, 'e');
    a = c.candidates("centos@" + dg);
    REQUIRE(a.size() == 1);
    CHECK(a[0].string() == "quay.io/centos/centos@" + dg);

    auto s = c.candidates("busybox");
    REQUIRE(s.size() == 2);
    CHECK(s[0].string() == "quay.io/busybox:latest");  // library/ only on docker.io
    CHECK(s[1].string() == "docker.io/library/busybox:latest");

    auto q = c.candidates("127.0.0.1:5000/busybox");
    REQUIRE(q.size() == 1);
    CHECK(q[0].string() == "127.0.0.1:5000/busybox:latest");
    CHECK_THROWS_AS(c.candidates("BusyBox"), Error);

    RegistriesConf bad = parse_registries_conf("[aliases]\nx = \"notqualified\"\n", "t.conf");
    CHECK_THROWS_WITH(bad.candidates("x"), Catch::Contains("the target must name a registry"));
}

TEST_CASE("later files override earlier ones") {
    RegistriesConf base = parse_registries_conf(R"(
unqualified-search-registries = ["quay.io"]
[[registry]]
prefix = "a.io"
insecure = true
[[registry]]
prefix = "b.io"
[aliases]
x = "a.io/x"
y = "a.io/y"
)",
                                                "base.conf");
    base.merge(parse_registries_conf("[[registry]]\nprefix = \"b.io\"\nblocked = true\n[aliases]\nx = \"b.io/x\"\n", "d1.conf"));
    CHECK(base.unqualified_search == std::vector<std::string>{"quay.io"});  // not set in d1: kept
    CHECK(base.registries.size() == 2);
    CHECK(base.blocked("b.io"));
    CHECK(base.insecure("a.io"));
    CHECK(base.aliases.at("x") == "b.io/x");
    CHECK(base.aliases.at("y") == "a.io/y");
    base.merge(parse_registries_conf("unqualified-search-registries = []\n", "d2.conf"));
    CHECK(base.unqualified_search.empty());
}

TEST_CASE("load_registries_conf reads only $CONTAINERS_REGISTRIES_CONF when set") {
    TempDir dir;
    std::string path = dir.path + "/r.conf";
    atomic_write(path, "unqualified-search-registries = [\"example.org\"]\n");
    {
        EnvGuard env("CONTAINERS_REGISTRIES_CONF", path.c_str());
        RegistriesConf c = load_registries_conf();
        CHECK(c.unqualified_search == std::vector<std::string>{"example.org"});
        CHECK(c.aliases.empty());  // drop-ins are not read
    }
    {
        std::string missing = dir.path + "/missing.conf";
        EnvGuard env("CONTAINERS_REGISTRIES_CONF", missing.c_str());
        CHECK(load_registries_conf().registries.empty());
    }
    {
        atomic_write(path, "[[registry]]\nprefix = \"x\"\nblocked = 1\n");
        EnvGuard env("CONTAINERS_REGISTRIES_CONF", path.c_str());
        CHECK_THROWS_WITH(load_registries_conf(), path + ":3: registry.blocked must be a boolean");
    }
}

TEST_CASE("the system's registries.conf files parse") {
    EnvGuard env("CONTAINERS_REGISTRIES_CONF", nullptr);
    // Whatever /etc/containers holds on this machine (Debian ships shortnames.conf) must load.
    REQUIRE_NOTHROW(load_registries_conf());
}
