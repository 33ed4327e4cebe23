// push: see image_push.hpp. Part of the image module (libconman-image.so).
// Uploads the layers and the config the manifest names, straight from the
// store's blobs/, then the manifest's own bytes, so the registry ends up
// with exactly the image the record describes (same manifest digest).
// Nothing local changes; no store lock is held while uploading.
#include "conman/image_push.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <mutex>

#include "conman/auth_file.hpp"
#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_module.hpp"
#include "conman/image_ref.hpp"
#include "conman/image_store.hpp"
#include "conman/manifest.hpp"
#include "conman/names.hpp"
#include "conman/progress.hpp"
#include "conman/registry.hpp"
#include "conman/registry_setup.hpp"

namespace conman {

namespace {

bool contains(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

// Without a destination the image goes where its name says: the name the
// user typed, as the store matched it. An image picked by ID has none.
std::string default_destination(const ImageRecord& r, const std::string& input) {
    // The same spellings ImageStore::find tries: docker.io first, then localhost/.
    std::vector<std::string> names = {normalize_image_name(input)};
    if (!has_explicit_registry(input)) names.push_back(local_image_name(input));
    for (const auto& name : names)
        if (!name.empty() && (contains(r.names, name) || contains(r.digests, name))) return name;
    fail(ErrorKind::Usage, "{}: no destination given, and an image named by its ID has no registry to go to: "
         "give one (conman push {} HOST/REPOSITORY[:TAG])", input, input);
}

// A blob from the store, checked against its descriptor before it goes out.
std::string local_blob(const ImageStore& store, const Descriptor& d) {
    std::string path = store.blob_path(d.digest);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) fail(ErrorKind::NotFound, "blob {} is missing from the image store", d.digest);
        throw_sys(errno, "stat {}", path);
    }
    if (st.st_size != d.size)
        fail(ErrorKind::System, "blob {} in the image store has {} bytes, the manifest says {}", d.digest, st.st_size, d.size);
    return path;
}

bool foreign_layer(const Descriptor& d) {
    return !d.urls.empty() || d.media_type.find("foreign") != std::string::npos ||
           d.media_type.find("nondistributable") != std::string::npos;
}

PushResult push_ref(const ImageStore& store, const ImageRecord& rec, const ImageRef& ref, const PushOptions& o) {
    std::string body = read_file(store.blob_path(rec.manifest_digest));
    if ("sha256:" + sha256_hex(body) != rec.manifest_digest)
        fail(ErrorKind::System, "manifest {} in the image store does not match its digest", rec.manifest_digest);
    ParsedManifest parsed = parse_manifest(body, rec.manifest_media_type);
    if (parsed.is_index) fail(ErrorKind::Usage, "manifest {} is an index: conman pushes single images", rec.manifest_digest);
    const Manifest& m = parsed.manifest;
    std::string media_type = rec.manifest_media_type.empty() ? m.media_type : rec.manifest_media_type;
    if (media_type.empty()) media_type = std::string(media_type::oci_manifest);

    RegistriesConf conf = load_registries_conf();
    RegistryOptions ro = registry_options_for(conf, ref.name(), o.tls_verify, o.cert_dir);
    ro.creds = registry_credentials(o.creds, o.authfile, ref.registry, ref.repository);
    RegistryClient client(ref.api_host(), ref.repository, ro);

    client.ping();  // an unreachable or untrusted registry fails before any progress is shown
    TransferProgress progress(o.quiet ? -1 : o.progress_fd);
    progress.line("Getting image source signatures");
    for (const auto& d : m.layers) {
        size_t bar = progress.add("Copying blob " + short_id(digest_hex(d.digest)), d.size);
        if (foreign_layer(d) && !store.has_blob(d.digest)) {
            progress.finish(bar, "skipped: foreign layer");
            continue;
        }
        bool sent = client.push_blob(d.digest, d.size, local_blob(store, d));
        progress.finish(bar, sent ? "done" : "skipped: already exists");
    }
    size_t bar = progress.add("Copying config " + short_id(digest_hex(m.config.digest)), m.config.size);
    client.push_blob(m.config.digest, m.config.size, local_blob(store, m.config));
    progress.finish(bar, "done");
    progress.line("Writing manifest to image destination");
    // A tag when there is one; a digest-only destination puts the manifest by digest.
    client.put_manifest(ref.tag.empty() ? rec.manifest_digest : ref.tag, body, media_type);
    return {ref.string(), rec.manifest_digest};
}

}  // namespace

PushResult push_image_here(const Context& ctx, const std::string& image, const std::string& destination,
                           const PushOptions& o) {
    ImageStore store(ctx);
    auto rec = store.find(image);
    if (!rec) fail(ErrorKind::NotFound, "{}: image not known", image);
    std::string dest = push_destination_ref(destination);
    if (dest.empty()) dest = default_destination(*rec, image);
    ImageRef ref = parse_image_ref(dest);
    if (!ref.digest.empty() && ref.digest != rec->manifest_digest)
        fail(ErrorKind::Usage, "destination {}: the image's manifest is {}, not {}", dest, rec->manifest_digest, ref.digest);
    try {
        return push_ref(store, *rec, ref, o);
    } catch (const Error& e) {
        throw e.prefixed("pushing " + ref.string());
    }
}

}  // namespace conman

// The module's entry point (see image_module.hpp): no exception crosses it.
CONMAN_IMAGE_ENTRY(conman_image_push_v1, conman::PushRequest, conman::PushResult,
                   out = conman::push_image_here(ctx, in.image, in.destination, in.options))
