#include "conman/http.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"

namespace conman {

namespace {

std::string lower(std::string_view s) {
    std::string r(s);
    for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

void global_init() {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The system CA bundle libcurl was built with, read once: extra per-registry
// CAs are appended to it so that adding a CA never removes the public ones.
const std::string& system_ca_bundle(CURL* h) {
    static std::once_flag once;
    static std::string bundle;
    std::call_once(once, [h] {
        char* path = nullptr;
        if (curl_easy_getinfo(h, CURLINFO_CAINFO, &path) == CURLE_OK && path) {
            if (auto s = read_file_if_exists(path)) bundle = std::move(*s);
        }
        if (bundle.empty()) {
            if (auto s = read_file_if_exists("/etc/ssl/certs/ca-certificates.crt")) bundle = std::move(*s);
        }
    });
    return bundle;
}

// NO_PROXY from the environment plus loopback: a proxy must never see
// traffic meant for a local registry. Setting CURLOPT_NOPROXY replaces the
// environment variable inside libcurl, hence the merge.
std::string no_proxy_list() {
    std::string list;
    for (const char* name : {"no_proxy", "NO_PROXY"}) {
        if (const char* v = std::getenv(name); v && *v) {
            list = v;
            break;
        }
    }
    if (list == "*") return list;
    if (!list.empty()) list += ",";
    return list + "127.0.0.1,localhost,::1";
}

struct Transfer {
    const HttpRequest* req = nullptr;
    CURL* h = nullptr;
    HttpResponse resp;
    std::exception_ptr exc;
    bool too_large = false;
    bool headers_done = false;
    int64_t upload_off = 0;
    UniqueFd upload_fd;
};

size_t on_header(char* data, size_t size, size_t n, void* p) {
    auto* t = static_cast<Transfer*>(p);
    std::string_view line(data, size * n);
    if (line.rfind("HTTP/", 0) == 0) {
        // A new status line (after 100 Continue, say): start over.
        t->resp.headers.clear();
        t->headers_done = false;
        auto sp = line.find(' ');
        t->resp.status = sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
        return size * n;
    }
    std::string_view l = trim(line);
    if (l.empty()) {
        if (t->resp.status >= 200 && !t->headers_done) {
            t->headers_done = true;
            if (t->resp.status < 300 && t->req->on_response) {
                try {
                    t->req->on_response(t->resp);
                } catch (...) {
                    t->exc = std::current_exception();
                    return 0;
                }
            }
        }
        return size * n;
    }
    auto colon = l.find(':');
    if (colon != std::string_view::npos)
        t->resp.headers.emplace_back(lower(trim(l.substr(0, colon))), std::string(trim(l.substr(colon + 1))));
    return size * n;
}

size_t on_write(char* data, size_t size, size_t n, void* p) {
    auto* t = static_cast<Transfer*>(p);
    size_t len = size * n;
    bool success = t->resp.status >= 200 && t->resp.status < 300;
    if (success && t->req->on_data) {
        try {
            t->req->on_data(data, len);
        } catch (...) {
            t->exc = std::current_exception();
            return 0;
        }
        return len;
    }
    if (t->resp.body.size() + len > t->req->max_body) {
        t->too_large = true;
        return 0;
    }
    t->resp.body.append(data, len);
    return len;
}

size_t on_read(char* buf, size_t size, size_t n, void* p) {
    auto* t = static_cast<Transfer*>(p);
    size_t want = size * n;
    if (t->req->body) {
        const std::string& b = *t->req->body;
        size_t off = static_cast<size_t>(t->upload_off);
        size_t k = std::min(want, b.size() - std::min(off, b.size()));
        std::memcpy(buf, b.data() + off, k);
        t->upload_off += static_cast<int64_t>(k);
        return k;
    }
    ssize_t r;
    do {
        r = ::pread(t->upload_fd.get(), buf, want, t->upload_off);
    } while (r < 0 && errno == EINTR);
    if (r < 0) return CURL_READFUNC_ABORT;
    t->upload_off += r;
    return static_cast<size_t>(r);
}

int on_seek(void* p, curl_off_t off, int origin) {
    auto* t = static_cast<Transfer*>(p);
    if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
    t->upload_off = off;
    return CURL_SEEKFUNC_OK;
}

struct CurlFree {
    void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct SlistFree {
    void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    std::string n = lower(name);
    for (const auto& [k, v] : headers)
        if (k == n) return v;
    return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
    std::string n = lower(name);
    std::vector<std::string> out;
    for (const auto& [k, v] : headers)
        if (k == n) out.push_back(v);
    return out;
}

bool HttpResult::transient() const {
    switch (curl_code) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

bool HttpResult::tls_failure() const {
    switch (curl_code) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        return true;
    default:
        return false;
    }
}

bool HttpResult::cert_failure() const { return curl_code == CURLE_PEER_FAILED_VERIFICATION; }

HttpResult http_perform(const HttpRequest& req) {
    global_init();
    std::unique_ptr<CURL, CurlFree> owner(curl_easy_init());
    if (!owner) fail(ErrorKind::System, "{}: cannot create a libcurl handle", req.url);
    CURL* h = owner.get();
    Transfer t;
    t.req = &req;
    t.h = h;
    char errbuf[CURL_ERROR_SIZE] = {};

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, req.connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, req.low_speed_bytes);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, req.low_speed_time_s);
    if (req.total_timeout_s > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT, req.total_timeout_s);
    curl_easy_setopt(h, CURLOPT_USERAGENT, req.user_agent.c_str());
    std::string noproxy = no_proxy_list();
    curl_easy_setopt(h, CURLOPT_NOPROXY, noproxy.c_str());
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
    // 512 KiB reads instead of 16 KiB: a 100 MB pull makes some 200 reads and writes, not 6,000.
    curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);

    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, req.tls.verify ? 1L : 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, req.tls.verify ? 2L : 0L);
    std::string ca;
    if (!req.tls.ca_pem.empty()) {
        ca = system_ca_bundle(h) + "\n" + req.tls.ca_pem;
        curl_blob blob{ca.data(), ca.size(), CURL_BLOB_COPY};
        curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
    }
    if (!req.tls.client_cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, req.tls.client_cert.c_str());
    if (!req.tls.client_key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, req.tls.client_key.c_str());

