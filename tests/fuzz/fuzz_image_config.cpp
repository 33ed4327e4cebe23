// Fuzz target: image configs (parse_image_config), the JSON blob whose digest
// is the image ID, plus the ChainIDs computed from its diff_ids.
#include "conman/manifest.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view body = fuzz::input(data, size);
    try {
        conman::ImageConfig c = conman::parse_image_config(body);
        FUZZ_CHECK(c.raw == body);
        for (size_t n = 0; n <= c.diff_ids.size(); ++n) {
            std::string id = conman::chain_id(c.diff_ids, n);
            FUZZ_CHECK(n == 0 ? id.empty() : id.size() == 71);
        }
    } catch (const conman::Error&) {
    }
    return 0;
}
