#include <catch2/catch.hpp>

#include "conman/digest.hpp"
#include "conman/error.hpp"

using namespace conman;

TEST_CASE("sha256 of known inputs, streamed or at once") {
    REQUIRE(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    REQUIRE(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    Sha256 h;
    h.update("a");
    Sha256 snapshot(h);  // resumable state
    h.update("bc");
    snapshot.update("bc");
    REQUIRE(h.digest() == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    REQUIRE(snapshot.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("digest validation") {
    std::string good = "sha256:" + std::string(64, 'a');
    REQUIRE(valid_digest(good));
    REQUIRE(digest_hex(good) == std::string(64, 'a'));
    REQUIRE_FALSE(valid_digest("sha256:" + std::string(63, 'a')));
    REQUIRE_FALSE(valid_digest("sha256:" + std::string(64, 'A')));
    REQUIRE_FALSE(valid_digest("sha512:" + std::string(64, 'a')));
    REQUIRE_THROWS_AS(digest_hex("md5:abc"), Error);
}
