// Fuzz target: image manifests and indexes as a registry or an archive serves
// them (parse_manifest), the platform choice made from an index
// (select_platform) and --platform values (parse_platform). The first input
// byte picks the Content-Type the body arrives with. A document that parses
// must serialise to OCI JSON that parses to the same document.
#include "conman/manifest.hpp"
#include "fuzz_common.hpp"

namespace {

constexpr std::string_view kContentTypes[] = {
    "",
    "application/json",
    conman::media_type::oci_manifest,
    conman::media_type::oci_index,
    conman::media_type::docker_manifest,
    conman::media_type::docker_manifest_list,
    "application/vnd.oci.image.manifest.v1+json; charset=utf-8",
    conman::media_type::docker_schema1_signed,
};

// OCI re-serialisation changes the media type and drops nothing else.
void check_round_trip(const conman::ParsedManifest& p) {
    if (p.is_index) {
        conman::Index idx = p.index;
        std::string text = conman::serialize_index(idx);
        auto again = conman::parse_manifest(text, "");
        FUZZ_CHECK(again.is_index);
        idx.media_type = std::string(conman::media_type::oci_index);
        if (p.index.media_type == conman::media_type::docker_manifest_list) return;  // written as OCI
        FUZZ_CHECK(again.index == idx);
    } else {
        conman::Manifest m = p.manifest;
        std::string text = conman::serialize_manifest(m);
        auto again = conman::parse_manifest(text, "");
        FUZZ_CHECK(!again.is_index);
        if (m.media_type == conman::media_type::docker_manifest) return;
        FUZZ_CHECK(again.manifest == m);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string_view ct = kContentTypes[data[0] % std::size(kContentTypes)];
    std::string_view body = fuzz::input(data + 1, size - 1);
    try {
        (void)conman::parse_platform(body.substr(0, body.find('\n')));
    } catch (const conman::Error&) {
    }
    try {
        conman::ParsedManifest p = conman::parse_manifest(body, ct);
        if (p.is_index) {
            for (const char* want : {"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v5", "linux/386/x"}) {
                const conman::Descriptor* d = conman::select_platform(p.index, conman::parse_platform(want));
                if (d) FUZZ_CHECK(d >= p.index.manifests.data() && d < p.index.manifests.data() + p.index.manifests.size());
            }
            (void)conman::select_platform(p.index, conman::host_platform());
        }
        try {
            check_round_trip(p);
        } catch (const conman::Error& e) {
            std::fprintf(stderr, "re-serialised document does not parse: %s\n", e.what());
            FUZZ_CHECK(false);
        }
    } catch (const conman::Error&) {
    }
    return 0;
}
