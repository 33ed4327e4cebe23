// RegistryClient: construction, certificates, ping, login check, errors.
// Requests with auth/redirects live in registry_request.cpp, manifests and
// blobs in registry_blob.cpp.
#include "conman/registry.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fs.hpp"

namespace conman {

const char* const kManifestAccept =
    "application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> default_cert_dirs(const std::string& host) {
    std::vector<std::string> dirs;
    if (host_identity().rootless) {
        if (const char* home = std::getenv("HOME"); home && *home)
            dirs.push_back(join_path(home, ".config/containers/certs.d/" + host));
    }
    dirs.push_back("/etc/containers/certs.d/" + host);
    dirs.push_back("/etc/docker/certs.d/" + host);
    return dirs;
}

// *.crt files become extra CAs; X.cert with a matching X.key is the client
// certificate (first one wins), as containers/image lays out certs.d.
void load_cert_dir(const std::string& dir, HttpTls& tls) {
    std::vector<std::string> names = list_dir(dir);
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
        std::string path = join_path(dir, name);
        if (ends_with(name, ".crt")) {
            tls.ca_pem += read_file(path);
            tls.ca_pem += "\n";
        } else if (ends_with(name, ".cert") && tls.client_cert.empty()) {
            std::string key = join_path(dir, name.substr(0, name.size() - 5) + ".key");
            if (!path_exists(key)) fail(ErrorKind::Usage, "client certificate {} has no key {}", path, key);
            tls.client_cert = path;
            tls.client_key = key;
        }
    }
}

std::string status_reason(long st) {
    switch (st) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "";
    }
}

}  // namespace

std::string registry_error_text(const HttpResponse& r) {
    std::string text;
    auto j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_object() && j.contains("errors") && j["errors"].is_array()) {
        for (const auto& e : j["errors"]) {
            if (!e.is_object()) continue;
            std::string code = e.value("code", "");
            std::string msg = e.contains("message") && e["message"].is_string() ? e["message"].get<std::string>() : "";
            std::replace(code.begin(), code.end(), '_', ' ');
            std::transform(code.begin(), code.end(), code.begin(), [](unsigned char c) { return std::tolower(c); });
            std::string one = code.empty() ? msg : msg.empty() || msg == code ? code : code + ": " + msg;
            if (one.empty()) continue;
            if (!text.empty()) text += "; ";
            text += one;
        }
    }
    std::string status = fmt::format("HTTP {}", r.status);
    if (auto reason = status_reason(r.status); !reason.empty()) status += " " + reason;
    return text.empty() ? status : fmt::format("{} ({})", text, status);
}

RegistryClient::RegistryClient(std::string api_host, std::string repository, RegistryOptions opts)
    : host_(std::move(api_host)), repo_(std::move(repository)), opts_(std::move(opts)) {
    if (!opts_.certs_dir.empty()) {
        load_cert_dir(opts_.certs_dir, tls_);
    } else {
        for (const auto& d : default_cert_dirs(host_)) load_cert_dir(d, tls_);
    }
}

void RegistryClient::throw_status(const HttpResponse& r, const std::string& what) const {
    ErrorKind kind = r.status == 404 ? ErrorKind::NotFound : ErrorKind::Runtime;
    std::string hint;
    if (r.status == 401)
        hint = opts_.creds && !opts_.creds->empty()
                   ? " (the registry does not allow this with the credentials given)"
                   : fmt::format(" (no credentials for {}: use conman login, --authfile or --creds)", host_);
    throw Error(kind, fmt::format("{}: {}{}", what, registry_error_text(r), hint));
}

std::string RegistryClient::base_url() {
    ensure_pinged();
    return scheme_ + "://" + host_;
}

void RegistryClient::ensure_pinged() {
    std::lock_guard lk(mu_);
    if (!pinged_) ping_locked();
}

void RegistryClient::ping() { ensure_pinged(); }

