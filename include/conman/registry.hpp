// Client for one repository on one registry, speaking the OCI distribution
// API v2 over libcurl (see http.hpp): ping and scheme detection, Basic and
// Bearer-token auth, manifests, verified blob download with resume, blob and
// manifest upload.
//
// Ownership: a RegistryClient owns its options, the ping result (scheme and
// auth challenge) and a token cache; it owns no connection (every request
// uses its own CURL easy handle, created and freed within the call). It may
// be destroyed once no call is running.
//
// Thread-safety: all public methods may be called from several threads at
// once (e.g. fetch_blob for several layers). The ping result is written once
// under the mutex and read-only afterwards; the token cache and the auth
// mode are guarded by the same mutex; a token fetch happens under it, so threads
// that need the same token wait for one fetch instead of each doing it.
//
// The API takes plain strings (host, repository, tag or digest) so that it
// does not depend on the image-reference parser.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "conman/credentials.hpp"
#include "conman/http.hpp"
#include "conman/www_auth.hpp"

namespace conman {

// The four manifest types conman parses, as one Accept value. Always send all
// of them: distribution 2.8 down-converts to schema1 or 404s OCI content
// otherwise.
extern const char* const kManifestAccept;

struct RegistryOptions {
    bool tls_verify = true;
    // registries.conf "insecure" / --tls-verify=false: try https without
    // verification, then plain http.
    bool insecure = false;
    std::optional<Credentials> creds;
    // Directory with *.crt (extra CAs) and X.cert + X.key (client cert). Empty:
    // /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST and, when not
    // root, ~/.config/containers/certs.d/HOST; every existing one is used.
    std::string certs_dir;
    std::string user_agent = "conman";
    int max_retries = 3;     // resumes of a dropped blob, 429 backoffs
    long connect_timeout_s = 30;
    long stall_timeout_s = 60;  // abort a transfer that moves < 1 byte/s for this long
    int max_backoff_s = 60;     // cap for Retry-After and 429/503 backoff
};

class RegistryClient {
public:
    // api_host: "registry-1.docker.io", "127.0.0.1:5000", "[::1]:5000".
    // repository: "library/busybox".
    RegistryClient(std::string api_host, std::string repository, RegistryOptions opts);

    // GET /v2/: picks the scheme (https; plain http only when insecure or
    // !tls_verify and https fails) and records the auth challenge. Done once
    // per client (later calls return at once; a failed ping is retried);
    // every other call pings first if needed. Throws "pinging registry HOST: ...".
    void ping();
    // For `login`: succeeds when the registry accepts the credentials (or
    // needs none); Error "invalid username or password" on a 401 from the
    // registry or the token server.
    void check_credentials();

    struct ManifestResponse {
        std::string body;          // exact bytes
        std::string content_type;  // from the response, parameters stripped
        std::string digest;        // sha256 of body
    };
    // reference: tag or "sha256:..." digest. 404 -> Error(NotFound)
    // "manifest unknown: REPO:REF". Body capped at 4 MiB.
    ManifestResponse get_manifest(const std::string& reference, const std::string& accept = kManifestAccept);
    // Digest (Docker-Content-Digest) or nullopt on 404.
    std::optional<std::string> head_manifest(const std::string& reference,
                                             const std::string& accept = kManifestAccept);

    // A small blob (config) into memory, size- and digest-verified.
    std::string get_blob_small(const std::string& digest, int64_t size, int64_t max = 4 << 20);
    // Streams a blob into dest_path (created or truncated), verifying size and
    // digest, resuming with Range after a dropped connection (max_retries).
    // progress(bytes_done) is called now and then. On any failure dest_path
    // is removed and an Error naming the digest is thrown.
    void fetch_blob(const std::string& digest, int64_t size, const std::string& dest_path,
                    const std::function<void(int64_t)>& progress = {});
    bool blob_exists(const std::string& digest);
    // Monolithic upload (POST then PUT ?digest=), skipped when the blob exists.
    // Returns false when it was skipped.
    bool push_blob(const std::string& digest, int64_t size, const std::string& path);
    // PUT /v2/REPO/manifests/REF; returns the digest of body.
    std::string put_manifest(const std::string& reference, const std::string& body, const std::string& media_type);

    const std::string& host() const { return host_; }
    const std::string& repository() const { return repo_; }

    // One request with auth, redirects and 429 handling (registry_request.cpp).
    struct Call {
        std::string method = "GET";
        std::string path;  // "/v2/..." on the registry, or an absolute URL
        std::vector<std::string> headers;
        std::optional<std::string> body;
        std::string upload_path;
        int64_t upload_size = -1;
        bool push = false;  // token scope pull,push instead of pull
        std::optional<std::string> scope;  // overrides the repository scope ("" = none)
        size_t max_body = 1 << 20;
        std::function<void(const HttpResponse&)> on_response;
        std::function<void(const char*, size_t)> on_data;
    };
    // Throws on transport errors unless allow_transport_error, in which case
    // the failed HttpResult comes back.
    HttpResult call(const Call& c, bool allow_transport_error = false);

private:
    struct Token {
        std::string value;
        std::chrono::steady_clock::time_point expires;
    };
    enum class AuthMode { Unknown, None, Basic, Bearer };

    std::string base_url();
    void ensure_pinged();
    void ping_locked();
    std::string scope_for(bool push) const;
    // Authorization header value for a registry-origin request, or "".
    std::string auth_header(const std::string& scope);
    std::string fetch_token_locked(const WwwAuthChallenge& ch, const std::string& scope);
    HttpRequest make_request(const std::string& url) const;
    [[noreturn]] void throw_status(const HttpResponse& r, const std::string& what) const;

    std::string host_;
    std::string repo_;
    RegistryOptions opts_;
    HttpTls tls_;  // from certs dir; verify flag set at ping time

    std::mutex mu_;
    bool pinged_ = false;
    std::string scheme_;
    AuthMode mode_ = AuthMode::Unknown;
    WwwAuthChallenge challenge_;  // the one we use (bearer preferred)
    std::map<std::string, Token> tokens_;  // by scope

    friend struct RegistryInternals;
};

// Formats a registry error answer: the {"errors":[{"code","message"}]} JSON
// when present, else the HTTP status. "denied: requested access ... (HTTP 403)".
std::string registry_error_text(const HttpResponse& r);

}  // namespace conman
