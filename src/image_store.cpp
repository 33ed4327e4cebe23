#include "conman/image_store.hpp"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/digest.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_ref.hpp"
#include "conman/names.hpp"

namespace conman {

using nlohmann::json;

std::string normalize_image_name(const std::string& s) {
    try {
        return parse_image_ref(s).string();
    } catch (const Error&) {
        return "";
    }
}

namespace {
// Whether the first path component names a registry (has a dot or a port, or is localhost).
bool has_registry(const std::string& s) {
    auto slash = s.find('/');
    if (slash == std::string::npos) return false;
    std::string first = s.substr(0, slash);
    return first == "localhost" || first.find_first_of(".:") != std::string::npos;
}
}  // namespace

std::string local_image_name(const std::string& s) {
    if (s.empty() || has_registry(s)) return normalize_image_name(s);
    return normalize_image_name("localhost/" + s);
}

ImageStore::ImageStore(const Context& ctx) : root_(ctx.root + "/images") {
    for (auto d : {"/blobs/sha256", "/layers", "/l", "/records", "/tmp"}) mkdir_p(root_ + d);
}

FileLock ImageStore::lock() const { return FileLock(root_ + "/lock", FileLock::Mode::Exclusive, 600000); }

std::vector<ImageRecord> ImageStore::list() const {
    std::vector<ImageRecord> out;
    for (auto& f : list_dir(root_ + "/records")) {
        if (f.size() != 69 || f.substr(64) != ".json") continue;
        if (auto r = by_id(f.substr(0, 64))) out.push_back(std::move(*r));
    }
    std::sort(out.begin(), out.end(), [](const ImageRecord& a, const ImageRecord& b) { return a.pulled > b.pulled; });
    return out;
}

std::optional<ImageRecord> ImageStore::by_id(const std::string& id) const {
    auto text = read_file_if_exists(root_ + "/records/" + id + ".json");
    if (!text) return std::nullopt;
    auto j = json::parse(*text, nullptr, false);
    if (!j.is_object()) return std::nullopt;  // a corrupt record hides only its own image
    try {
        auto r = j.get<ImageRecord>();
        if (r.id != id) return std::nullopt;
        return r;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

bool ImageStore::has_record_file(const std::string& id) const {
    return path_exists(root_ + "/records/" + id + ".json");
}

std::optional<ImageRecord> ImageStore::find(const std::string& ref) const {
    std::string s = ref;
    if (s.rfind("sha256:", 0) == 0) s = s.substr(7);
    if (s.size() == 64 && looks_like_id_prefix(s)) {
        if (auto r = by_id(s)) return r;
    }
    auto all = list();
    std::vector<std::string> names = {normalize_image_name(ref)};
    if (!has_registry(ref)) names.push_back(local_image_name(ref));
    for (const std::string& name : names) {
        if (name.empty()) continue;
        for (auto& r : all) {
            if (std::find(r.names.begin(), r.names.end(), name) != r.names.end()) return r;
            if (std::find(r.digests.begin(), r.digests.end(), name) != r.digests.end()) return r;
        }
        // name:tag@digest and name@digest: match by repository and digest.
        auto at = name.find('@');
        if (at != std::string::npos) {
            std::string repo = name.substr(0, at), dig = name.substr(at + 1);
            auto colon = repo.find_last_of(':');
            if (colon != std::string::npos && repo.find('/', colon) == std::string::npos) repo = repo.substr(0, colon);
            for (auto& r : all) {
                if (std::find(r.digests.begin(), r.digests.end(), repo + "@" + dig) != r.digests.end()) return r;
                if (r.manifest_digest == dig) return r;
            }
        }
    }
    if (s.size() >= 3 && s.size() < 64 && looks_like_id_prefix(s)) {
        std::optional<ImageRecord> found;
        for (auto& r : all) {
            if (r.id.compare(0, s.size(), s) != 0) continue;
            if (found) fail(ErrorKind::Usage, "more than one image matches ID prefix \"{}\": be more specific", ref);
            found = r;
        }
        if (found) return found;
    }
    return std::nullopt;
}

void ImageStore::save(const ImageRecord& r) const {
    atomic_write(root_ + "/records/" + r.id + ".json", json(r).dump());
}

void ImageStore::remove_record(const std::string& id) const {
    if (::unlink((root_ + "/records/" + id + ".json").c_str()) < 0 && errno != ENOENT)
        throw_sys(errno, "remove image record {}", id);
}

void ImageStore::assign_name(const std::string& name, const std::string& id) const {
    for (auto& r : list()) {
        auto it = std::find(r.names.begin(), r.names.end(), name);
        if (r.id == id) {
            if (it == r.names.end()) {
                r.names.push_back(name);
                save(r);
            }
        } else if (it != r.names.end()) {
            r.names.erase(it);  // the name moves: the old image keeps its ID, as <none>
            save(r);
        }
    }
}

std::string ImageStore::blob_path(const std::string& digest) const {
    return root_ + "/blobs/sha256/" + digest_hex(digest);
}

bool ImageStore::has_blob(const std::string& digest) const { return path_exists(blob_path(digest)); }

std::string ImageStore::layer_dir(const std::string& chain_id) const {
    return root_ + "/layers/" + digest_hex(chain_id);
}

std::string ImageStore::layer_diff(const std::string& chain_id) const { return layer_dir(chain_id) + "/diff"; }

bool ImageStore::has_layer(const std::string& chain_id) const { return path_exists(layer_diff(chain_id)); }

std::string ImageStore::make_tmp(const std::string& what) const {
    std::string tmpl = root_ + "/tmp/" + what + "-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw_sys(errno, "mkdtemp {}", tmpl);
    return tmpl;
}

std::vector<std::string> ImageStore::unused_layers() const {
    std::set<std::string> used;
    for (auto& r : list()) used.insert(r.chain_ids.begin(), r.chain_ids.end());
    std::vector<std::string> out;
    for (auto& hex : list_dir(root_ + "/layers")) {
        if (!used.count("sha256:" + hex)) out.push_back("sha256:" + hex);
    }
    return out;
}

std::vector<std::string> ImageStore::unused_blobs() const {
    std::set<std::string> used;
    for (auto& r : list()) {
        used.insert(r.manifest_digest);
        used.insert(r.config_digest);
        for (auto& b : r.layer_blobs) used.insert(b.digest);
        for (auto& d : r.digests) used.insert(d.substr(d.find('@') + 1));
    }
    std::vector<std::string> out;
    for (auto& hex : list_dir(root_ + "/blobs/sha256")) {
        if (!used.count("sha256:" + hex)) out.push_back("sha256:" + hex);
    }
    return out;
}

void ImageStore::remove_layer(const std::string& chain_id) const {
    // Unlink its short link first, then the tree.
    if (auto link = read_file_if_exists(layer_dir(chain_id) + "/link")) ::unlink((links_dir() + "/" + *link).c_str());
    remove_all(layer_dir(chain_id));
}

void ImageStore::remove_blob(const std::string& digest) const {
    if (::unlink(blob_path(digest).c_str()) < 0 && errno != ENOENT) throw_sys(errno, "remove blob {}", digest);
}

void ImageStore::clean_tmp(int64_t max_age_s) const {
    time_t now = ::time(nullptr);
    for (auto& name : list_dir(tmp_dir())) {
        struct stat st;
        std::string p = tmp_dir() + "/" + name;
        if (::lstat(p.c_str(), &st) == 0 && now - st.st_mtime >= max_age_s && !staging_in_use(p)) remove_all(p);
    }
}

UniqueFd lock_staging(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) throw_sys(errno, "opening staging {}", path);
    if (::flock(fd.get(), LOCK_EX) < 0) throw_sys(errno, "locking staging {}", path);  // fresh: nobody else has it
    return fd;
}

bool staging_in_use(const std::string& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) return false;
    return ::flock(fd.get(), LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

}  // namespace conman
