// Image manifests, indexes and configs: the OCI image-spec and Docker
// schema2 JSON documents a registry serves, parsed into plain structs, plus
// the serialisers to write OCI manifests and indexes. Parsing validates what
// later steps rely on (digests, sizes, required fields, types) and leaves
// unknown fields and unknown layer media types alone (they are errors only
// when a layer is unpacked). Docker schema1 is refused.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conman {

namespace media_type {
inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view oci_config = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view oci_layer_tar = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view oci_layer_gzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view oci_layer_zstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view docker_manifest_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view docker_config = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view docker_layer_gzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view docker_foreign_layer_gzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
inline constexpr std::string_view docker_schema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view docker_schema1_signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
}  // namespace media_type

struct Platform {
    std::string os, architecture, variant;
    std::string string() const;  // "linux/arm64/v8", "linux/amd64"
    bool operator==(const Platform&) const = default;
};

// linux + the Go name of uname's machine: amd64, arm64, arm (variant v5..v8),
// 386, ppc64le, s390x, riscv64; other machines are passed through. arm64's
// variant is left empty (select_platform treats "" and "v8" alike).
Platform host_platform();
// "os/arch[/variant]" as --platform takes it; Usage error otherwise.
Platform parse_platform(std::string_view s);

struct Descriptor {
    std::string media_type, digest;
    int64_t size = 0;
    std::vector<std::string> urls;
    std::optional<Platform> platform;
    std::map<std::string, std::string> annotations;
    bool operator==(const Descriptor&) const = default;
};

struct Manifest {
    std::string media_type;  // oci_manifest or docker_manifest
    Descriptor config;
    std::vector<Descriptor> layers;
    std::map<std::string, std::string> annotations;
    bool operator==(const Manifest&) const = default;
};

struct Index {
    std::string media_type;  // oci_index or docker_manifest_list
    std::vector<Descriptor> manifests;
    bool operator==(const Index&) const = default;
};

struct ParsedManifest {
    bool is_index = false;
    Manifest manifest;  // when !is_index
    Index index;        // when is_index
};

// The type comes from Content-Type (parameters ignored) when it names one of
// the four supported types; with a generic or empty Content-Type it comes from
// the body's mediaType, else from the body's shape ("manifests" = OCI index,
// "config" = OCI manifest). A body mediaType that disagrees with Content-Type
// is an error. Throws Error(Usage) "manifest: ..." with the reason.
ParsedManifest parse_manifest(std::string_view body, std::string_view content_type);

// The entry to pull for `want`, or nullptr. Entries without a platform, with
// an unsupported media type (nested indexes included), and attestation
// manifests (unknown/unknown or annotation vnd.docker.reference.type =
// attestation-manifest) are skipped. os and architecture match exactly. The
// variant is matched through a preference list and, per variant, the first
// entry in list order wins:
//   arm64: want "" or "v8" -> "", "v8"; another variant -> that one only
//   arm:   want vN (default v7) -> vN, vN-1, ... v5, then ""
//   other: want "" -> any variant; else that one only
const Descriptor* select_platform(const Index& idx, const Platform& want);

// Value for the Accept header of manifest requests: the four supported types.
std::string accept_header();

// OCI form, compact and with sorted keys (nlohmann's dump). An empty
// media_type is written as the OCI one. Empty urls/annotations are left out.
std::string serialize_manifest(const Manifest& m);
std::string serialize_index(const Index& idx);

struct ImageConfig {
    std::string architecture, os, variant, author;
    int64_t created = 0;  // ns since the epoch; 0 when absent or not RFC 3339
    struct {
        std::string user;
        std::vector<std::string> env, entrypoint, cmd;
        std::string working_dir, stop_signal;
        std::map<std::string, std::string> labels;
        std::vector<std::string> exposed_ports, volumes;  // keys of the JSON objects, sorted
    } config;
    std::vector<std::string> diff_ids;
    struct History {
        int64_t created = 0;
        std::string created_by, comment;
        bool empty_layer = false;
    };
    std::vector<History> history;
    std::string raw;  // the exact bytes parsed (the image ID is their digest)
};

// Missing or null fields take their defaults; a field of the wrong type or a
// malformed diff_id is an Error(Usage) "image config: ...".
ImageConfig parse_image_config(std::string_view body);

// ChainID of the first n layers (image-spec config.md): ChainID(L0) = DiffID(L0),
// ChainID(L0..Ln) = "sha256:" + sha256(ChainID(L0..Ln-1) + " " + DiffID(Ln)).
// "" for n = 0; Usage error when n > diff_ids.size().
std::string chain_id(const std::vector<std::string>& diff_ids, size_t n);

}  // namespace conman
