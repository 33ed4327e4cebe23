// import (image module): a root filesystem tarball (plain, gzip, zstd) from
// a file, standard input or an http(s) URL becomes a one-layer image. The
// tarball is unpacked into staging with the same confined, hostile-entry
// checking extraction as a pulled layer, then packed again into a clean
// layer (fixed order, numeric owners, OCI whiteouts), so what is stored is
// always a well-formed layer whatever the input looked like.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/http.hpp"
#include "conman/image_archive.hpp"
#include "conman/image_build.hpp"
#include "conman/image_change.hpp"
#include "conman/image_commit.hpp"
#include "conman/image_module.hpp"
#include "conman/image_store.hpp"
#include "conman/layer.hpp"
#include "conman/timeutil.hpp"

namespace conman {

namespace {

constexpr int kMaxRedirects = 10;

bool is_url(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

void copy_fd_to(int in, const std::string& path) {
    UniqueFd out = open_fd(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    std::vector<char> buf(1 << 20);
    for (;;) {
        long n = read_some(in, buf.data(), buf.size());
        if (n < 0) throw_sys(errno, "reading standard input");
        if (n == 0) break;
        write_all(out.get(), std::string_view(buf.data(), static_cast<size_t>(n)));
    }
}

void download(const std::string& url, const std::string& path) {
    std::string at = url;
    for (int hop = 0; hop <= kMaxRedirects; ++hop) {
        UniqueFd out = open_fd(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        HttpRequest req;
        req.url = at;
        req.on_data = [&](const char* p, size_t n) { write_all(out.get(), std::string_view(p, n)); };
        HttpResult r = http_perform(req);
        if (!r.ok()) fail(ErrorKind::Runtime, "downloading {}: {}", at, r.error);
        long st = r.response.status;
        if (st >= 300 && st < 400) {
            auto loc = r.response.header("location");
            if (!loc) fail(ErrorKind::Runtime, "downloading {}: redirect without a Location", at);
            at = http_resolve_url(at, *loc);
            if (!is_url(at)) fail(ErrorKind::Runtime, "downloading {}: redirected to a non-http URL", url);
            continue;
        }
        if (st < 200 || st >= 300) fail(ErrorKind::Runtime, "downloading {}: HTTP status {}", at, st);
        return;
    }
    fail(ErrorKind::Runtime, "downloading {}: too many redirects", url);
}

// The tarball as a local file: staged for stdin and URLs, else the path itself.
std::string source_file(const ImportRequest& in, const std::string& staging) {
    if (in.source == "-") {
        copy_fd_to(in.in_fd, staging + "/source");
        return staging + "/source";
    }
    if (is_url(in.source)) {
        download(in.source, staging + "/source");
        return staging + "/source";
    }
    if (in.source.find("://") != std::string::npos)
        fail(ErrorKind::Usage, "{}: only file paths, - and http(s) URLs can be imported", in.source);
    struct stat st;
    if (::stat(in.source.c_str(), &st) < 0) throw_sys(errno, "import {}", in.source);
    if (S_ISDIR(st.st_mode)) fail(ErrorKind::Usage, "import {}: is a directory; import takes a tarball", in.source);
    return in.source;
}

ImageResult import_here(const Context& ctx, const ImportRequest& in) {
    auto changes = parse_config_changes(in.changes);
    std::vector<std::string> names;
    if (!in.reference.empty()) {
        std::string n = local_image_name(in.reference);
        if (n.empty() || n.find('@') != std::string::npos)
            fail(ErrorKind::Usage, "{}: not a valid image name", in.reference);
        names.push_back(n);
    }
    ImageStore store(ctx);
    store.clean_tmp(24 * 3600);
    StagingDir staging_dir(store, "import");
    const std::string& staging = staging_dir.path();
    {
        std::string src = source_file(in, staging);
        std::string what = "import " + (in.source == "-" ? std::string("from standard input") : in.source);
        std::string root = staging + "/root";
        mkdir_p(root, 0755);
        try {
            extract_layer(src, root, "");
        } catch (const Error& e) {
            throw e.prefixed(what);
        }
        if (src.rfind(staging, 0) == 0) ::unlink(src.c_str());
        std::string layer = staging + "/layer.tar.gz";
        LayerStats stats = write_layer_tar(root, layer, true);
        remove_all(root);
        int64_t now = now_ns();
        nlohmann::json cfg = new_image_config(now);
        apply_config_changes(cfg, changes);
        append_layer(cfg, stats.diff_id, now, fmt::format("/bin/sh -c #(nop) ADD file:{} in / ", digest_hex(stats.diff_id)),
                     in.message, "");
        LocalImage li;
        li.config_body = cfg.dump();
        li.layer_paths = {layer};
        li.names = names;
        li.what = what;
        return {store_local_image(ctx, li).id};
    }
}

}  // namespace

}  // namespace conman

CONMAN_IMAGE_ENTRY(conman_image_import_v1, conman::ImportRequest, conman::ImageResult, out = conman::import_here(ctx, in))
