// Fuzz target: --env-file contents (parse_env_file) and the merge of their
// entries over an image's environment (merge_env), as create and exec do.
#include "conman/engine.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string content(fuzz::input(data, size));
    try {
        std::vector<std::string> env = conman::parse_env_file(content, "fuzz.env");
        for (const auto& e : env) FUZZ_CHECK(e.find('=') != std::string::npos && e[0] != '=');
        auto merged = conman::merge_env({"PATH=/bin", "HOME=/root"}, env);
        FUZZ_CHECK(merged.size() >= 2);
    } catch (const conman::Error&) {
    }
    return 0;
}
