#include <catch2/catch.hpp>

#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/names.hpp"
#include "conman/shim_protocol.hpp"
#include "conman/store.hpp"
#include "test_util.hpp"

using namespace conman;

namespace {
Context test_context(const TempDir& d) {
    Context c;
    c.root = d.path + "/root";
    c.runroot = d.path + "/run";
    c.lock_timeout_ms = 2000;
    return c;
}

Container make(const Store& s, const std::string& name) {
    Container c;
    c.config.id = new_container_id();
    c.config.name = name;
    c.config.created = 1;
    s.claim_name(name, c.config.id);
    mkdir_p(s.dir(c.config.id));
    s.save(c);
    return c;
}
}  // namespace

TEST_CASE("records round-trip and resolve by name, ID and prefix") {
    TempDir d;
    Context ctx = test_context(d);
    Store s(ctx);
    auto a = make(s, "alpha");
    auto b = make(s, "beta");
    REQUIRE(s.resolve("alpha") == a.config.id);
    REQUIRE(s.resolve(b.config.id) == b.config.id);
    REQUIRE(s.resolve(b.config.id.substr(0, 12)) == b.config.id);
    REQUIRE_THROWS_WITH(s.resolve("gamma"), Catch::Contains("no container with name or ID \"gamma\""));
    REQUIRE(s.ids().size() == 2);
    auto loaded = s.load(a.config.id);
    REQUIRE(loaded.config.name == "alpha");
}

TEST_CASE("names are unique; stale index entries are reclaimed") {
    TempDir d;
    Context ctx = test_context(d);
    Store s(ctx);
    auto a = make(s, "web");
    try {
        s.claim_name("web", new_container_id());
        FAIL("expected a conflict");
    } catch (const Error& e) {
        REQUIRE(e.kind() == ErrorKind::Conflict);
        REQUIRE(std::string(e.what()).find("already in use") != std::string::npos);
    }
    s.remove(a);
    REQUIRE_FALSE(s.id_for_name("web"));
    // A link whose record is gone does not block the name.
    auto id = new_container_id();
    s.claim_name("ghost", id);
    s.claim_name("ghost", new_container_id());
}

TEST_CASE("state comes from the exit record and the shim's lock") {
    TempDir d;
    Context ctx = test_context(d);
    Store s(ctx);
    auto c = make(s, "x");
    // No shim, no exit record: reported exited with a reason, not running.
    auto l = s.load(c.config.id);
    REQUIRE(l.state.status == kExited);
    REQUIRE(l.state.error.find("conman-shim") != std::string::npos);
    // A live shim holds the lock.
    mkdir_p(s.socket_dir(c.config.id));
    {
        FileLock shim_lock(s.socket_dir(c.config.id) + "/" + shim::kLockName, FileLock::Mode::Exclusive, 100);
        REQUIRE(s.load(c.config.id).state.status == kCreated);
        s.mark_started(c.config.id, 5);
        REQUIRE(s.load(c.config.id).state.status == kRunning);
        shim::ExitRecord r;
        r.exit_code = 3;
        r.exited_at = 9;
        atomic_write(s.exit_path(c.config.id), shim::encode_exit(r));
        auto e = s.load(c.config.id);
        REQUIRE(e.state.status == kExited);
        REQUIRE(e.state.exit_code == 3);
        REQUIRE(e.state.finished_at == 9);
    }
}

TEST_CASE("a corrupt record damages only itself") {
    TempDir d;
    Context ctx = test_context(d);
    Store s(ctx);
    auto good = make(s, "good");
    auto bad = make(s, "bad");
    atomic_write(s.record_path(bad.config.id), "{\"config\": {tru");
    auto all = s.load_all();
    REQUIRE(all.size() == 2);
    int unknown = 0;
    for (auto& c : all) {
        if (c.config.id == bad.config.id) {
            REQUIRE(c.state.status == "unknown");
            REQUIRE(c.state.error.find("corrupt") != std::string::npos);
            ++unknown;
        } else {
            REQUIRE(c.config.name == "good");
        }
    }
    REQUIRE(unknown == 1);
    s.remove(s.load(bad.config.id));
    REQUIRE(s.ids().size() == 1);
}
