// parse_image_config and chain_id (declared in manifest.hpp).
#include "conman/digest.hpp"
#include "conman/manifest.hpp"
#include "conman/timeutil.hpp"
#include "manifest_json.hpp"

namespace conman {

using image_json::json;

namespace {

const image_json::Doc doc{"image config"};

// Dates are informational: an unparsable or out-of-range one reads as 0.
int64_t timestamp(const json& obj, const std::string& path) {
    std::string s = doc.str(obj, "created", path);
    if (s.empty()) return 0;
    return parse_rfc3339(s).value_or(0);
}

void parse_run_config(const json& c, ImageConfig& out) {
    const std::string path = "config";
    out.config.user = doc.str(c, "User", path);
    out.config.env = doc.strings(c, "Env", path);
    out.config.entrypoint = doc.strings(c, "Entrypoint", path);
    out.config.cmd = doc.strings(c, "Cmd", path);
    out.config.working_dir = doc.str(c, "WorkingDir", path);
    out.config.stop_signal = doc.str(c, "StopSignal", path);
    out.config.labels = doc.string_map(c, "Labels", path);
    out.config.exposed_ports = doc.keys(c, "ExposedPorts", path);
    out.config.volumes = doc.keys(c, "Volumes", path);
}

void parse_rootfs(const json& r, ImageConfig& out) {
    std::string type = doc.str(r, "type", "rootfs");
    if (!type.empty() && type != "layers") doc.bad("rootfs.type must be \"layers\", not \"{}\"", type);
    out.diff_ids = doc.strings(r, "diff_ids", "rootfs");
    for (size_t i = 0; i < out.diff_ids.size(); ++i)
        if (!valid_digest(out.diff_ids[i]))
            doc.bad("rootfs.diff_ids[{}] \"{}\" is not a sha256 digest (sha256: and 64 lowercase hex)", i, out.diff_ids[i]);
}

void parse_history(const json& arr, ImageConfig& out) {
    for (size_t i = 0; i < arr.size(); ++i) {
        std::string path = fmt::format("history[{}]", i);
        if (!arr[i].is_object()) doc.bad("{} must be an object", path);
        ImageConfig::History h;
        h.created = timestamp(arr[i], path);
        h.created_by = doc.str(arr[i], "created_by", path);
        h.comment = doc.str(arr[i], "comment", path);
        h.empty_layer = doc.boolean(arr[i], "empty_layer", path);
        out.history.push_back(std::move(h));
    }
}

}  // namespace

ImageConfig parse_image_config(std::string_view body) {
    json j = doc.parse(body);
    ImageConfig out;
    out.architecture = doc.str(j, "architecture", "");
    out.os = doc.str(j, "os", "");
    out.variant = doc.str(j, "variant", "");
    out.author = doc.str(j, "author", "");
    out.created = timestamp(j, "");
    if (const json* c = doc.object(j, "config", "")) parse_run_config(*c, out);
    if (const json* r = doc.object(j, "rootfs", "")) parse_rootfs(*r, out);
    if (const json* h = doc.array(j, "history", "")) parse_history(*h, out);
    out.raw = body;
    return out;
}

std::string chain_id(const std::vector<std::string>& diff_ids, size_t n) {
    if (n > diff_ids.size())
        fail(ErrorKind::Usage, "chain id: {} layers requested but the image has {}", n, diff_ids.size());
    if (n == 0) return "";
    std::string id = diff_ids[0];
    for (size_t i = 1; i < n; ++i) id = "sha256:" + sha256_hex(id + " " + diff_ids[i]);
    return id;
}

}  // namespace conman
