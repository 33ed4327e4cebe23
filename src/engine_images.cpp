#include "conman/engine_images.hpp"

#include <algorithm>

#include "conman/digest.hpp"
#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/events.hpp"
#include "conman/fs.hpp"
#include "conman/image_ref.hpp"
#include "conman/manifest.hpp"
#include "conman/store.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

std::vector<Container> containers_using(const Context& ctx, const std::string& image_id) {
    Store store(ctx);
    std::vector<Container> out;
    for (auto& c : store.load_all()) {
        if (c.config.image_id == image_id) out.push_back(c);
    }
    return out;
}

// Deletes layers and blobs no record needs any more (under the image lock).
void collect_garbage(const ImageStore& store) {
    for (auto& l : store.unused_layers()) store.remove_layer(l);
    for (auto& b : store.unused_blobs()) store.remove_blob(b);
}

std::string valid_or_fail(const std::string& n, const std::string& name) {
    if (n.empty() || n.find('@') != std::string::npos)
        fail(ErrorKind::Usage, "invalid image name \"{}\": expected [registry/]repository[:tag]", name);
    return n;
}

// Which of r's names `typed` means: docker.io's reading of a short name, else localhost's.
std::vector<std::string>::iterator find_name(ImageRecord& r, const std::string& typed) {
    for (const auto& n : {normalize_image_name(typed), local_image_name(typed)}) {
        auto it = std::find(r.names.begin(), r.names.end(), n);
        if (!n.empty() && it != r.names.end()) return it;
    }
    return r.names.end();
}

}  // namespace

ImageRecord require_image(const Context& ctx, const std::string& ref) {
    if (auto r = ImageStore(ctx).find(ref)) return *r;
    fail(ErrorKind::NotFound, "{}: image not known", ref);
}

void tag_image(const Context& ctx, const std::string& ref, const std::string& new_name) {
    ImageStore store(ctx);
    std::string name = valid_or_fail(local_image_name(new_name), new_name);
    FileLock lock = store.lock();
    ImageRecord r = require_image(ctx, ref);
    store.assign_name(name, r.id);
    emit_image(ctx, "tag", r.id, name);
}

void untag_image(const Context& ctx, const std::string& ref, const std::vector<std::string>& names) {
    ImageStore store(ctx);
    FileLock lock = store.lock();
    ImageRecord r = require_image(ctx, ref);
    std::vector<std::string> old_names = r.names;
    if (names.empty()) {
        r.names.clear();
    } else {
        for (auto& n : names) {
            valid_or_fail(normalize_image_name(n), n);
            auto it = find_name(r, n);
            if (it == r.names.end()) fail(ErrorKind::NotFound, "{}: image {} has no such name", n, ref);
            r.names.erase(it);
        }
    }
    store.save(r);
    for (auto& n : names.empty() ? old_names : names) emit_image(ctx, "untag", r.id, n);
}

RemovedImage remove_image(const Context& ctx, const std::string& ref, bool force) {
    ImageStore store(ctx);
    FileLock lock = store.lock();
    std::optional<ImageRecord> found = store.find(ref);
    if (!found) {
        // A damaged record cannot be read, but its full ID still names it.
        std::string id = ref.starts_with("sha256:") ? ref.substr(7) : ref;
        if (id.size() != 64 || !looks_like_image_id(id) || !store.has_record_file(id)) require_image(ctx, ref);
        found = ImageRecord{};
        found->id = id;
    }
    ImageRecord& r = *found;
    RemovedImage out;
    // A name of an image that has others: only that name goes (podman's rmi).
    auto it = find_name(r, ref);
    if (it != r.names.end() && r.names.size() > 1) {
        out.untagged.push_back(*it);
        r.names.erase(it);
        store.save(r);
        emit_image(ctx, "untag", r.id, out.untagged[0]);
        return out;
    }
    auto users = containers_using(ctx, r.id);
    if (!users.empty() && !force)
        fail(ErrorKind::Conflict, "image {} is in use by container {}: remove the container first or use --force",
             ref, users[0].config.name.empty() ? users[0].config.id : users[0].config.name);
    for (auto& c : users) remove_container(ctx, c.config.id, true, std::nullopt);
    out.untagged = r.names;
    out.deleted = r.id;
    store.remove_record(r.id);
    collect_garbage(store);
    for (auto& n : out.untagged) emit_image(ctx, "untag", r.id, n);
    emit_image(ctx, "remove", r.id, r.names.empty() ? r.id : r.names[0]);
    return out;
}

std::vector<std::string> prune_images(const Context& ctx, bool all) {
    ImageStore store(ctx);
    FileLock lock = store.lock();
    std::vector<std::string> removed;
    for (auto& r : store.list()) {
        if (!all && !r.names.empty()) continue;
        if (!containers_using(ctx, r.id).empty()) continue;
        store.remove_record(r.id);
        removed.push_back(r.id);
    }
    collect_garbage(store);
    return removed;
}

nlohmann::json image_inspect_json(const Context& ctx, const ImageRecord& r) {
    ImageStore store(ctx);
    ImageConfig cfg;
    if (auto body = read_file_if_exists(store.blob_path(r.config_digest))) cfg = parse_image_config(*body);
    nlohmann::json config = {
        {"User", cfg.config.user},
        {"Env", cfg.config.env},
        {"Entrypoint", cfg.config.entrypoint},
        {"Cmd", cfg.config.cmd},
        {"WorkingDir", cfg.config.working_dir},
        {"Labels", cfg.config.labels},
        {"StopSignal", cfg.config.stop_signal},
    };
    nlohmann::json ports = nlohmann::json::object();
    for (auto& p : cfg.config.exposed_ports) ports[p] = nlohmann::json::object();
    config["ExposedPorts"] = ports;
    nlohmann::json history = nlohmann::json::array();
    for (auto& h : cfg.history)
        history.push_back({{"created", h.created ? format_rfc3339nano(h.created) : ""},
                           {"created_by", h.created_by},
                           {"comment", h.comment},
                           {"empty_layer", h.empty_layer}});
    std::vector<std::string> repo_tags = r.names, repo_digests = r.digests;
    return {
        {"Id", r.id},
        {"Digest", r.digests.empty() ? r.manifest_digest : r.digests[0].substr(r.digests[0].find('@') + 1)},
        {"RepoTags", repo_tags},
        {"RepoDigests", repo_digests},
        {"Created", r.created ? format_rfc3339nano(r.created) : "0001-01-01T00:00:00Z"},
        {"Config", config},
        {"Version", ""},
        {"Author", cfg.author},
        {"Architecture", cfg.architecture},
        {"Os", cfg.os},
        {"Variant", cfg.variant},
        {"Size", r.size},
        {"VirtualSize", r.size},
        {"Labels", cfg.config.labels},
        {"ManifestType", r.manifest_media_type},
        {"RootFS", {{"Type", "layers"}, {"Layers", r.diff_ids}}},
        {"History", history},
        {"NamesHistory", r.names},
    };
}

}  // namespace conman
