// save (image module): images from the store written as a docker-archive,
// oci-archive, oci-dir or docker-dir.
//
// docker-archive, as podman writes it: <diff_id hex>.tar (uncompressed
// layers), <config hex>.json, manifest.json ([{Config, RepoTags, Layers}]),
// repositories, and for old readers a <layer id>/{VERSION,json,layer.tar}
// directory per layer whose layer.tar links to the real tar.
// oci-archive / oci-dir: oci-layout, index.json (one descriptor per image,
// named by org.opencontainers.image.ref.name) and blobs/sha256/<hex> holding
// the exact stored manifest, config and layer blobs, so every digest survives.
// docker-dir: containers/image's dir: layout (version, manifest.json, blobs by hex).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>

#include "conman/archive_io.hpp"
#include "conman/digest.hpp"
#include "conman/engine_images.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_commit.hpp"
#include "conman/image_module.hpp"
#include "conman/image_ref.hpp"
#include "conman/image_store.hpp"
#include "conman/manifest.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {

using json = nlohmann::json;

struct SavedImage {
    ImageRecord rec;
    std::vector<std::string> tags;  // full names
};

bool is_id_ref(const ImageRecord& r, std::string ref) {
    if (ref.rfind("sha256:", 0) == 0) ref = ref.substr(7);
    return !ref.empty() && r.id.rfind(ref, 0) == 0;
}

// The name a reference gives the saved image: none for an ID or a digest.
std::string tag_of(const ImageRecord& r, const std::string& ref) {
    if (is_id_ref(r, ref)) return "";
    std::string n = normalize_image_name(ref);
    return n.find('@') == std::string::npos ? n : "";
}

void add_tag(SavedImage& s, const std::string& tag) {
    if (!tag.empty() && std::find(s.tags.begin(), s.tags.end(), tag) == s.tags.end()) s.tags.push_back(tag);
}

std::vector<SavedImage> resolve(const Context& ctx, const SaveRequest& in) {
    if (in.images.empty()) fail(ErrorKind::Usage, "save needs at least one image");
    bool docker = in.format == "docker-archive";
    if (in.multi_image && !docker) fail(ErrorKind::Usage, "--multi-image-archive works with --format docker-archive only");
    std::vector<SavedImage> out;
    if (!in.multi_image) {
        if (!docker && in.images.size() > 1)
            fail(ErrorKind::Usage, "{} holds one image: name one (or use docker-archive with -m)", in.format);
        SavedImage s{require_image(ctx, in.images[0]), {}};
        add_tag(s, tag_of(s.rec, in.images[0]));
        for (size_t i = 1; i < in.images.size(); ++i) {
            std::string t = normalize_image_name(in.images[i]);
            if (t.empty() || t.find('@') != std::string::npos)
                fail(ErrorKind::Usage, "{}: not a valid tag for the saved image (use -m to save several images)",
                     in.images[i]);
            add_tag(s, t);
        }
        out.push_back(std::move(s));
        return out;
    }
    for (auto& ref : in.images) {
        ImageRecord r = require_image(ctx, ref);
        auto it = std::find_if(out.begin(), out.end(), [&](const SavedImage& s) { return s.rec.id == r.id; });
        if (it == out.end()) it = out.insert(out.end(), SavedImage{r, {}});
        add_tag(*it, tag_of(r, ref));
    }
    return out;
}

std::string read_blob(const ImageStore& store, const std::string& digest) {
    auto body = read_file_if_exists(store.blob_path(digest));
    if (!body) fail(ErrorKind::NotFound, "blob {} is missing from the image store", digest);
    return *body;
}

