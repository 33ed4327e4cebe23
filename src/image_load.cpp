// load (image module): images from a docker-archive or an oci-archive (plain
// or compressed), told apart by their files: index.json + oci-layout is an
// OCI layout (docker save >= 25 writes both and is read as OCI), otherwise
// manifest.json is a docker archive.
//
// The archive is staged under the store's tmp/ by ArchiveFiles (no archive
// name reaches the filesystem). Every image is checked before the first is
// stored (JSON, files present, digests and sizes, diff_ids), so a bad
// archive stores nothing; store_local_image then checks again and commits.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "conman/archive_io.hpp"
#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_commit.hpp"
#include "conman/image_module.hpp"
#include "conman/image_store.hpp"
#include "conman/layer.hpp"
#include "conman/manifest.hpp"

namespace conman {

namespace {

using json = nlohmann::json;

constexpr const char* kRefName = "org.opencontainers.image.ref.name";
constexpr const char* kContainerdName = "io.containerd.image.name";

// What the archive says one image should have, for the checks before storing.
struct Expect {
    std::vector<Descriptor> layers;  // OCI: digests and sizes of the layer blobs
    std::string config_digest;       // OCI: from the manifest
};

json parse_json(const std::string& body, const std::string& what, const std::string& file) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded()) fail(ErrorKind::Usage, "{}: {} is not valid JSON", what, file);
    return j;
}

std::string blob_name(const ArchiveFiles& files, const std::string& digest) {
    if (!valid_digest(digest)) fail(ErrorKind::Usage, "{}: \"{}\" is not a sha256 digest", files.what(), digest);
    return "blobs/sha256/" + digest_hex(digest);
}

std::string name_or_empty(const std::string& s) {
    std::string n = normalize_image_name(s);
    return n.find('@') == std::string::npos ? n : "";
}

// The name an index entry gives its image: ref.name when it is a reference
// (docker save >= 25 puts a bare tag there and the name in containerd's key).
std::string oci_entry_name(const Descriptor& d) {
    auto ref = d.annotations.find(kRefName);
    auto ctrd = d.annotations.find(kContainerdName);
    if (ref != d.annotations.end() && ref->second.find_first_of("/:") != std::string::npos) return name_or_empty(ref->second);
    if (ctrd != d.annotations.end()) return name_or_empty(ctrd->second);
    if (ref != d.annotations.end()) return name_or_empty(ref->second);
    return "";
}

// The image manifest a descriptor names, choosing this host's entry in a nested index.
std::pair<Descriptor, std::string> image_manifest(const ArchiveFiles& files, Descriptor d, int depth) {
    std::string body = files.read_small(blob_name(files, d.digest), 4 << 20);
    if ("sha256:" + sha256_hex(body) != d.digest || static_cast<int64_t>(body.size()) != d.size)
        fail(ErrorKind::Usage, "{}: manifest {} does not match its digest or size", files.what(), d.digest);
    ParsedManifest p;
    try {
        p = parse_manifest(body, d.media_type);
    } catch (const Error& e) {
        throw e.prefixed(files.what());
    }
    if (!p.is_index) return {d, body};
    if (depth > 2) fail(ErrorKind::Usage, "{}: indexes nested too deeply", files.what());
    const Descriptor* pick = select_platform(p.index, host_platform());
    if (!pick) fail(ErrorKind::NotFound, "{}: no image for {} in index {}", files.what(), host_platform().string(), d.digest);
    return image_manifest(files, *pick, depth + 1);
}

