// Entering images into the store: see image_commit.hpp. Part of the image
// module (extract_layer needs libarchive).
#include "conman/image_commit.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "conman/crash_point.hpp"
#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/userns.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/layer.hpp"
#include "conman/names.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

constexpr size_t kParallelLayers = 4;

std::string short_link_name() {
    // 26 random characters, as short as overlay's page-sized option string needs.
    return new_container_id().substr(0, 26);
}

void commit_layer(const ImageStore& store, const StagedLayer& s) {
    if (store.has_layer(s.chain_id)) return;  // a concurrent writer got there first
    std::string dir = store.layer_dir(s.chain_id);
    remove_all(dir);  // a half layer from a crash before the rename below never has diff/
    std::string link = short_link_name();
    atomic_write(s.dir_tmp + "/link", link, 0644, false);
    atomic_write(s.dir_tmp + "/size", std::to_string(s.size), 0644, false);
    if (::symlink(("../layers/" + digest_hex(s.chain_id) + "/diff").c_str(), (store.links_dir() + "/" + link).c_str()) < 0)
        throw_sys(errno, "link layer {}", s.chain_id);
    if (::rename(s.dir_tmp.c_str(), dir.c_str()) < 0) throw_sys(errno, "commit layer {}", s.chain_id);
}

void commit_blob(const ImageStore& store, const std::string& digest, const std::string& tmp_path) {
    if (store.has_blob(digest)) return;
    if (::rename(tmp_path.c_str(), store.blob_path(digest).c_str()) < 0) throw_sys(errno, "commit blob {}", digest);
}

void store_small_blob(const ImageStore& store, const std::string& digest, const std::string& body,
                      const std::string& staged) {
    if (store.has_blob(digest)) return;
    if (!staged.empty()) commit_blob(store, digest, staged);
    else atomic_write(store.blob_path(digest), body, 0644);
}

// Copies src to dst (created, 0644) and returns the sha256 digest and size of what was copied.
std::pair<std::string, int64_t> copy_and_digest(const std::string& src, const std::string& dst) {
    UniqueFd in = open_fd(src, O_RDONLY);
    UniqueFd out = open_fd(dst, O_WRONLY | O_CREAT | O_EXCL, 0644);
    Sha256 h;
    int64_t total = 0;
    std::string buf(1 << 20, '\0');
    for (;;) {
        ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_sys(errno, "read {}", src);
        if (n == 0) break;
        h.update(buf.data(), static_cast<size_t>(n));
        write_all(out.get(), std::string_view(buf.data(), static_cast<size_t>(n)));
        total += n;
    }
    return {h.digest(), total};
}

// The manifest for a LocalImage without one: OCI, layers described by their blobs.
void write_manifest(StagedImage& img, const LocalImage& in, const std::vector<std::pair<std::string, int64_t>>& blobs) {
    Manifest m;
    m.media_type = std::string(media_type::oci_manifest);
    m.config = {std::string(media_type::oci_config), "sha256:" + sha256_hex(in.config_body),
                static_cast<int64_t>(in.config_body.size()), {}, std::nullopt, {}};
    for (size_t i = 0; i < blobs.size(); ++i)
        m.layers.push_back({layer_media_type_of(in.layer_paths[i]), blobs[i].first, blobs[i].second, {}, std::nullopt, {}});
    img.manifest_body = serialize_manifest(m);
    img.manifest_media_type = m.media_type;
    img.manifest = std::move(m);
}

}  // namespace

StagingDir::~StagingDir() {
    try {
        remove_all(path_);
    } catch (...) {  // tmp/ debris is cleared by a later pull
    }
}

