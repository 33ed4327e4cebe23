// Manifests and blobs: verified download with Range resume, upload.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/registry.hpp"

namespace conman {

namespace {

constexpr size_t kMaxManifest = 4 << 20;
constexpr int64_t kProgressStep = 256 << 10;

bool is_digest_ref(const std::string& ref) { return ref.find(':') != std::string::npos; }

std::string strip_params(std::string ct) {
    auto semi = ct.find(';');
    if (semi != std::string::npos) ct.resize(semi);
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    return ct;
}

void check_digest_arg(const std::string& digest) {
    if (!valid_digest(digest)) fail(ErrorKind::Usage, "unsupported or invalid digest \"{}\" (only sha256 is supported)", digest);
}

// Where downloaded bytes go; reset() discards everything (server ignored Range).
struct BlobSink {
    virtual ~BlobSink() = default;
    virtual void append(const char* data, size_t len) = 0;
    virtual void reset() = 0;
};

struct MemorySink : BlobSink {
    std::string data;
    void append(const char* d, size_t len) override { data.append(d, len); }
    void reset() override { data.clear(); }
};

// libcurl hands over at most 16 KiB per callback: gather 1 MiB before each
// write (a 100 MB blob: ~100 writes instead of ~6,000). flush() writes the rest.
struct FileSink : BlobSink {
    static constexpr size_t kFlushAt = 1 << 20;
    UniqueFd fd;
    std::string path;
    std::string pending;
    void append(const char* d, size_t len) override {
        pending.append(d, len);
        if (pending.size() >= kFlushAt) flush();
    }
    void flush() {
        write_all(fd.get(), pending);
        pending.clear();
    }
    void reset() override {
        pending.clear();
        if (::ftruncate(fd.get(), 0) != 0) throw_sys(errno, "truncate {}", path);
        if (::lseek(fd.get(), 0, SEEK_SET) < 0) throw_sys(errno, "seek {}", path);
    }
};

// "bytes START-END/TOTAL" -> START and TOTAL (-1 for "*"); false when malformed.
bool parse_content_range(const std::string& v, int64_t& start, int64_t& total) {
    long long s = 0, e = 0;
    char tot[32] = {};
    if (std::sscanf(v.c_str(), "bytes %lld-%lld/%31s", &s, &e, tot) != 3 || e < s) return false;
    start = s;
    total = std::string(tot) == "*" ? -1 : std::atoll(tot);
    return true;
}

}  // namespace

// The download loop shared by fetch_blob and get_blob_small. Every request
// after the first asks for the missing tail with Range; the sink and the
// hash always describe the same bytes.
struct RegistryInternals {
    static void download(RegistryClient& rc, const std::string& digest, int64_t size, BlobSink& sink,
                         const std::function<void(int64_t)>& progress) {
        check_digest_arg(digest);
        if (size < 0) fail(ErrorKind::Usage, "blob {}: invalid size {}", digest, size);
        Sha256 hash;
        int64_t done = 0, reported = 0;
        int failures = 0, requests = 0;
        const int max_requests = 10 * (rc.opts_.max_retries + 1);
        for (;;) {
            int64_t at_start = done;
            RegistryClient::Call c;
            c.path = "/v2/" + rc.repo_ + "/blobs/" + digest;
            c.max_body = 64 << 10;
            if (done > 0) c.headers.push_back(fmt::format("Range: bytes={}-", done));
            c.on_response = [&](const HttpResponse& r) {
                if (done == 0) {
                    if (r.status != 200) fail(ErrorKind::Runtime, "blob {}: unexpected HTTP {}", digest, r.status);
                    return;
                }
                if (r.status == 200) {  // Range ignored: start over, never append
                    sink.reset();
                    hash = Sha256();
                    done = 0;
                    return;
                }
                int64_t start = 0, total = 0;
                auto cr = r.header("content-range");
                if (r.status != 206 || !cr || !parse_content_range(*cr, start, total) || start != done ||
                    (total >= 0 && total != size))
                    fail(ErrorKind::Runtime, "blob {}: bad answer to Range: bytes={}-: HTTP {} {}", digest, done,
                         r.status, cr.value_or(""));
            };
            c.on_data = [&](const char* data, size_t len) {
                if (done + static_cast<int64_t>(len) > size)
                    fail(ErrorKind::Runtime, "blob {}: server sent more than the expected {} bytes", digest, size);
                sink.append(data, len);
                hash.update(data, len);
                done += static_cast<int64_t>(len);
                if (progress && done - reported >= kProgressStep) {
                    reported = done;
                    progress(done);
                }
            };
            HttpResult r = rc.call(c, true);
            ++requests;
            bool complete = r.ok() && done == size;
            if (r.ok() && r.response.status == 404)
                throw Error(ErrorKind::NotFound, fmt::format("blob unknown: {}@{}: {}", rc.repo_, digest,
                                                             registry_error_text(r.response)));
            if (r.ok() && r.response.status != 200 && r.response.status != 206)
                rc.throw_status(r.response, fmt::format("fetching blob {}", digest));
            if (complete) break;
            // Dropped connection, stall, or a body that ended short.
            bool retryable = !r.ok() ? (r.transient() || r.curl_code == 7 /* CURLE_COULDNT_CONNECT */) : true;
            failures = done > at_start ? 0 : failures + 1;
            if (!retryable || failures > rc.opts_.max_retries || requests >= max_requests) {
                std::string why = r.ok() ? fmt::format("got only {} of {} bytes", done, size) : r.error;
                fail(ErrorKind::Runtime, "fetching blob {}: {}", digest, why);
            }
            if (failures > 0) std::this_thread::sleep_for(std::chrono::milliseconds(250 * failures));
        }
        std::string got = hash.digest();
        if (got != digest) fail(ErrorKind::Runtime, "digest mismatch for blob {}: got {}", digest, got);
        if (progress) progress(done);
    }
};

std::string RegistryClient::get_blob_small(const std::string& digest, int64_t size, int64_t max) {
    if (size > max) fail(ErrorKind::Runtime, "blob {}: size {} exceeds the limit of {} bytes", digest, size, max);
    MemorySink sink;
    RegistryInternals::download(*this, digest, size, sink, {});
    return std::move(sink.data);
}

void RegistryClient::fetch_blob(const std::string& digest, int64_t size, const std::string& dest_path,
                                const std::function<void(int64_t)>& progress) {
    FileSink sink;
    sink.path = dest_path;
    sink.fd = open_fd(dest_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    sink.pending.reserve(FileSink::kFlushAt + (64 << 10));
    try {
        // No fdatasync: like the unpacked layers, blobs are not forced to disk
        // (containers-storage does the same); image records are. It cost
        // about 20 ms per layer.
        RegistryInternals::download(*this, digest, size, sink, progress);
        sink.flush();
    } catch (...) {
        sink.fd.reset();
        ::unlink(dest_path.c_str());
        throw;
    }
}

bool RegistryClient::blob_exists(const std::string& digest) {
    check_digest_arg(digest);
    Call c;
    c.method = "HEAD";
    c.path = "/v2/" + repo_ + "/blobs/" + digest;
    HttpResult r = call(c);
    if (r.response.status == 200) return true;
    if (r.response.status == 404) return false;
    throw_status(r.response, fmt::format("checking blob {}", digest));
}

bool RegistryClient::push_blob(const std::string& digest, int64_t size, const std::string& path) {
    check_digest_arg(digest);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw_sys(errno, "stat {}", path);
    if (st.st_size != size) fail(ErrorKind::Runtime, "blob {}: {} has {} bytes, expected {}", digest, path, st.st_size, size);
    if (blob_exists(digest)) return false;
    std::string what = fmt::format("uploading blob {}", digest);
    Call post;
    post.method = "POST";
    post.path = "/v2/" + repo_ + "/blobs/uploads/";
    post.body = std::string();
    post.push = true;
    HttpResult r = call(post);
    auto loc = r.response.header("location");
    if (r.response.status != 202 || !loc) {
        if (r.response.status == 202) fail(ErrorKind::Runtime, "{}: registry gave no upload location", what);
        throw_status(r.response, what);
    }
    std::string url = http_resolve_url(base_url() + post.path, *loc);
    url += (url.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + http_escape(digest);
    Call put;
    put.method = "PUT";
    put.path = url;
    put.upload_path = path;
    put.upload_size = size;
    put.push = true;
    put.headers.push_back("Content-Type: application/octet-stream");
    r = call(put);
    if (r.response.status != 201) throw_status(r.response, what);
    return true;
}

std::string RegistryClient::put_manifest(const std::string& reference, const std::string& body,
                                         const std::string& media_type) {
    std::string digest = "sha256:" + sha256_hex(body);
    std::string what = fmt::format("uploading manifest {}{}{}", repo_, is_digest_ref(reference) ? "@" : ":", reference);
    Call c;
    c.method = "PUT";
    c.path = "/v2/" + repo_ + "/manifests/" + reference;
    c.body = body;
    c.push = true;
    c.headers.push_back("Content-Type: " + media_type);
    HttpResult r = call(c);
    if (r.response.status != 201) throw_status(r.response, what);
    if (auto d = r.response.header("docker-content-digest"); d && valid_digest(*d) && *d != digest)
        fail(ErrorKind::Runtime, "{}: registry computed digest {}, expected {}", what, *d, digest);
    return digest;
}

RegistryClient::ManifestResponse RegistryClient::get_manifest(const std::string& reference, const std::string& accept) {
    bool by_digest = is_digest_ref(reference);
    if (by_digest) check_digest_arg(reference);
    std::string name = repo_ + (by_digest ? "@" : ":") + reference;
    Call c;
    c.path = "/v2/" + repo_ + "/manifests/" + reference;
    c.headers.push_back("Accept: " + accept);
    c.max_body = kMaxManifest;
    HttpResult r = call(c);
    if (r.response.status == 404) {
        std::string detail = registry_error_text(r.response);
        throw Error(ErrorKind::NotFound, fmt::format("manifest unknown: {}: {}", name, detail));
    }
    if (r.response.status != 200) throw_status(r.response, "fetching manifest " + name);
    ManifestResponse m;
    m.body = std::move(r.response.body);
    m.content_type = strip_params(r.response.header("content-type").value_or(""));
    m.digest = "sha256:" + sha256_hex(m.body);
    if (auto d = r.response.header("docker-content-digest"); d && d->rfind("sha256:", 0) == 0 && *d != m.digest)
        fail(ErrorKind::Runtime, "manifest {}: registry says digest {}, content is {}", name, *d, m.digest);
    if (by_digest && m.digest != reference)
        fail(ErrorKind::Runtime, "digest mismatch for manifest {}: got {}", name, m.digest);
    return m;
}

std::optional<std::string> RegistryClient::head_manifest(const std::string& reference, const std::string& accept) {
    bool by_digest = is_digest_ref(reference);
    if (by_digest) check_digest_arg(reference);
    Call c;
    c.method = "HEAD";
    c.path = "/v2/" + repo_ + "/manifests/" + reference;
    c.headers.push_back("Accept: " + accept);
    HttpResult r = call(c);
    if (r.response.status == 404) return std::nullopt;
    if (r.response.status != 200)
        throw_status(r.response, fmt::format("checking manifest {}{}{}", repo_, by_digest ? "@" : ":", reference));
    if (auto d = r.response.header("docker-content-digest"); d && valid_digest(*d)) return *d;
    return get_manifest(reference, accept).digest;
}

}  // namespace conman
