#include "conman/digest.hpp"

#include <openssl/evp.h>

#include "conman/error.hpp"

namespace conman {

struct Sha256::Ctx {
    EVP_MD_CTX* md = nullptr;
    ~Ctx() { EVP_MD_CTX_free(md); }
};

namespace {
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md;
}
}  // namespace

Sha256::Sha256() : ctx_(std::make_unique<Ctx>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md || EVP_DigestInit_ex(ctx_->md, sha256_md(), nullptr) != 1)
        throw Error(ErrorKind::System, "sha256: cannot initialise libcrypto digest");
}

Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

Sha256::Sha256(const Sha256& other) : ctx_(std::make_unique<Ctx>()) {
    ctx_->md = EVP_MD_CTX_new();
    if (!ctx_->md || EVP_MD_CTX_copy_ex(ctx_->md, other.ctx_->md) != 1)
        throw Error(ErrorKind::System, "sha256: cannot copy digest state");
}

void Sha256::update(const void* data, size_t len) {
    if (len && EVP_DigestUpdate(ctx_->md, data, len) != 1) throw Error(ErrorKind::System, "sha256: update failed");
}

std::string Sha256::hex() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(ctx_->md, out, &n) != 1) throw Error(ErrorKind::System, "sha256: final failed");
    static const char* digits = "0123456789abcdef";
    std::string s;
    s.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        s += digits[out[i] >> 4];
        s += digits[out[i] & 15];
    }
    return s;
}

std::string sha256_hex(std::string_view data) {
    Sha256 h;
    h.update(data);
    return h.hex();
}

bool valid_digest(std::string_view d) {
    if (d.size() != 71 || d.substr(0, 7) != "sha256:") return false;
    for (char c : d.substr(7)) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string digest_hex(std::string_view d) {
    if (!valid_digest(d)) fail(ErrorKind::Usage, "invalid digest \"{}\": expected sha256: and 64 lowercase hex digits", d);
    return std::string(d.substr(7));
}

}  // namespace conman