// An uncompressed copy of a layer blob (the blob itself when it is plain
// tar), checked against its diff_id.
std::string plain_layer(const ImageStore& store, const LayerBlob& b, const std::string& diff_id,
                        const std::string& staging) {
    std::string blob = store.blob_path(b.digest);
    if (!path_exists(blob)) fail(ErrorKind::NotFound, "layer blob {} is missing from the image store", b.digest);
    LayerReader reader(blob);
    if (std::string_view(reader.format()) == "tar") return blob;
    std::string out = staging + "/" + digest_hex(diff_id) + ".tar";
    UniqueFd fd = open_fd(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    Sha256 h;
    std::vector<char> buf(1 << 20);
    for (;;) {
        size_t n = reader.read(buf.data(), buf.size());
        if (n == 0) break;
        h.update(buf.data(), n);
        write_all(fd.get(), std::string_view(buf.data(), n));
    }
    if (h.digest() != diff_id) fail(ErrorKind::System, "layer {} does not decompress to its diff_id {}", b.digest, diff_id);
    return out;
}

void write_docker_archive(const ImageStore& store, const std::vector<SavedImage>& images, ArchiveSink& sink,
                          const std::string& staging) {
    json manifest = json::array(), repositories = json::object();
    std::set<std::string> written;
    for (auto& s : images) {
        std::string config = read_blob(store, s.rec.config_digest);
        ImageConfig cfg = parse_image_config(config);
        if (cfg.diff_ids.size() != s.rec.layer_blobs.size())
            fail(ErrorKind::System, "image {}: its record and config disagree on the layers", s.rec.id);
        json layers = json::array();
        std::string parent;
        for (size_t i = 0; i < cfg.diff_ids.size(); ++i) {
            std::string name = digest_hex(cfg.diff_ids[i]) + ".tar";
            layers.push_back(name);
            if (written.insert(name).second) {
                std::string path = plain_layer(store, s.rec.layer_blobs[i], cfg.diff_ids[i], staging);
                sink.file(name, path);
                if (path.rfind(staging, 0) == 0) ::unlink(path.c_str());
            }
            // Old readers want one directory per layer, named by an ID that
            // depends on every layer below (the chain ID serves).
            std::string id = digest_hex(chain_id(cfg.diff_ids, i + 1));
            if (written.insert(id).second) {
                json legacy = {{"id", id}};
                if (!parent.empty()) legacy["parent"] = parent;
                if (i + 1 == cfg.diff_ids.size()) {
                    json full = json::parse(config);
                    for (const char* k : {"architecture", "os", "config", "created"})
                        if (full.contains(k)) legacy[k] = full[k];
                }
                sink.dir(id);
                sink.bytes(id + "/VERSION", "1.0");
                sink.bytes(id + "/json", legacy.dump());
                sink.symlink(id + "/layer.tar", "../" + name);
            }
            parent = id;
        }
        std::string config_name = digest_hex(s.rec.config_digest) + ".json";
        if (written.insert(config_name).second) sink.bytes(config_name, config);
        json tags = s.tags.empty() ? json(nullptr) : json(s.tags);
        manifest.push_back({{"Config", config_name}, {"RepoTags", tags}, {"Layers", layers}});
        for (auto& t : s.tags) {
            ImageRef ref = parse_image_ref(t);
            if (!parent.empty()) repositories[ref.name()][ref.tag] = parent;
        }
    }
    sink.bytes("manifest.json", manifest.dump());
    sink.bytes("repositories", repositories.dump());
}

void write_oci(const ImageStore& store, const SavedImage& s, ArchiveSink& sink) {
    sink.bytes("oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
    sink.dir("blobs");
    sink.dir("blobs/sha256");
    std::set<std::string> written;
    auto blob = [&](const std::string& digest) {
        if (!written.insert(digest).second) return;
        std::string p = store.blob_path(digest);
        if (!path_exists(p)) fail(ErrorKind::NotFound, "blob {} is missing from the image store", digest);
        sink.file("blobs/sha256/" + digest_hex(digest), p);
    };
    for (auto& l : s.rec.layer_blobs) blob(l.digest);
    blob(s.rec.config_digest);
    blob(s.rec.manifest_digest);
    Descriptor d;
    d.media_type = s.rec.manifest_media_type.empty() ? std::string(media_type::oci_manifest) : s.rec.manifest_media_type;
    d.digest = s.rec.manifest_digest;
    d.size = static_cast<int64_t>(read_blob(store, s.rec.manifest_digest).size());
    if (!s.tags.empty()) d.annotations["org.opencontainers.image.ref.name"] = s.tags[0];
    Index idx;
    idx.media_type = std::string(media_type::oci_index);
    idx.manifests.push_back(d);
    sink.bytes("index.json", serialize_index(idx));
}

void write_docker_dir(const ImageStore& store, const SavedImage& s, ArchiveSink& sink) {
    sink.bytes("version", "Directory Transport Version: 1.1\n");
    for (auto& l : s.rec.layer_blobs) {
        std::string p = store.blob_path(l.digest);
        if (!path_exists(p)) fail(ErrorKind::NotFound, "blob {} is missing from the image store", l.digest);
        sink.file(digest_hex(l.digest), p);
    }
    sink.bytes(digest_hex(s.rec.config_digest), read_blob(store, s.rec.config_digest));
    sink.bytes("manifest.json", read_blob(store, s.rec.manifest_digest));
}

void write_images(const ImageStore& store, const SaveRequest& in, const std::vector<SavedImage>& images,
                  ArchiveSink& sink, const std::string& staging) {
    if (in.format == "docker-archive") write_docker_archive(store, images, sink, staging);
    else if (in.format == "docker-dir") write_docker_dir(store, images[0], sink);
    else write_oci(store, images[0], sink);
    sink.finish();
}

// An archive into a file: written next to it under a temporary name and
// renamed over it once complete.
void save_to_file(const ImageStore& store, const SaveRequest& in, const std::vector<SavedImage>& images,
                  const std::string& staging) {
    std::string tmpl = in.output + ".conman-XXXXXX";
    int raw = ::mkostemp(tmpl.data(), O_CLOEXEC);
    if (raw < 0) throw_sys(errno, "create {}", in.output);
    UniqueFd fd(raw);
    try {
        auto sink = tar_sink(fd.get(), in.output);
        write_images(store, in, images, *sink, staging);
        if (::fchmod(fd.get(), 0644) < 0) throw_sys(errno, "chmod {}", tmpl);
        if (::fsync(fd.get()) < 0) throw_sys(errno, "fsync {}", tmpl);
        if (::rename(tmpl.c_str(), in.output.c_str()) < 0) throw_sys(errno, "rename to {}", in.output);
    } catch (...) {
        ::unlink(tmpl.c_str());
        throw;
    }
}

void save_to_dir(const ImageStore& store, const SaveRequest& in, const std::vector<SavedImage>& images,
                 const std::string& staging) {
    if (in.output.empty()) fail(ErrorKind::Usage, "--format {} writes a directory: name it with -o", in.format);
    struct stat st;
    bool created = false;
    if (::lstat(in.output.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode) || !list_dir(in.output).empty())
            fail(ErrorKind::Usage, "{}: already exists (give a new or empty directory)", in.output);
    } else if (::mkdir(in.output.c_str(), 0755) < 0) {
        throw_sys(errno, "create {}", in.output);
    } else {
        created = true;
    }
    try {
        auto sink = dir_sink(in.output);
        write_images(store, in, images, *sink, staging);
    } catch (...) {
        if (created) remove_all(in.output);
        else for (auto& n : list_dir(in.output)) remove_all(in.output + "/" + n);
        throw;
    }
}

SaveResult save_here(const Context& ctx, const SaveRequest& in) {
    static const std::set<std::string> formats = {"docker-archive", "oci-archive", "oci-dir", "docker-dir"};
    if (!formats.count(in.format))
        fail(ErrorKind::Usage, "unknown format \"{}\": use docker-archive, oci-archive, oci-dir or docker-dir", in.format);
    std::vector<SavedImage> images = resolve(ctx, in);
    ImageStore store(ctx);
    StagingDir dir(store, "save");
    const std::string& staging = dir.path();
    if (in.format == "oci-dir" || in.format == "docker-dir") {
        save_to_dir(store, in, images, staging);
    } else if (in.output.empty()) {
        auto sink = tar_sink(in.out_fd, "standard output");
        write_images(store, in, images, *sink, staging);
    } else {
        save_to_file(store, in, images, staging);
    }
    return {static_cast<int>(images.size())};
}

}  // namespace

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_save_v1, conman::SaveRequest, conman::SaveResult, out = conman::save_here(ctx, in))
