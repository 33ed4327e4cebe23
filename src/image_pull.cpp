// pull: see image_pull.hpp. This file is part of the image module
// (libconman-image.so), loaded only when a pull is needed. Downloads and unpacking run without any lock;
// only the final commit (renames and the record) takes the store lock, so
// two concurrent pulls of one image both succeed and store it once.
#include "conman/image_pull.hpp"

#include <algorithm>
#include <exception>
#include <mutex>
#include <thread>
#include <unistd.h>

#include "conman/auth_file.hpp"
#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_commit.hpp"
#include "conman/image_module.hpp"
#include "conman/image_ref.hpp"
#include "conman/layer.hpp"
#include "conman/manifest.hpp"
#include "conman/names.hpp"
#include "conman/progress.hpp"
#include "conman/registries_conf.hpp"
#include "conman/registry.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

constexpr size_t kParallelLayers = 4;

std::string blob_label(const std::string& digest) { return "Copying blob " + short_id(digest_hex(digest)); }

struct Fetched {
    ImageRef ref;
    std::string repo_digest;  // digest of what the tag pointed at (index or manifest)
    std::string manifest_digest, manifest_media_type, manifest_body;
    Manifest manifest;
    ImageConfig config;
    std::string config_body;
};

RegistryOptions registry_options(const ImageRef& ref, const RegistriesConf& conf, const PullOptions& o) {
    RegistryOptions ro;
    // --tls-verify, when given, overrides registries.conf's insecure flag.
    bool insecure = o.tls_verify ? !*o.tls_verify : conf.insecure(ref.name());
    ro.tls_verify = !insecure;
    ro.insecure = insecure;
    if (!o.cert_dir.empty()) {
        if (!path_exists(o.cert_dir)) fail(ErrorKind::Usage, "--cert-dir {}: no such directory", o.cert_dir);
        ro.certs_dir = o.cert_dir;
    }
    AuthFile auth(o.authfile.empty() ? AuthFile::default_path() : o.authfile);
    ro.creds = auth.get(ref.registry, ref.repository);
    return ro;
}

Fetched fetch_manifest_and_config(RegistryClient& client, const ImageRef& ref, const Platform& want) {
    Fetched f;
    f.ref = ref;
    auto top = client.get_manifest(ref.digest.empty() ? ref.tag : ref.digest);
    f.repo_digest = top.digest;
    auto parsed = parse_manifest(top.body, top.content_type);
    if (parsed.is_index) {
        const Descriptor* d = select_platform(parsed.index, want);
        if (!d) fail(ErrorKind::NotFound, "{}: no image in the manifest list for platform {}", ref.string(), want.string());
        top = client.get_manifest(d->digest);
        if (top.digest != d->digest)
            fail(ErrorKind::System, "{}: manifest digest mismatch: want {}, got {}", ref.string(), d->digest, top.digest);
        parsed = parse_manifest(top.body, top.content_type);
        if (parsed.is_index) fail(ErrorKind::Usage, "{}: nested manifest lists are not supported", ref.string());
    }
    f.manifest = parsed.manifest;
    f.manifest_digest = top.digest;
    f.manifest_media_type = parsed.manifest.media_type;
    f.manifest_body = top.body;
    f.config_body = client.get_blob_small(f.manifest.config.digest, f.manifest.config.size);
    f.config = parse_image_config(f.config_body);
    if (f.config.diff_ids.size() != f.manifest.layers.size())
        fail(ErrorKind::Usage, "{}: the config lists {} diff_ids for {} layers", ref.string(), f.config.diff_ids.size(),
             f.manifest.layers.size());
    return f;
}

