// A thin, synchronous libcurl wrapper for the registry client: one request,
// one CURL easy handle, created and cleaned up inside http_perform (so any
// number of threads may call it at once). Redirects are NOT followed here;
// the caller sees 3xx and decides (see registry.cpp). Proxies come from the
// usual environment variables, but never for 127.0.0.1/localhost/::1.
// Transparent decompression is never enabled: bodies arrive byte-exact.
#pragma once
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace conman {

struct HttpTls {
    bool verify = true;
    std::string ca_pem;       // extra CAs (PEM), added to the system bundle; empty: system only
    std::string client_cert;  // path to a PEM client certificate, or ""
    std::string client_key;   // path to its key, or ""
};

struct HttpResponse {
    long status = 0;
    // Final response's headers, names lowercased, in arrival order.
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;  // only when the request had no on_data sink, or status is not 2xx
    std::optional<std::string> header(std::string_view name) const;  // first match
    std::vector<std::string> headers_named(std::string_view name) const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    // Request body: either in memory or from a file (upload_path, upload_size).
    std::optional<std::string> body;
    std::string upload_path;
    int64_t upload_size = -1;
    HttpTls tls;
    std::string user_agent = "conman";
    long connect_timeout_s = 30;
    // Stall detection: abort when under low_speed_bytes/s for low_speed_time_s.
    long low_speed_bytes = 1;
    long low_speed_time_s = 60;
    long total_timeout_s = 0;  // 0: none (blobs can be huge)
    // Bodies collected into HttpResponse::body are capped; beyond it the
    // transfer fails with "response too large".
    size_t max_body = 4 << 20;
    // Called once with status and headers before the first body byte of a
    // 2xx answer; may throw to abort the transfer.
    std::function<void(const HttpResponse&)> on_response;
    // When set, 2xx body bytes go here instead of HttpResponse::body; may throw.
    std::function<void(const char*, size_t)> on_data;
};

// Outcome of a transfer. ok() means an HTTP response was received completely;
// otherwise error holds curl's one-line reason and curl_code the CURLcode.
struct HttpResult {
    HttpResponse response;
    int curl_code = 0;
    std::string error;
    bool ok() const { return curl_code == 0; }
    // True when curl failed because the connection broke mid-transfer (worth
    // a retry/resume): partial file, recv error, stall timeout, empty reply.
    bool transient() const;
    // True when the TLS handshake failed (possibly a plain-http server).
    bool tls_failure() const;
    // True when the server spoke TLS but its certificate did not verify.
    bool cert_failure() const;
};

// Performs one request. Exceptions thrown by on_response/on_data are
// rethrown here after the transfer is torn down.
HttpResult http_perform(const HttpRequest& req);

// Resolves a (possibly relative) Location against base. Throws Error for
// URLs that cannot be parsed.
std::string http_resolve_url(const std::string& base, const std::string& location);
// scheme://host[:port] of an absolute URL, lowercased, with the default port
// made explicit ("https://reg:443"), for same-origin comparisons.
std::string http_origin(const std::string& url);
std::string http_scheme(const std::string& url);
// application/x-www-form-urlencoded / query escaping.
std::string http_escape(std::string_view s);
std::string http_base64(std::string_view s);

}  // namespace conman
