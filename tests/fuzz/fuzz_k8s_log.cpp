// Fuzz target: k8s-file container logs (parse_line, parse), as `conman logs`
// reads them from disk, and the writer's round trip: a chunk written with
// append_chunk reads back as the same bytes.
#include "conman/k8s_log.hpp"
#include "fuzz_common.hpp"

namespace k8s = conman::k8s_log;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view content = fuzz::input(data, size);
    for (const auto& line : fuzz::split(content, '\n')) {
        if (auto r = k8s::parse_line(line)) FUZZ_CHECK(line.find(r->msg) != std::string::npos);
    }
    auto entries = k8s::parse(content);
    for (const auto& e : entries) FUZZ_CHECK(!e.ts.empty());

    // Written by the shim, read back by logs: the bytes survive.
    bool is_stderr = size > 0 && (data[0] & 1);
    std::string log = k8s::format_chunk(1700000000123456789, is_stderr, content);
    std::string back;
    for (const auto& e : k8s::parse(log)) {
        FUZZ_CHECK(e.is_stderr == is_stderr);
        back += e.text;
        if (e.ends_with_newline) back += '\n';
    }
    FUZZ_CHECK(back == content);
    return 0;
}
