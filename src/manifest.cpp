#include "conman/manifest.hpp"

#include <sys/utsname.h>

#include <algorithm>
#include <cctype>

#include "conman/digest.hpp"
#include "manifest_json.hpp"

namespace conman {

using image_json::json;

namespace {

const image_json::Doc doc{"manifest"};

bool is_index_type(std::string_view t) { return t == media_type::oci_index || t == media_type::docker_manifest_list; }
bool is_manifest_type(std::string_view t) { return t == media_type::oci_manifest || t == media_type::docker_manifest; }
bool is_schema1(std::string_view t) { return t == media_type::docker_schema1 || t == media_type::docker_schema1_signed; }

// Content types that say nothing about the document: fall back to the body.
bool is_generic(std::string_view t) {
    return t.empty() || t == "application/json" || t == "text/plain" || t == "application/octet-stream" ||
           t == "binary/octet-stream";
}

// "Application/JSON; charset=utf-8" -> "application/json".
std::string normalize_content_type(std::string_view ct) {
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && std::isspace(static_cast<unsigned char>(ct.front()))) ct.remove_prefix(1);
    while (!ct.empty() && std::isspace(static_cast<unsigned char>(ct.back()))) ct.remove_suffix(1);
    std::string out(ct);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

[[noreturn]] void schema1() { fail(ErrorKind::Usage, "manifest: schema1 manifests are not supported"); }

Platform parse_platform_json(const json& j, const std::string& path) {
    Platform p;
    p.architecture = doc.str(j, "architecture", path, true);
    p.os = doc.str(j, "os", path, true);
    p.variant = doc.str(j, "variant", path);
    return p;
}

Descriptor parse_descriptor(const json& j, const std::string& path) {
    if (!j.is_object()) doc.bad("{} must be an object", path);
    Descriptor d;
    d.media_type = doc.str(j, "mediaType", path, true);
    d.digest = doc.str(j, "digest", path, true);
    if (!valid_digest(d.digest)) doc.bad("{}.digest \"{}\" is not a sha256 digest (sha256: and 64 lowercase hex)", path, d.digest);
    const json* size = image_json::Doc::field(j, "size");
    if (!size) doc.bad("{}.size is missing", path);
    if (size->is_number_unsigned()) {
        if (size->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) doc.bad("{}.size is too large", path);
        d.size = static_cast<int64_t>(size->get<uint64_t>());
    } else if (size->is_number_integer()) {
        d.size = size->get<int64_t>();
        if (d.size < 0) doc.bad("{}.size must be a non-negative integer, not {}", path, d.size);
    } else {
        doc.bad("{}.size must be a non-negative integer", path);
    }
    d.urls = doc.strings(j, "urls", path);
    if (const json* p = doc.object(j, "platform", path)) d.platform = parse_platform_json(*p, path + ".platform");
    d.annotations = doc.string_map(j, "annotations", path);
    return d;
}

std::vector<Descriptor> parse_descriptors(const json& arr, const char* key) {
    std::vector<Descriptor> out;
    for (size_t i = 0; i < arr.size(); ++i) out.push_back(parse_descriptor(arr[i], fmt::format("{}[{}]", key, i)));
    return out;
}

// Decides the document type from the Content-Type and the body (see the header).
std::string decide_type(const json& j, const std::string& ct, const std::string& body_type) {
    if (is_schema1(ct) || is_schema1(body_type)) schema1();
    if (is_index_type(ct) || is_manifest_type(ct)) {
        if (!body_type.empty() && body_type != ct)
            doc.bad("media type mismatch: Content-Type is \"{}\" but the body says \"{}\"", ct, body_type);
        return ct;
    }
    if (!is_generic(ct)) doc.bad("unsupported media type \"{}\"", ct);
    if (!body_type.empty()) {
        if (!is_index_type(body_type) && !is_manifest_type(body_type)) doc.bad("unsupported media type \"{}\"", body_type);
        return body_type;
    }
    if (j.contains("manifests")) return std::string(media_type::oci_index);
    if (j.contains("config")) return std::string(media_type::oci_manifest);
    doc.bad("cannot tell the media type: no Content-Type, no mediaType and neither manifests nor config");
}

bool is_attestation(const Descriptor& d) {
    auto it = d.annotations.find("vnd.docker.reference.type");
    if (it != d.annotations.end() && it->second == "attestation-manifest") return true;
    return d.platform && d.platform->os == "unknown" && d.platform->architecture == "unknown";
}

// Variants to try, best first; an empty optional means "any variant".
std::vector<std::optional<std::string>> wanted_variants(const Platform& want) {
    if (want.architecture == "arm64") {
        if (want.variant.empty() || want.variant == "v8") return {std::string(), std::string("v8")};
        return {want.variant};
    }
    if (want.architecture == "arm") {
        static const char* order[] = {"v8", "v7", "v6", "v5"};
        std::string start = want.variant.empty() ? "v7" : want.variant;
        auto it = std::find(std::begin(order), std::end(order), start);
        if (it == std::end(order)) return {want.variant};
        std::vector<std::optional<std::string>> out;
        for (; it != std::end(order); ++it) out.emplace_back(*it);
        out.emplace_back(std::string());
        return out;
    }
    if (want.variant.empty()) return {std::nullopt};
    return {want.variant};
}

json platform_to_json(const Platform& p) {
    json j = {{"architecture", p.architecture}, {"os", p.os}};
    if (!p.variant.empty()) j["variant"] = p.variant;
    return j;
}

json descriptor_to_json(const Descriptor& d) {
    json j = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
    if (!d.urls.empty()) j["urls"] = d.urls;
    if (d.platform) j["platform"] = platform_to_json(*d.platform);
    if (!d.annotations.empty()) j["annotations"] = d.annotations;
    return j;
}

}  // namespace

std::string Platform::string() const {
    std::string s = os + "/" + architecture;
    if (!variant.empty()) s += "/" + variant;
    return s;
}

Platform host_platform() {
    struct utsname u {};
    ::uname(&u);
    std::string m = u.machine;
    Platform p{"linux", m, ""};
    if (m == "x86_64" || m == "amd64") {
        p.architecture = "amd64";
    } else if (m == "aarch64" || m == "arm64") {
        p.architecture = "arm64";
    } else if (m.rfind("armv", 0) == 0 && m.size() >= 5 && m[4] >= '5' && m[4] <= '8') {
        p.architecture = "arm";
        p.variant = std::string("v") + m[4];
    } else if (m == "arm") {
        p.architecture = "arm";
        p.variant = "v7";
    } else if (m.size() == 4 && m[0] == 'i' && m[2] == '8' && m[3] == '6') {
        p.architecture = "386";
    } else if (m == "ppc64le" || m == "s390x" || m == "riscv64") {
        p.architecture = m;
    }
    return p;
}

Platform parse_platform(std::string_view s) {
    Platform p;
    std::vector<std::string> parts;
    for (size_t start = 0;;) {
        size_t slash = s.find('/', start);
        parts.emplace_back(s.substr(start, slash == std::string_view::npos ? slash : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    bool empty_part = std::any_of(parts.begin(), parts.end(), [](const std::string& x) { return x.empty(); });
    if (parts.size() < 2 || parts.size() > 3 || empty_part)
        fail(ErrorKind::Usage, "platform \"{}\": expected os/arch[/variant]", s);
    p.os = parts[0];
    p.architecture = parts[1];
    if (parts.size() == 3) p.variant = parts[2];
    return p;
}

ParsedManifest parse_manifest(std::string_view body, std::string_view content_type) {
    std::string ct = normalize_content_type(content_type);
    if (is_schema1(ct)) schema1();
    json j = doc.parse(body);
    std::string body_type = doc.str(j, "mediaType", "");
    const json* version = image_json::Doc::field(j, "schemaVersion");
    if (!version) doc.bad("schemaVersion is missing");
    if (!version->is_number_integer()) doc.bad("schemaVersion must be an integer");
    if (version->get<int64_t>() == 1) schema1();
    if (version->get<int64_t>() != 2) doc.bad("unsupported schemaVersion {}", version->get<int64_t>());

    std::string type = decide_type(j, ct, body_type);
    ParsedManifest out;
    if (is_index_type(type)) {
        out.is_index = true;
        out.index.media_type = type;
        out.index.manifests = parse_descriptors(*doc.array(j, "manifests", "", true), "manifests");
    } else {
        out.manifest.media_type = type;
        out.manifest.config = parse_descriptor(*doc.object(j, "config", "", true), "config");
        out.manifest.layers = parse_descriptors(*doc.array(j, "layers", "", true), "layers");
        out.manifest.annotations = doc.string_map(j, "annotations", "");
    }
    return out;
}

const Descriptor* select_platform(const Index& idx, const Platform& want) {
    for (const auto& variant : wanted_variants(want)) {
        for (const Descriptor& d : idx.manifests) {
            if (!d.platform || !is_manifest_type(d.media_type) || is_attestation(d)) continue;
            if (d.platform->os != want.os || d.platform->architecture != want.architecture) continue;
            if (!variant || d.platform->variant == *variant) return &d;
        }
    }
    return nullptr;
}

std::string accept_header() {
    return fmt::format("{}, {}, {}, {}", media_type::oci_index, media_type::oci_manifest, media_type::docker_manifest_list,
                       media_type::docker_manifest);
}

std::string serialize_manifest(const Manifest& m) {
    json j = {{"schemaVersion", 2}, {"mediaType", m.media_type.empty() ? std::string(media_type::oci_manifest) : m.media_type}};
    j["config"] = descriptor_to_json(m.config);
    j["layers"] = json::array();
    for (const auto& l : m.layers) j["layers"].push_back(descriptor_to_json(l));
    if (!m.annotations.empty()) j["annotations"] = m.annotations;
    return j.dump();
}

std::string serialize_index(const Index& idx) {
    json j = {{"schemaVersion", 2}, {"mediaType", idx.media_type.empty() ? std::string(media_type::oci_index) : idx.media_type}};
    j["manifests"] = json::array();
    for (const auto& d : idx.manifests) j["manifests"].push_back(descriptor_to_json(d));
    return j.dump();
}

}  // namespace conman
