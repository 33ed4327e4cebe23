// commit (image module): a container's changes become a new image.
//
// The new layer is the container's overlay upper dir, packed read-only (the
// container may keep running). For a vfs container (a full copy, no upper
// dir) it is the difference between its copy and a fresh flattening of the
// image's layers. A container made from --rootfs gets its whole root
// filesystem as the single layer of a new image. --squash packs the whole
// merged filesystem as the only layer.
//
// The config starts from the image's (exact JSON, unknown fields kept), takes
// the container's Cmd, Entrypoint, Env, WorkingDir, User and Labels, then
// the --change instructions, and gets one more diff_id and history entry.
#include <unistd.h>

#include "conman/container_rootfs.hpp"
#include "conman/digest.hpp"
#include "conman/engine.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_build.hpp"
#include "conman/image_change.hpp"
#include "conman/image_commit.hpp"
#include "conman/image_module.hpp"
#include "conman/image_store.hpp"
#include "conman/layer.hpp"
#include "conman/layer_diff.hpp"
#include "conman/manifest.hpp"
#include "conman/storage.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

using json = nlohmann::json;

class Progress {
public:
    explicit Progress(const CommitRequest& in) : fd_(in.quiet ? -1 : in.progress_fd) {}
    void line(const std::string& s) const {
        if (fd_ >= 0) try_write_all(fd_, s + "\n");
    }

private:
    int fd_;
};

// Variables conman itself puts into every container, not part of what the user asked for.
bool injected_env(const std::string& e) { return e.rfind("HOSTNAME=", 0) == 0 || e.rfind("container=", 0) == 0; }

void set_or_erase(json& c, const char* key, const std::vector<std::string>& v) {
    if (v.empty()) c.erase(key);
    else c[key] = v;
}

void take_container_settings(json& cfg, const ContainerConfig& cc) {
    json& c = cfg["config"];
    if (!c.is_object()) c = json::object();
    std::vector<std::string> env;
    for (auto& e : cc.env)
        if (!injected_env(e)) env.push_back(e);
    set_or_erase(c, "Env", env);
    set_or_erase(c, "Cmd", cc.cmd);
    set_or_erase(c, "Entrypoint", cc.entrypoint);
    if (!cc.workdir.empty()) c["WorkingDir"] = cc.workdir;
    if (!cc.user.empty()) c["User"] = cc.user;
    else c.erase("User");
    if (!cc.labels.empty()) c["Labels"] = cc.labels;
    else c.erase("Labels");
}

std::string command_line(const std::vector<std::string>& args) {
    std::string s;
    for (auto& a : args) {
        if (!s.empty()) s += ' ';
        bool plain = !a.empty() && a.find_first_of(" \t\n'\"\\$`|&;<>()*?[]#~") == std::string::npos;
        if (plain) {
            s += a;
        } else {
            s += '\'';
            for (char ch : a) s += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
            s += '\'';
        }
    }
    return s;
}

std::vector<std::string> layer_dirs(const ImageStore& store, const ImageRecord& rec) {
    std::vector<std::string> out;  // bottom first
    for (auto& c : rec.chain_ids) {
        if (!store.has_layer(c)) fail(ErrorKind::NotFound, "image {}: layer {} is missing", rec.id.substr(0, 12), c);
        out.push_back(store.layer_diff(c));
    }
    return out;
}

// The directory to pack as the new layer, in overlay form (made in staging when needed).
std::string changes_dir(const ImageStore& store, const Container& c, const ImageRecord* rec, bool squash,
                        const std::string& staging) {
    const ContainerConfig& cc = c.config;
    if (!rec) return cc.rootfs;  // --rootfs: everything
    std::string cdir = dirname_of(cc.rootfs);
    std::string driver = read_file_if_exists(cdir + "/driver").value_or("overlay");
    if (driver == "vfs") {
        if (!path_exists(cdir + "/vfs-done"))
            fail(ErrorKind::Conflict, "container {}: its root filesystem was never prepared; start it once first",
                 cc.name);
        if (squash) return cc.rootfs;
        std::string base = staging + "/base", diff = staging + "/diff";
        vfs_create(layer_dirs(store, *rec), base);
        mkdir_p(diff, 0755);
        diff_trees(base, cc.rootfs, diff);
        remove_all(base);
        return diff;
    }
    std::string upper = cdir + "/upper";
    if (!path_exists(upper)) {  // never mounted: no changes
        mkdir_p(staging + "/empty", 0755);
        upper = staging + "/empty";
    }
    if (!squash) return upper;
    auto layers = layer_dirs(store, *rec);
    layers.push_back(upper);
    vfs_create(layers, staging + "/flat");
    return staging + "/flat";
}

