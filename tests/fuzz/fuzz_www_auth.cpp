// Fuzz target: WWW-Authenticate header values from registries
// (parse_www_authenticate). It never throws; challenges come out with a
// lowercase scheme and lowercase parameter names.
#include <cctype>

#include "conman/www_auth.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view header = fuzz::input(data, size);
    auto challenges = conman::parse_www_authenticate(header);
    for (const auto& c : challenges) {
        FUZZ_CHECK(!c.scheme.empty());
        for (char ch : c.scheme) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(ch)));
        for (const auto& [k, v] : c.params) {
            for (char ch : k) FUZZ_CHECK(!std::isupper(static_cast<unsigned char>(ch)));
            FUZZ_CHECK(c.param(k) == v);
        }
        (void)c.param("realm");
    }
    return 0;
}