void oci_images(const ArchiveFiles& files, std::vector<LocalImage>& out, std::vector<Expect>& expect) {
    json layout = parse_json(files.read_small("oci-layout"), files.what(), "oci-layout");
    if (!layout.is_object() || !layout.contains("imageLayoutVersion") || !layout["imageLayoutVersion"].is_string())
        fail(ErrorKind::Usage, "{}: oci-layout has no imageLayoutVersion", files.what());
    ParsedManifest index;
    try {
        index = parse_manifest(files.read_small("index.json"), media_type::oci_index);
    } catch (const Error& e) {
        throw e.prefixed(files.what() + ": index.json");
    }
    if (!index.is_index) fail(ErrorKind::Usage, "{}: index.json is not an image index", files.what());
    if (index.index.manifests.empty()) fail(ErrorKind::Usage, "{}: index.json lists no image", files.what());
    std::map<std::string, size_t> by_manifest;  // one image per manifest, with all its names
    for (auto& top : index.index.manifests) {
        auto [d, body] = image_manifest(files, top, 0);
        std::string name = oci_entry_name(top);
        auto it = by_manifest.find(d.digest);
        if (it == by_manifest.end()) {
            Manifest m = parse_manifest(body, d.media_type).manifest;
            LocalImage li;
            li.manifest_body = body;
            li.manifest_media_type = d.media_type.empty() ? m.media_type : d.media_type;
            li.config_body = files.read_small(blob_name(files, m.config.digest));
            for (auto& l : m.layers) li.layer_paths.push_back(files.require(blob_name(files, l.digest)));
            li.what = files.what();
            it = by_manifest.emplace(d.digest, out.size()).first;
            out.push_back(std::move(li));
            expect.push_back({m.layers, m.config.digest});
        }
        auto& names = out[it->second].names;
        if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
}

std::vector<std::string> strings_of(const json& j, const std::string& what, const std::string& field) {
    std::vector<std::string> out;
    if (j.is_null()) return out;
    if (!j.is_array()) fail(ErrorKind::Usage, "{}: manifest.json: {} must be a list of strings", what, field);
    for (auto& e : j) {
        if (!e.is_string()) fail(ErrorKind::Usage, "{}: manifest.json: {} must be a list of strings", what, field);
        out.push_back(e.get<std::string>());
    }
    return out;
}

void docker_images(const ArchiveFiles& files, std::vector<LocalImage>& out, std::vector<Expect>& expect) {
    json m = parse_json(files.read_small("manifest.json"), files.what(), "manifest.json");
    if (!m.is_array() || m.empty()) fail(ErrorKind::Usage, "{}: manifest.json must be a non-empty list", files.what());
    for (auto& e : m) {
        if (!e.is_object() || !e.contains("Config") || !e["Config"].is_string())
            fail(ErrorKind::Usage, "{}: manifest.json: an entry has no Config", files.what());
        LocalImage li;
        li.config_body = files.read_small(e["Config"].get<std::string>());
        for (auto& l : strings_of(e.value("Layers", json()), files.what(), "Layers")) li.layer_paths.push_back(files.require(l));
        for (auto& t : strings_of(e.value("RepoTags", json()), files.what(), "RepoTags")) {
            std::string n = name_or_empty(t);
            if (n.empty()) fail(ErrorKind::Usage, "{}: manifest.json: \"{}\" is not a valid image name", files.what(), t);
            li.names.push_back(n);
        }
        li.what = files.what();
        out.push_back(std::move(li));
        expect.push_back({});
    }
}

// Everything store_local_image would refuse, found before anything is stored.
void check(const LocalImage& li, const Expect& ex) {
    ImageConfig cfg;
    try {
        cfg = parse_image_config(li.config_body);
    } catch (const Error& e) {
        throw e.prefixed(li.what);
    }
    if (cfg.diff_ids.size() != li.layer_paths.size())
        fail(ErrorKind::Usage, "{}: the config lists {} layers, the archive has {}", li.what, cfg.diff_ids.size(),
             li.layer_paths.size());
    if (!ex.config_digest.empty() && ex.config_digest != "sha256:" + sha256_hex(li.config_body))
        fail(ErrorKind::Usage, "{}: config {} does not match its digest", li.what, ex.config_digest);
    for (size_t i = 0; i < li.layer_paths.size(); ++i) {
        if (!ex.layers.empty()) {
            UniqueFd fd = open_fd(li.layer_paths[i], O_RDONLY);
            Sha256 h;
            int64_t size = 0;
            std::vector<char> buf(1 << 20);
            for (long n; (n = read_some(fd.get(), buf.data(), buf.size())) != 0; size += n) {
                if (n < 0) throw_sys(errno, "reading {}", li.layer_paths[i]);
                h.update(buf.data(), static_cast<size_t>(n));
            }
            if (h.digest() != ex.layers[i].digest || size != ex.layers[i].size)
                fail(ErrorKind::Usage, "{}: layer {} does not match its digest or size", li.what, ex.layers[i].digest);
        }
        std::string diff;
        try {
            diff = compute_diff_id(li.layer_paths[i]);
        } catch (const Error& e) {
            throw e.prefixed(fmt::format("{}: layer {}", li.what, i));
        }
        if (diff != cfg.diff_ids[i])
            fail(ErrorKind::Usage, "{}: layer {} does not match the config's diff_id {}", li.what, i, cfg.diff_ids[i]);
    }
}

LoadResult load_here(const Context& ctx, const LoadRequest& in) {
    std::string what = in.input.empty() ? "archive on standard input" : "archive " + in.input;
    UniqueFd owned;
    int fd = in.in_fd;
    if (!in.input.empty()) {
        owned = open_fd(in.input, O_RDONLY);
        struct stat st;
        if (::fstat(owned.get(), &st) < 0) throw_sys(errno, "stat {}", in.input);
        if (S_ISDIR(st.st_mode)) fail(ErrorKind::Usage, "{}: is a directory; load reads archives (tar files)", in.input);
        fd = owned.get();
    }
    ImageStore store(ctx);
    store.clean_tmp(24 * 3600);
    StagingDir staging_dir(store, "load");
    const std::string& staging = staging_dir.path();
    LoadResult result;
    {
        ArchiveFiles files = ArchiveFiles::read(fd, staging, what);
        std::vector<LocalImage> images;
        std::vector<Expect> expect;
        if (files.path("index.json") && files.path("oci-layout")) oci_images(files, images, expect);
        else if (files.path("manifest.json")) docker_images(files, images, expect);
        else fail(ErrorKind::Usage, "{}: neither an OCI archive (index.json) nor a docker archive (manifest.json)", what);
        for (size_t i = 0; i < images.size(); ++i) check(images[i], expect[i]);
        for (auto& li : images) {
            ImageRecord r = store_local_image(ctx, li);
            if (li.names.empty()) result.loaded.push_back("sha256:" + r.id);
            for (auto& n : li.names) result.loaded.push_back(n);
        }
    }
    return result;
}

}  // namespace

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_load_v1, conman::LoadRequest, conman::LoadResult, out = conman::load_here(ctx, in))