HttpRequest RegistryClient::make_request(const std::string& url) const {
    HttpRequest req;
    req.url = url;
    req.tls = tls_;
    req.user_agent = opts_.user_agent;
    req.connect_timeout_s = opts_.connect_timeout_s;
    req.low_speed_time_s = opts_.stall_timeout_s;
    return req;
}

void RegistryClient::ping_locked() {
    bool lax = opts_.insecure || !opts_.tls_verify;
    std::vector<std::pair<std::string, bool>> tries;  // scheme, verify
    if (lax) {
        tries = {{"https", false}, {"http", false}};
    } else {
        tries = {{"https", true}};
    }
    std::string what = "pinging registry " + host_;
    std::string first_error;
    bool https_tls_failed = false;
    bool cert_failed = false;
    for (const auto& [scheme, verify] : tries) {
        HttpRequest req = make_request(scheme + "://" + host_ + "/v2/");
        req.tls.verify = verify;
        req.total_timeout_s = opts_.connect_timeout_s + 30;
        req.max_body = 64 << 10;
        HttpResult r = http_perform(req);
        if (!r.ok()) {
            if (first_error.empty()) first_error = r.error;
            if (scheme == "https" && r.tls_failure()) https_tls_failed = true;
            if (scheme == "https" && r.cert_failure()) cert_failed = true;
            continue;
        }
        long st = r.response.status;
        if (st != 200 && st != 401) throw Error(ErrorKind::Runtime, fmt::format("{}: {}", what, registry_error_text(r.response)));
        std::vector<WwwAuthChallenge> chs;
        for (const auto& v : r.response.headers_named("www-authenticate")) {
            auto parsed = parse_www_authenticate(v);
            chs.insert(chs.end(), parsed.begin(), parsed.end());
        }
        mode_ = AuthMode::None;
        auto pick = [&](const char* s) {
            for (const auto& c : chs)
                if (c.scheme == s) return &c;
            return static_cast<const WwwAuthChallenge*>(nullptr);
        };
        if (const auto* b = pick("bearer")) {
            mode_ = AuthMode::Bearer;
            challenge_ = *b;
        } else if (const auto* b = pick("basic")) {
            mode_ = AuthMode::Basic;
            challenge_ = *b;
        } else if (st == 401) {
            throw Error(ErrorKind::Runtime, fmt::format("{}: HTTP 401 without a supported WWW-Authenticate challenge", what));
        }
        scheme_ = scheme;
        tls_.verify = verify;
        pinged_ = true;
        return;
    }
    if (cert_failed && !lax) {
        // An HTTPS server whose certificate we cannot verify: never blame plain HTTP for it.
        throw Error(ErrorKind::Runtime,
                    fmt::format("{}: {}: the registry's certificate is not trusted (put its CA certificate in a "
                                "--cert-dir directory or in /etc/containers/certs.d/{}/, or use --tls-verify=false)",
                                what, first_error, host_));
    }
    if (https_tls_failed && !lax) {
        // Tell a plain-http registry apart from a broken certificate.
        HttpRequest req = make_request("http://" + host_ + "/v2/");
        req.total_timeout_s = opts_.connect_timeout_s + 10;
        req.max_body = 64 << 10;
        HttpResult r = http_perform(req);
        if (r.ok() && r.response.status > 0)
            throw Error(ErrorKind::Runtime,
                        fmt::format("{}: server gave HTTP response to HTTPS client (use --tls-verify=false for a plain-http registry)", what));
    }
    throw Error(ErrorKind::Runtime, fmt::format("{}: {}", what, first_error));
}

void RegistryClient::check_credentials() {
    ensure_pinged();
    Call c;
    c.path = "/v2/";
    c.scope = "";
    c.max_body = 64 << 10;
    HttpResult r = call(c);
    if (r.response.status == 200) return;
    if (r.response.status == 401) throw Error(ErrorKind::Runtime, fmt::format("{}: invalid username or password", host_));
    throw_status(r.response, "checking credentials for " + host_);
}

}  // namespace conman