void parallel_for(size_t n, size_t threads, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::mutex mu;
    std::exception_ptr first_error;
    auto worker = [&] {
        for (;;) {
            size_t k = next++;
            if (k >= n) return;
            {
                std::lock_guard<std::mutex> g(mu);
                if (first_error) return;
            }
            try {
                fn(k);
            } catch (...) {
                std::lock_guard<std::mutex> g(mu);
                if (!first_error) first_error = std::current_exception();
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t t = 0; t < std::min(threads, n); ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
    if (first_error) std::rethrow_exception(first_error);
}

void stage_small_blobs(StagedImage& img, const std::string& staging) {
    atomic_write(staging + "/config", img.config_body, 0644);
    img.config_tmp = staging + "/config";
    atomic_write(staging + "/manifest", img.manifest_body, 0644);
    img.manifest_tmp = staging + "/manifest";
}

void require_image_privileges(const std::string& what) {
    if (!host_identity().rootless || host_identity().in_userns) return;
    fail(ErrorKind::Usage, "{}: images are not supported for ordinary users yet (unpacking layers needs a user "
                           "namespace); run containers from a directory with --rootfs",
         what);
}

ImageRecord commit_image(const ImageStore& store, const StagedImage& img) {
    FileLock lock = store.lock();
    for (auto& s : img.layers) {
        commit_layer(store, s);
        commit_blob(store, img.manifest.layers[s.index].digest, s.blob_tmp);
    }
    store_small_blob(store, img.manifest.config.digest, img.config_body, img.config_tmp);
    store_small_blob(store, img.manifest_digest, img.manifest_body, img.manifest_tmp);
    crash_point("pull:layers-committed");  // layers and blobs in, no record yet
    std::string id = digest_hex(img.manifest.config.digest);
    ImageRecord r = store.by_id(id).value_or(ImageRecord{});
    r.id = id;
    r.manifest_digest = img.manifest_digest;
    r.manifest_media_type = img.manifest_media_type;
    r.config_digest = img.manifest.config.digest;
    r.diff_ids = img.config.diff_ids;
    r.chain_ids.clear();
    r.layer_blobs.clear();
    r.size = 0;
    for (size_t i = 0; i < img.manifest.layers.size(); ++i) {
        r.chain_ids.push_back(chain_id(img.config.diff_ids, i + 1));
        const auto& d = img.manifest.layers[i];
        r.layer_blobs.push_back({d.digest, d.media_type, d.size});
    }
    for (auto& c : r.chain_ids) {
        if (!store.has_layer(c)) fail(ErrorKind::System, "image {}: layer {} is missing from the store", id, c);
        auto sz = read_file_if_exists(store.layer_dir(c) + "/size");
        r.size += sz ? std::atoll(sz->c_str()) : 0;
    }
    r.created = img.config.created;
    if (!r.pulled) r.pulled = now_ns();
    if (!img.repo_digest.empty() && std::find(r.digests.begin(), r.digests.end(), img.repo_digest) == r.digests.end())
        r.digests.push_back(img.repo_digest);
    for (auto& n : img.names)
        if (std::find(r.names.begin(), r.names.end(), n) == r.names.end()) r.names.push_back(n);
    store.save(r);  // one durable write; assign_name below only takes the names from other images
    for (auto& n : img.names) store.assign_name(n, r.id);
    return r;
}

std::string layer_media_type_of(const std::string& blob_path) {
    UniqueFd fd = open_fd(blob_path, O_RDONLY);
    unsigned char m[4] = {};
    ssize_t n;
    do n = ::pread(fd.get(), m, sizeof m, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return std::string(media_type::oci_layer_gzip);
    if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return std::string(media_type::oci_layer_zstd);
    return std::string(media_type::oci_layer_tar);
}

ImageRecord store_local_image(const Context& ctx, const LocalImage& in) {
    require_image_privileges(in.what.empty() ? "image" : in.what);
    ImageStore store(ctx);
    store.clean_tmp(24 * 3600);
    StagedImage img;
    img.names = in.names;
    img.config_body = in.config_body;
    img.config = parse_image_config(in.config_body);
    std::string what = in.what.empty() ? "image" : in.what;
    if (img.config.diff_ids.size() != in.layer_paths.size())
        fail(ErrorKind::Usage, "{}: the config lists {} diff_ids for {} layers", what, img.config.diff_ids.size(),
             in.layer_paths.size());
    if (!in.manifest_body.empty()) {
        auto parsed = parse_manifest(in.manifest_body, in.manifest_media_type);
        if (parsed.is_index) fail(ErrorKind::Usage, "{}: expected an image manifest, found an index", what);
        img.manifest = parsed.manifest;
        img.manifest_body = in.manifest_body;
        img.manifest_media_type = parsed.manifest.media_type;
        if (img.manifest.layers.size() != in.layer_paths.size())
            fail(ErrorKind::Usage, "{}: the manifest lists {} layers, {} were given", what, img.manifest.layers.size(),
                 in.layer_paths.size());
        std::string cfg_digest = "sha256:" + sha256_hex(in.config_body);
        if (img.manifest.config.digest != cfg_digest)
            fail(ErrorKind::Usage, "{}: config digest mismatch: the manifest says {}, the config is {}", what,
                 img.manifest.config.digest, cfg_digest);
    }
    StagingDir staging_dir(store, "local");
    const std::string& staging = staging_dir.path();
    {
        std::vector<std::pair<std::string, int64_t>> blobs(in.layer_paths.size());
        std::vector<StagedLayer> staged(in.layer_paths.size());
        // Copy (and digest) every blob; unpack the layers the store lacks.
        UnpackServerScope unpack_server;  // before the workers: the unpackers are forked from it
        parallel_for(in.layer_paths.size(), kParallelLayers, [&](size_t i) {
            StagedLayer& s = staged[i];
            s.index = i;
            s.chain_id = chain_id(img.config.diff_ids, i + 1);
            s.blob_tmp = fmt::format("{}/blob-{}", staging, i);
            s.dir_tmp = fmt::format("{}/layer-{}", staging, i);
            blobs[i] = copy_and_digest(in.layer_paths[i], s.blob_tmp);
            if (!img.manifest_body.empty()) {
                const auto& d = img.manifest.layers[i];
                if (d.digest != blobs[i].first)
                    fail(ErrorKind::Usage, "{}: layer {} digest mismatch: the manifest says {}, the blob is {}", what, i,
                         d.digest, blobs[i].first);
                if (d.size != blobs[i].second)
                    fail(ErrorKind::Usage, "{}: layer {} size mismatch: the manifest says {}, the blob has {}", what, i,
                         d.size, blobs[i].second);
            }
            if (store.has_layer(s.chain_id)) {
                // Already unpacked; check the diff_id all the same.
                std::string diff = compute_diff_id(s.blob_tmp);
                if (diff != img.config.diff_ids[i])
                    fail(ErrorKind::Usage, "{}: layer {} diff_id mismatch: the config says {}, the layer is {}", what, i,
                         img.config.diff_ids[i], diff);
                return;
            }
            mkdir_p(s.dir_tmp + "/diff", 0755);
            try {
                s.size = extract_layer(s.blob_tmp, s.dir_tmp + "/diff", img.config.diff_ids[i]).size;
            } catch (const Error& e) {
                throw e.prefixed(fmt::format("{}: layer {}", what, i));
            }
        });
        if (img.manifest_body.empty()) write_manifest(img, in, blobs);
        img.manifest_digest = "sha256:" + sha256_hex(img.manifest_body);
        for (auto& s : staged) {
            if (path_exists(s.dir_tmp)) img.layers.push_back(s);
            else if (!store.has_blob(img.manifest.layers[s.index].digest))
                img.layers.push_back({s.index, s.chain_id, s.blob_tmp, "", 0});
        }
        return commit_image(store, img);
    }
}

}  // namespace conman
