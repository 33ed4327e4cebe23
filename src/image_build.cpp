// New image configs and manifests for import and commit (see image_build.hpp).
#include "conman/image_build.hpp"

#include <fcntl.h>
#include <time.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/manifest.hpp"

namespace conman {

using json = nlohmann::json;

std::string rfc3339_utc(int64_t ns) {
    time_t secs = static_cast<time_t>(ns / 1000000000);
    struct tm tm {};
    ::gmtime_r(&secs, &tm);
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                       tm.tm_hour, tm.tm_min, tm.tm_sec, ns % 1000000000);
}

json new_image_config(int64_t created_ns) {
    Platform p = host_platform();
    json cfg = {{"created", rfc3339_utc(created_ns)},
                {"architecture", p.architecture},
                {"os", p.os},
                {"config", json::object()},
                {"rootfs", {{"type", "layers"}, {"diff_ids", json::array()}}},
                {"history", json::array()}};
    if (!p.variant.empty()) cfg["variant"] = p.variant;
    return cfg;
}

void append_layer(json& cfg, const std::string& diff_id, int64_t created_ns, const std::string& created_by,
                  const std::string& comment, const std::string& author) {
    json& rootfs = cfg["rootfs"];
    if (!rootfs.is_object()) rootfs = {{"type", "layers"}};
    if (!rootfs["diff_ids"].is_array()) rootfs["diff_ids"] = json::array();
    rootfs["diff_ids"].push_back(diff_id);
    json h = {{"created", rfc3339_utc(created_ns)}, {"created_by", created_by}};
    if (!comment.empty()) h["comment"] = comment;
    if (!author.empty()) h["author"] = author;
    if (!cfg["history"].is_array()) cfg["history"] = json::array();
    cfg["history"].push_back(std::move(h));
}

LayerBlob describe_blob(const std::string& path) {
    UniqueFd fd = open_fd(path, O_RDONLY);
    Sha256 h;
    int64_t size = 0;
    std::string buf(1 << 20, '\0');
    for (;;) {
        long n = read_some(fd.get(), buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "reading {}", path);
        if (n == 0) break;
        h.update(buf.data(), static_cast<size_t>(n));
        size += n;
    }
    return {h.digest(), "", size};
}

std::string docker_manifest(const std::string& config_body, const std::vector<LayerBlob>& layers) {
    Manifest m;
    m.media_type = std::string(media_type::docker_manifest);
    m.config = {std::string(media_type::docker_config), "sha256:" + sha256_hex(config_body),
                static_cast<int64_t>(config_body.size()), {}, std::nullopt, {}};
    for (auto& l : layers) {
        std::string mt = l.media_type;
        if (mt == media_type::oci_layer_gzip) mt = std::string(media_type::docker_layer_gzip);
        else if (mt == media_type::oci_layer_tar) mt = "application/vnd.docker.image.rootfs.diff.tar";
        m.layers.push_back({mt, l.digest, l.size, {}, std::nullopt, {}});
    }
    return serialize_manifest(m);
}

}  // namespace conman