    std::unique_ptr<curl_slist, SlistFree> hdrs;
    auto add_header = [&](const std::string& line) {
        curl_slist* n = curl_slist_append(hdrs.get(), line.c_str());
        if (!n) fail(ErrorKind::System, "{}: out of memory", req.url);
        (void)hdrs.release();
        hdrs.reset(n);
    };
    for (const auto& line : req.headers) add_header(line);

    bool has_body = req.body || !req.upload_path.empty();
    if (req.method == "HEAD") {
        curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else if (has_body) {
        int64_t size = req.body ? static_cast<int64_t>(req.body->size()) : req.upload_size;
        if (!req.body) {
            t.upload_fd = open_fd(req.upload_path, O_RDONLY);
            if (size < 0) fail(ErrorKind::Usage, "{}: upload size unknown", req.upload_path);
        }
        // UPLOAD makes it a PUT; CUSTOMREQUEST renames the verb (POST, PATCH).
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
        curl_easy_setopt(h, CURLOPT_READDATA, &t);
        curl_easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
        curl_easy_setopt(h, CURLOPT_SEEKDATA, &t);
        if (req.method != "PUT") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        add_header("Expect:");  // no 100-continue round trip
    } else if (req.method != "GET") {
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    }
    if (hdrs) curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs.get());

    CURLcode rc = curl_easy_perform(h);
    if (t.exc) std::rethrow_exception(t.exc);
    if (t.too_large)
        fail(ErrorKind::Runtime, "{}: response body larger than {} bytes", req.url, req.max_body);
    HttpResult r;
    r.curl_code = rc;
    if (rc != CURLE_OK) r.error = errbuf[0] ? std::string(trim(errbuf)) : curl_easy_strerror(rc);
    r.response = std::move(t.resp);
    if (rc == CURLE_OK) {
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        r.response.status = code;
    }
    return r;
}

namespace {
struct UrlFree {
    void operator()(CURLU* u) const { curl_url_cleanup(u); }
};
std::unique_ptr<CURLU, UrlFree> parse_url(const std::string& url) {
    std::unique_ptr<CURLU, UrlFree> u(curl_url());
    if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK)
        fail(ErrorKind::Runtime, "invalid URL \"{}\"", url);
    return u;
}
std::string url_part(CURLU* u, CURLUPart part, unsigned flags = 0) {
    char* s = nullptr;
    if (curl_url_get(u, part, &s, flags) != CURLUE_OK || !s) return {};
    std::string r(s);
    curl_free(s);
    return r;
}
}  // namespace

std::string http_resolve_url(const std::string& base, const std::string& location) {
    auto u = parse_url(base);
    if (curl_url_set(u.get(), CURLUPART_URL, location.c_str(), 0) != CURLUE_OK)
        fail(ErrorKind::Runtime, "invalid redirect location \"{}\"", location);
    return url_part(u.get(), CURLUPART_URL);
}

std::string http_origin(const std::string& url) {
    auto u = parse_url(url);
    return lower(url_part(u.get(), CURLUPART_SCHEME)) + "://" + lower(url_part(u.get(), CURLUPART_HOST)) + ":" +
           url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
}

std::string http_scheme(const std::string& url) {
    auto u = parse_url(url);
    return lower(url_part(u.get(), CURLUPART_SCHEME));
}

std::string http_escape(std::string_view s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

std::string http_base64(std::string_view s) {
    std::string out(4 * ((s.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(s.data()), static_cast<int>(s.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

}  // namespace conman
