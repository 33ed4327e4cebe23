// One registry request: auth (Basic, Bearer tokens per scope), redirects
// followed by hand, 429 backoff.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "conman/error.hpp"
#include "conman/registry.hpp"

namespace conman {

namespace {

constexpr int kMaxRedirects = 10;
constexpr size_t kMaxTokenResponse = 1 << 20;

bool is_redirect(long st) { return st == 301 || st == 302 || st == 303 || st == 307 || st == 308; }

std::string basic_header(const Credentials& c) { return "Basic " + http_base64(c.username + ":" + c.password); }

}  // namespace

std::string RegistryClient::scope_for(bool push) const {
    return "repository:" + repo_ + (push ? ":pull,push" : ":pull");
}

std::string RegistryClient::auth_header(const std::string& scope) {
    switch (mode_) {
    case AuthMode::Basic:
        if (opts_.creds && !opts_.creds->username.empty()) return basic_header(*opts_.creds);
        return "";
    case AuthMode::Bearer: {
        auto it = tokens_.find(scope);
        if (it != tokens_.end() && std::chrono::steady_clock::now() < it->second.expires) return "Bearer " + it->second.value;
        return "Bearer " + fetch_token_locked(challenge_, scope);
    }
    default:
        return "";
    }
}

std::string RegistryClient::fetch_token_locked(const WwwAuthChallenge& ch, const std::string& scope) {
    std::string realm = ch.param("realm");
    if (realm.empty()) fail(ErrorKind::Runtime, "{}: Bearer challenge without a realm", host_);
    std::string rs = http_scheme(realm);
    if (rs != "http" && rs != "https") fail(ErrorKind::Runtime, "{}: unsupported token realm {}", host_, realm);
    std::string service = ch.param("service");
    const Credentials* creds = opts_.creds && !opts_.creds->empty() ? &*opts_.creds : nullptr;

    std::string params;
    auto add = [&](const char* k, const std::string& v) {
        if (v.empty()) return;
        if (!params.empty()) params += "&";
        params += std::string(k) + "=" + http_escape(v);
    };
    HttpRequest req;
    if (creds && !creds->identity_token.empty()) {
        // OAuth2 refresh-token grant (auth.json "identitytoken").
        add("grant_type", "refresh_token");
        add("refresh_token", creds->identity_token);
        add("service", service);
        add("scope", scope);
        add("client_id", "conman");
        req = make_request(realm);
        req.method = "POST";
        req.body = params;
        req.headers.push_back("Content-Type: application/x-www-form-urlencoded");
    } else {
        add("service", service);
        add("scope", scope);
        if (creds) add("account", creds->username);
        req = make_request(realm + (params.empty() ? "" : (realm.find('?') == std::string::npos ? "?" : "&") + params));
        // Credentials go to the token server only when the user has them:
        // anonymous pulls must not leak anything.
        if (creds) req.headers.push_back("Authorization: " + basic_header(*creds));
    }
    req.max_body = kMaxTokenResponse;
    req.total_timeout_s = opts_.connect_timeout_s + 60;
    HttpResult r = http_perform(req);
    if (!r.ok()) fail(ErrorKind::Runtime, "{}: requesting token from {}: {}", host_, realm, r.error);
    long st = r.response.status;
    if (st == 401 || (st == 400 && creds && !creds->identity_token.empty())) {
        if (creds) fail(ErrorKind::Runtime, "{}: invalid username or password", host_);
        fail(ErrorKind::Runtime, "{}: token server {} refused anonymous access: {}", host_, realm,
             registry_error_text(r.response));
    }
    if (st != 200) fail(ErrorKind::Runtime, "{}: requesting token from {}: {}", host_, realm, registry_error_text(r.response));
    auto j = nlohmann::json::parse(r.response.body, nullptr, false);
    std::string token;
    if (j.is_object()) {
        if (j.contains("token") && j["token"].is_string()) token = j["token"].get<std::string>();
        if (token.empty() && j.contains("access_token") && j["access_token"].is_string())
            token = j["access_token"].get<std::string>();
    }
    if (token.empty()) fail(ErrorKind::Runtime, "{}: token server {} returned no token", host_, realm);
    long expires = 60;
    if (j.contains("expires_in") && j["expires_in"].is_number_integer()) expires = std::max(60L, j["expires_in"].get<long>());
    // Renew a little early so a token does not expire in flight.
    tokens_[scope] = Token{token, std::chrono::steady_clock::now() + std::chrono::seconds(expires - 5)};
    return token;
}

HttpResult RegistryClient::call(const Call& c, bool allow_transport_error) {
    std::string origin = http_origin(base_url());
    std::string url = !c.path.empty() && c.path[0] == '/' ? base_url() + c.path : c.path;
    std::string method = c.method;
    std::optional<std::string> body = c.body;
    std::string upload_path = c.upload_path;
    std::string scope = c.scope ? *c.scope : scope_for(c.push);
    bool auth_retried = false;
    int backoffs = 0, hops = 0;
    for (;;) {
        HttpRequest req = make_request(url);
        req.method = method;
        req.headers = c.headers;
        req.body = body;
        req.upload_path = upload_path;
        req.upload_size = c.upload_size;
        req.max_body = c.max_body;
        req.on_response = c.on_response;
        req.on_data = c.on_data;
        // Authorization only ever goes to the registry's own scheme+host+port.
        bool own = http_origin(url) == origin;
        if (own) {
            std::string a;
            {
                std::lock_guard lk(mu_);
                a = auth_header(scope);
            }
            if (!a.empty()) req.headers.push_back("Authorization: " + a);
        }
        HttpResult r = http_perform(req);
        if (!r.ok()) {
            if (allow_transport_error) return r;
            fail(ErrorKind::Runtime, "{} {}: {}", method, url, r.error);
        }
        long st = r.response.status;
        auto location = r.response.header("location");
        if (is_redirect(st) && location) {
            bool safe_method = method == "GET" || method == "HEAD";
            if (!safe_method && st != 303 && st != 307 && st != 308) return r;
            if (++hops > kMaxRedirects) fail(ErrorKind::Runtime, "{} {}: too many redirects", method, c.path);
            std::string next = http_resolve_url(url, *location);
            std::string ns = http_scheme(next);
            if (ns != "http" && ns != "https") fail(ErrorKind::Runtime, "{}: refusing redirect to {}", url, next);
            if (st == 303 && !safe_method) {
                method = "GET";
                body.reset();
                upload_path.clear();
            }
            url = next;
            continue;
        }
        if (st == 401 && own && !auth_retried) {
            auth_retried = true;
            std::vector<WwwAuthChallenge> chs;
            for (const auto& v : r.response.headers_named("www-authenticate")) {
                auto p = parse_www_authenticate(v);
                chs.insert(chs.end(), p.begin(), p.end());
            }
            auto bearer = std::find_if(chs.begin(), chs.end(), [](const auto& ch) { return ch.scheme == "bearer"; });
            auto basic = std::find_if(chs.begin(), chs.end(), [](const auto& ch) { return ch.scheme == "basic"; });
            std::lock_guard lk(mu_);
            if (bearer != chs.end()) {
                // Expired token, or insufficient_scope: get a fresh token for
                // the scope the registry names, once.
                if (bearer->param("error") == "insufficient_scope" && !bearer->param("scope").empty())
                    scope = bearer->param("scope");
                if (bearer->param("realm").empty()) return r;
                mode_ = AuthMode::Bearer;
                challenge_ = *bearer;
                tokens_.erase(scope);
                continue;
            }
            if (basic != chs.end() && mode_ != AuthMode::Basic && opts_.creds && !opts_.creds->username.empty()) {
                mode_ = AuthMode::Basic;
                challenge_ = *basic;
                continue;
            }
            return r;
        }
        if (st == 429 && backoffs < opts_.max_retries) {
            long delay = 2L << backoffs;
            if (auto ra = r.response.header("retry-after")) {
                char* end = nullptr;
                long v = std::strtol(ra->c_str(), &end, 10);
                if (end != ra->c_str() && *end == '\0' && v >= 0) delay = v;
            }
            delay = std::min<long>(delay, opts_.max_backoff_s);
            ++backoffs;
            std::this_thread::sleep_for(std::chrono::seconds(delay));
            continue;
        }
        return r;
    }
}

}  // namespace conman
