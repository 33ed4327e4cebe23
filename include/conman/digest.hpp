// Content digests: streaming SHA-256 (OpenSSL libcrypto) and the
// "sha256:<64 hex>" form OCI uses. Sha256 owns its EVP context.
#pragma once
#include <memory>
#include <string>
#include <string_view>

namespace conman {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    Sha256(const Sha256& other);  // snapshot of the running state (for resumable downloads)
    void update(const void* data, size_t len);
    void update(std::string_view s) { update(s.data(), s.size()); }
    std::string hex();      // finishes: 64 lowercase hex chars
    std::string digest() { return "sha256:" + hex(); }

private:
    struct Ctx;
    std::unique_ptr<Ctx> ctx_;
};

std::string sha256_hex(std::string_view data);
// True for "sha256:" + 64 lowercase hex.
bool valid_digest(std::string_view d);
// The hex part of a valid digest; throws Usage naming the bad digest otherwise.
std::string digest_hex(std::string_view d);

}  // namespace conman
