// Fuzz target: Go-style --format templates (Template::parse, render against a
// fixed container-like object, render_header) and the --format preprocessing
// (is_table, strip_table, unescape_format).
#include "conman/template.hpp"
#include "fuzz_common.hpp"

namespace {

const nlohmann::json& data() {
    static const nlohmann::json d = nlohmann::json::parse(R"({
        "ID": "0123456789abcdef0123456789abcdef",
        "Names": "web",
        "Image": "docker.io/library/busybox:latest",
        "State": "running",
        "Pid": 4242,
        "Ratio": 0.25,
        "Big": 1e300,
        "Neg": -9223372036854775808,
        "Huge": 18446744073709551615,
        "Up": true,
        "Empty": "",
        "Nothing": null,
        "Ports": [80, 443],
        "Tags": ["a", "b", "c"],
        "Labels": {"app": "web", "tier": "front", "": "empty"},
        "Config": {"Image": "busybox", "Env": ["A=1", "B=2"], "Healthcheck": {"Retries": 3}},
        "Mounts": [{"Source": "/src", "Destination": "/dst", "RW": true}, {"Source": "/s2"}],
        "Annotations": {},
        "Unicode": "h\u00e9llo \u4e16\u754c \ud83d\ude00"
    })");
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data_, size_t size) {
    std::string_view fmt = fuzz::input(data_, size);
    (void)conman::is_table(fmt);
    std::string text = conman::unescape_format(conman::strip_table(fmt));
    try {
        conman::Template t = conman::Template::parse(text);
        try {
            (void)t.render(data());
            (void)t.render(nlohmann::json::parse(R"([1, "two", null, {"A": [true, 2.5]}])"));
        } catch (const conman::Error&) {
        }
        (void)t.render_header([](std::string_view f) { return f == "ID" ? std::string("CONTAINER ID") : std::string(); });
    } catch (const conman::Error&) {
    }
    return 0;
}
