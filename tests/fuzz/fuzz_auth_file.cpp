// Fuzz target: auth.json (AuthFile: load, lookups under every key and its
// host, remove) and the base64 codec behind "auth". The input is handed to
// AuthFile as a memfd reached through /proc/self/fd, so nothing touches disk.
#include <sys/mman.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "conman/auth_file.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text = fuzz::input(data, size);
    if (auto dec = conman::base64_decode(text)) FUZZ_CHECK(conman::base64_decode(conman::base64_encode(*dec)) == dec);
    FUZZ_CHECK(conman::base64_decode(conman::base64_encode(text)) == std::string(text));

    int fd = memfd_create("auth.json", MFD_CLOEXEC);
    FUZZ_CHECK(fd >= 0);
    for (size_t off = 0; off < size;) {
        ssize_t n = write(fd, data + off, size - off);
        FUZZ_CHECK(n > 0);
        off += static_cast<size_t>(n);
    }
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    try {
        conman::AuthFile f(path);
        f.set_docker_config("");
        // The keys, read the way a user would see them, each looked up as a registry and as a scope.
        std::vector<std::string> keys = {"docker.io", "quay.io"};
        auto j = nlohmann::json::parse(text, nullptr, false);
        if (j.is_object() && j.contains("auths") && j["auths"].is_object())
            for (auto it = j["auths"].begin(); it != j["auths"].end(); ++it) keys.push_back(it.key());
        for (const auto& k : keys) {
            size_t slash = k.find('/');
            std::string host = k.substr(0, slash);
            std::string repo = slash == std::string::npos ? "" : k.substr(slash + 1);
            try {
                (void)f.get(k);
                (void)f.get(host, repo);
                (void)f.get(host, "library/busybox");
            } catch (const conman::Error&) {
            }
        }
        for (const auto& k : keys) (void)f.remove(k);
        f.set("quay.io", conman::Credentials{});
        (void)f.remove_all();
    } catch (const conman::Error&) {
    }
    close(fd);
    return 0;
}
