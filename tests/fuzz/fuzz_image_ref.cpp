// Fuzz target: image references (parse_image_ref and its helpers), as typed
// on the command line or found in registries.conf aliases and archives.
// A reference that parses must print back to a string that parses to the
// same reference.
#include "conman/image_ref.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view s = fuzz::input(data, size);
    (void)conman::has_explicit_registry(s);
    (void)conman::looks_like_image_id(s);
    try {
        conman::ImageRef r = conman::parse_image_ref(s);
        FUZZ_CHECK(!r.registry.empty() && !r.repository.empty());
        FUZZ_CHECK(!r.tag.empty() || !r.digest.empty());
        (void)r.api_host();
        std::string again = r.string();
        conman::ImageRef r2;
        try {
            r2 = conman::parse_image_ref(again);
        } catch (const conman::Error& e) {
            std::fprintf(stderr, "%s does not parse again: %s\n", again.c_str(), e.what());
            FUZZ_CHECK(false);
        }
        FUZZ_CHECK(r2 == r);
        FUZZ_CHECK(conman::has_explicit_registry(again));
    } catch (const conman::Error&) {
    }
    return 0;
}