ImageResult commit_here(const Context& ctx, const CommitRequest& in) {
    auto changes = parse_config_changes(in.changes);
    if (in.format != "oci" && in.format != "docker")
        fail(ErrorKind::Usage, "unknown format \"{}\": use oci or docker", in.format);
    std::vector<std::string> names;
    if (!in.reference.empty()) {
        std::string n = local_image_name(in.reference);
        if (n.empty() || n.find('@') != std::string::npos) fail(ErrorKind::Usage, "{}: not a valid image name", in.reference);
        names.push_back(n);
    }
    Container c = lookup_container(ctx, in.container);
    const ContainerConfig& cc = c.config;
    ImageStore store(ctx);
    store.clean_tmp(24 * 3600);
    std::optional<ImageRecord> rec;
    json cfg;
    int64_t now = now_ns();
    if (!cc.image_id.empty()) {
        rec = store.by_id(cc.image_id);
        if (!rec) fail(ErrorKind::NotFound, "container {}: its image {} is gone", cc.name, cc.image_id.substr(0, 12));
        auto body = read_file_if_exists(store.blob_path(rec->config_digest));
        if (!body) fail(ErrorKind::NotFound, "image {}: its config blob is missing", rec->id.substr(0, 12));
        cfg = json::parse(*body, nullptr, false);
        if (!cfg.is_object()) fail(ErrorKind::System, "image {}: its config is not a JSON object", rec->id.substr(0, 12));
        cfg["created"] = rfc3339_utc(now);
    } else {
        cfg = new_image_config(now);
    }
    Progress progress(in);
    StagingDir staging_dir(store, "commit");
    const std::string& staging = staging_dir.path();
    {
        std::vector<std::string> layer_paths;
        std::vector<LayerBlob> blobs;
        progress.line("Getting image source signatures");
        if (rec && !in.squash) {
            for (auto& b : rec->layer_blobs) {
                layer_paths.push_back(store.blob_path(b.digest));
                blobs.push_back(b);
                progress.line(fmt::format("Copying blob {} skipped: already exists", digest_hex(b.digest).substr(0, 12)));
            }
        }
        if (in.squash) {
            cfg["rootfs"] = {{"type", "layers"}, {"diff_ids", json::array()}};
            cfg["history"] = json::array();
        }
        std::string layer = staging + "/layer.tar.gz";
        LayerStats stats = write_layer_tar(changes_dir(store, c, rec ? &*rec : nullptr, in.squash, staging), layer, true);
        LayerBlob fresh = describe_blob(layer);
        fresh.media_type = std::string(media_type::oci_layer_gzip);
        layer_paths.push_back(layer);
        blobs.push_back(fresh);
        progress.line(fmt::format("Copying blob {} done", digest_hex(fresh.digest).substr(0, 12)));

        take_container_settings(cfg, cc);
        apply_config_changes(cfg, changes);
        if (!in.author.empty()) cfg["author"] = in.author;
        if (in.format == "docker" && !in.message.empty()) cfg["comment"] = in.message;
        append_layer(cfg, stats.diff_id, now, command_line(cc.args), in.message, in.author);

        LocalImage li;
        li.config_body = cfg.dump();
        if (in.format == "docker") {
            li.manifest_body = docker_manifest(li.config_body, blobs);
            li.manifest_media_type = std::string(media_type::docker_manifest);
        }
        li.layer_paths = layer_paths;
        li.names = names;
        li.what = "commit of container " + cc.name;
        progress.line(fmt::format("Copying config {} done", sha256_hex(li.config_body).substr(0, 12)));
        progress.line("Writing manifest to image destination");
        return {store_local_image(ctx, li).id};
    }
}

}  // namespace

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_commit_v1, conman::CommitRequest, conman::ImageResult, out = conman::commit_here(ctx, in))