// Downloads and unpacks the layers the store lacks, kParallelLayers at a time.
std::vector<StagedLayer> stage_layers(RegistryClient& client, const ImageStore& store, const Fetched& f,
                                      const std::string& staging, TransferProgress& progress) {
    std::vector<StagedLayer> todo;
    for (size_t i = 0; i < f.manifest.layers.size(); ++i) {
        std::string chain = chain_id(f.config.diff_ids, i + 1);
        const auto& d = f.manifest.layers[i];
        if (store.has_layer(chain) && store.has_blob(d.digest)) {
            progress.finish(progress.add(blob_label(d.digest), d.size), "skipped: already exists");
            continue;
        }
        todo.push_back({i, chain, fmt::format("{}/blob-{}", staging, i), fmt::format("{}/layer-{}", staging, i), 0});
    }
    std::vector<size_t> bars;
    for (auto& s : todo) bars.push_back(progress.add(blob_label(f.manifest.layers[s.index].digest), f.manifest.layers[s.index].size));
    parallel_for(todo.size(), kParallelLayers, [&](size_t k) {
        StagedLayer& s = todo[k];
        const auto& d = f.manifest.layers[s.index];
        try {
            client.fetch_blob(d.digest, d.size, s.blob_tmp, [&, k](int64_t done) { progress.update(bars[k], done); });
            mkdir_p(s.dir_tmp + "/diff", 0755);
            s.size = extract_layer(s.blob_tmp, s.dir_tmp + "/diff", f.config.diff_ids[s.index]).size;
            progress.finish(bars[k], "done");
        } catch (const Error& e) {
            // Name the layer by its digest, not by our staging path.
            std::string msg = e.what();
            for (auto pos = msg.find(s.blob_tmp); pos != std::string::npos; pos = msg.find(s.blob_tmp))
                msg.replace(pos, s.blob_tmp.size(), d.digest);
            throw Error(e.kind(), msg, e.err_no());
        }
    });
    return todo;
}

ImageRecord pull_ref(const ImageStore& store, const ImageRef& ref, const RegistriesConf& conf, const PullOptions& o,
                     TransferProgress& progress) {
    if (conf.blocked(ref.name())) fail(ErrorKind::Usage, "{}: registry {} is blocked in registries.conf", ref.string(), ref.registry);
    RegistryClient client(ref.api_host(), ref.repository, registry_options(ref, conf, o));
    Platform want = o.platform.empty() ? host_platform() : parse_platform(o.platform);
    Fetched f = fetch_manifest_and_config(client, ref, want);
    progress.line("Getting image source signatures");
    StagingDir staging_dir(store, "pull");
    const std::string& staging = staging_dir.path();
    {
        StagedImage img;
        img.manifest_digest = f.manifest_digest;
        img.manifest_media_type = f.manifest_media_type;
        img.manifest_body = f.manifest_body;
        img.manifest = f.manifest;
        img.config_body = f.config_body;
        img.config = f.config;
        img.repo_digest = f.ref.name() + "@" + f.repo_digest;
        // Pulled by tag: the name moves to this image. By digest only: no name.
        if (!f.ref.tag.empty() && f.ref.digest.empty()) img.names.push_back(f.ref.string());
        // Before any thread of ours: the unpackers are forked from it.
        UnpackServerScope unpack_server;
        // The small blobs' fsyncs overlap the downloads.
        std::exception_ptr small_error;
        std::thread small([&] {
            try {
                stage_small_blobs(img, staging);
            } catch (...) {
                small_error = std::current_exception();
            }
        });
        std::vector<StagedLayer> staged;
        try {
            staged = stage_layers(client, store, f, staging, progress);
        } catch (...) {
            small.join();
            throw;
        }
        small.join();
        if (small_error) std::rethrow_exception(small_error);
        img.layers = std::move(staged);
        progress.finish(progress.add(fmt::format("Copying config {}", short_id(digest_hex(f.manifest.config.digest))),
                                     f.manifest.config.size),
                        "done");
        progress.line("Writing manifest to image destination");
        return commit_image(store, img);
    }
}

}  // namespace

ImageRecord pull_image_here(const Context& ctx, const std::string& input, const PullOptions& o) {
    require_image_privileges("pulling " + input);
    ImageStore store(ctx);
    store.clean_tmp(24 * 3600);
    RegistriesConf conf = load_registries_conf();
    TransferProgress progress(o.quiet ? -1 : o.progress_fd);
    auto candidates = conf.candidates(input);
    std::string errors;
    for (const auto& ref : candidates) {
        progress.line(fmt::format("Trying to pull {}...", ref.string()));
        try {
            return pull_ref(store, ref, conf, o, progress);
        } catch (const Error& e) {
            // A short name tries the next registry only when this one lacks it.
            if (candidates.size() == 1 || e.kind() != ErrorKind::NotFound) throw e.prefixed("pulling " + ref.string());
            errors += fmt::format("{}{}: {}", errors.empty() ? "" : "; ", ref.string(), e.what());
        }
    }
    fail(ErrorKind::NotFound, "pulling {}: not found in any registry: {}", input, errors);
}

// The module's entry point (see image_module.hpp): no exception crosses it.
}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_pull_v1, conman::PullRequest, conman::ImageRecord,
                   out = conman::pull_image_here(ctx, in.input, in.options))
