// Fuzz target: registries.conf (v1 and v2, the TOML subset reader) and what
// is computed from it: short-name candidates, prefix lookups, merging.
#include "conman/registries_conf.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text = fuzz::input(data, size);
    try {
        conman::RegistriesConf c = conman::parse_registries_conf(text, "fuzz.conf");
        std::vector<std::string> names = {"busybox", "library/alpine:3", "quay.io/ns/repo:tag",
                                          "localhost:5000/x@sha256:" + std::string(64, 'a')};
        for (const auto& [k, v] : c.aliases) names.push_back(k);
        for (const auto& r : c.registries) {
            names.push_back(r.prefix);
            names.push_back(r.location + "/x/y:z");
        }
        for (const auto& n : names) {
            (void)c.find(n);
            (void)c.insecure(n);
            (void)c.blocked(n);
            try {
                for (const auto& ref : c.candidates(n)) FUZZ_CHECK(!ref.registry.empty());
            } catch (const conman::Error&) {
            }
        }
        conman::RegistriesConf base = conman::parse_registries_conf(
            "unqualified-search-registries = [\"docker.io\"]\n[[registry]]\nprefix = \"quay.io\"\n", "base.conf");
        base.merge(c);
        FUZZ_CHECK(base.registries.size() >= c.registries.size());
    } catch (const conman::Error&) {
    }
    return 0;
}
