#include "conman/image_ref.hpp"

#include <fmt/format.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"

namespace conman {

namespace {

constexpr std::string_view docker_hub = "docker.io";
constexpr size_t max_name_len = 255;
constexpr size_t max_tag_len = 128;

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool word(char c) { return alnum(c) || c == '_'; }

bool has_upper(std::string_view s) {
    for (char c : s)
        if (upper(c)) return true;
    return false;
}

// alnum+ ( ("." | "_" | "__" | "-"+) alnum+ )*
bool valid_path_component(std::string_view s) {
    size_t i = 0;
    while (true) {
        size_t start = i;
        while (i < s.size() && lower_alnum(s[i])) ++i;
        if (i == start) return false;
        if (i == s.size()) return true;
        if (s[i] == '.') {
            ++i;
        } else if (s[i] == '_') {
            ++i;
            if (i < s.size() && s[i] == '_') ++i;
        } else if (s[i] == '-') {
            while (i < s.size() && s[i] == '-') ++i;
        } else {
            return false;
        }
    }
}

// [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
bool valid_domain_component(std::string_view s) {
    if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
    for (char c : s)
        if (!alnum(c) && c != '-') return false;
    return true;
}

// host[:port] where host is a dotted name (covers IPv4) or [IPv6].
bool valid_domain(std::string_view s) {
    std::string_view host = s;
    std::string_view port;
    if (!s.empty() && s.front() == '[') {
        size_t close = s.find(']');
        if (close == std::string_view::npos || close < 2) return false;
        for (char c : s.substr(1, close - 1))
            if (!hex(c) && c != ':') return false;
        std::string_view after = s.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return false;
            port = after.substr(1);
            if (port.empty()) return false;
        }
    } else {
        size_t colon = s.find(':');
        if (colon != std::string_view::npos) {
            host = s.substr(0, colon);
            port = s.substr(colon + 1);
            if (port.empty()) return false;
        }
        size_t start = 0;
        while (true) {
            size_t dot = host.find('.', start);
            if (!valid_domain_component(host.substr(start, dot == std::string_view::npos ? dot : dot - start)))
                return false;
            if (dot == std::string_view::npos) break;
            start = dot + 1;
        }
    }
    for (char c : port)
        if (c < '0' || c > '9') return false;
    return true;
}

bool valid_tag(std::string_view s) {
    if (s.empty() || s.size() > max_tag_len || !word(s[0])) return false;
    for (char c : s)
        if (!word(c) && c != '.' && c != '-') return false;
    return true;
}

// The general digest grammar (algorithm ":" at least 32 hex), used only to
// tell "valid but unsupported algorithm" apart from garbage.
bool digest_shaped(std::string_view s) {
    size_t colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    std::string_view algo = s.substr(0, colon), h = s.substr(colon + 1);
    if (!(algo[0] >= 'a' && algo[0] <= 'z') && !(algo[0] >= 'A' && algo[0] <= 'Z')) return false;
    for (char c : algo)
        if (!alnum(c) && c != '+' && c != '.' && c != '_' && c != '-') return false;
    if (h.size() < 32) return false;
    for (char c : h)
        if (!hex(c)) return false;
    return true;
}

bool is_registry_component(std::string_view first) {
    return first == "localhost" || first.find('.') != std::string_view::npos ||
           first.find(':') != std::string_view::npos || has_upper(first);
}

}  // namespace

std::string ImageRef::name() const { return registry + "/" + repository; }

std::string ImageRef::string() const {
    std::string s = name();
    if (!tag.empty()) s += ":" + tag;
    if (!digest.empty()) s += "@" + digest;
    return s;
}

std::string ImageRef::api_host() const { return registry == docker_hub ? "registry-1.docker.io" : registry; }

bool looks_like_image_id(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

bool has_explicit_registry(std::string_view input) {
    std::string_view name = input.substr(0, input.find('@'));
    size_t slash = name.find('/');
    return slash != std::string_view::npos && is_registry_component(name.substr(0, slash));
}

ImageRef parse_image_ref(std::string_view s) {
    if (s.empty()) fail(ErrorKind::Usage, "image reference \"\": empty name");
    if (looks_like_image_id(s))
        fail(ErrorKind::Usage, "image reference \"{}\": a 64-hex string is an image ID, not a repository name", s);

    ImageRef ref;
    std::string_view rest = s;
    if (size_t at = rest.find('@'); at != std::string_view::npos) {
        std::string_view d = rest.substr(at + 1);
        rest = rest.substr(0, at);
        if (!valid_digest(d)) {
            if (digest_shaped(d) && d.substr(0, 7) != "sha256:")
                fail(ErrorKind::Usage, "image reference \"{}\": unsupported digest algorithm \"{}\"", s,
                     d.substr(0, d.find(':')));
            fail(ErrorKind::Usage, "image reference \"{}\": invalid digest \"{}\": expected sha256: and 64 lowercase hex digits",
                 s, d);
        }
        ref.digest = d;
    }
    size_t slash = rest.rfind('/');
    size_t colon = rest.rfind(':');
    bool tagged = colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
    if (tagged) {
        std::string_view t = rest.substr(colon + 1);
        if (!valid_tag(t)) fail(ErrorKind::Usage, "image reference \"{}\": invalid tag \"{}\"", s, t);
        ref.tag = t;
        rest = rest.substr(0, colon);
    }

    std::string_view path = rest;
    ref.registry = docker_hub;
    if (size_t first = rest.find('/'); first != std::string_view::npos && is_registry_component(rest.substr(0, first))) {
        std::string_view domain = rest.substr(0, first);
        if (!valid_domain(domain)) fail(ErrorKind::Usage, "image reference \"{}\": invalid registry \"{}\"", s, domain);
        ref.registry = domain == "index.docker.io" ? docker_hub : domain;
        path = rest.substr(first + 1);
    }
    if (path.empty()) fail(ErrorKind::Usage, "image reference \"{}\": missing repository name", s);
    if (has_upper(path)) fail(ErrorKind::Usage, "image reference \"{}\": repository name \"{}\" must be lowercase", s, path);
    for (size_t start = 0;;) {
        size_t next = path.find('/', start);
        std::string_view comp = path.substr(start, next == std::string_view::npos ? next : next - start);
        if (!valid_path_component(comp))
            fail(ErrorKind::Usage, "image reference \"{}\": invalid repository name \"{}\"", s, path);
        if (next == std::string_view::npos) break;
        start = next + 1;
    }
    ref.repository = path;
    if (ref.registry == docker_hub && path.find('/') == std::string_view::npos) ref.repository = "library/" + ref.repository;
    if (ref.name().size() > max_name_len)
        fail(ErrorKind::Usage, "image reference \"{}\": name longer than {} characters", s, max_name_len);
    if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
    return ref;
}

}  // namespace conman
