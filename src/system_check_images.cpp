// system check, image side (see system_check.hpp). Runs under the image
// lock, so no pull, load or rmi is between its renames and its record.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <set>

#include "conman/error.hpp"
#include "conman/fd.hpp"
#include "conman/fs.hpp"
#include "conman/image_store.hpp"
#include "conman/names.hpp"
#include "conman/system_check.hpp"

namespace conman {

namespace {

class ImageChecker {
public:
    ImageChecker(const Context& ctx, const CheckOptions& o, const std::vector<std::string>& in_use, CheckReport& report)
        : store_(ctx), o_(o), in_use_(in_use.begin(), in_use.end()), report_(report) {}

    void run() {
        records();
        garbage();
        short_links();
        staging();
    }

private:
    std::string records_dir() const { return store_.root() + "/records"; }

    // A record that does not parse, or names layers or blobs the store lacks.
    void records() {
        for (auto& f : list_dir(records_dir())) {
            std::string path = records_dir() + "/" + f;
            if (f.find(".tmp-") != std::string::npos) {
                report_.add("image record " + f, "is an unfinished write", "remove it",
                            [&] { ::unlink(path.c_str()); });
                continue;
            }
            if (f.size() != 69 || f.substr(64) != ".json") continue;
            std::string id = f.substr(0, 64);
            std::string what = "image " + short_id(id);
            auto r = store_.by_id(id);
            std::string problem;
            if (!r) {
                problem = "its record " + path + " is damaged";
            } else {
                if (!r->names.empty()) what += " (" + r->names[0] + ")";
                for (auto& c : r->chain_ids)
                    if (problem.empty() && !store_.has_layer(c)) problem = "its layer " + c + " is missing";
                if (problem.empty() && !store_.has_blob(r->config_digest))
                    problem = "its config blob " + r->config_digest + " is missing";
            }
            if (problem.empty()) continue;
            if (in_use_.count(id)) {
                damaged_in_use_ = true;
                report_.add(what, problem + "; containers use it", "", {});
                continue;
            }
            report_.add(what, problem, "remove the image (pull it again to get it back)",
                        [&] { store_.remove_record(id); });
        }
    }

    // Layers and blobs no record refers to: a pull or rmi killed between its
    // renames and its record. Skipped while a damaged record is in use, as
    // its layers cannot be told apart from garbage.
    void garbage() {
        if (damaged_in_use_) return;
        for (auto& l : store_.unused_layers())
            report_.add("layer " + l, "belongs to no image", "remove it", [&] { store_.remove_layer(l); });
        for (auto& b : store_.unused_blobs())
            report_.add("blob " + b, "belongs to no image", "remove it", [&] { store_.remove_blob(b); });
    }

    void short_links() {
        for (auto& n : list_dir(store_.links_dir())) {
            std::string p = store_.links_dir() + "/" + n;
            struct stat st;
            if (::stat(p.c_str(), &st) == 0) continue;
            report_.add("layer link l/" + n, "points to no layer", "remove it", [&] { ::unlink(p.c_str()); });
        }
    }

    // tmp/: staging of work that never finished. Live staging is locked
    // (StagingDir) and skipped; unlocked entries younger than --max too.
    void staging() {
        time_t now = ::time(nullptr);
        for (auto& n : list_dir(store_.tmp_dir())) {
            std::string p = store_.tmp_dir() + "/" + n;
            struct stat st;
            if (::lstat(p.c_str(), &st) < 0 || now - st.st_mtime < o_.max_age_s) continue;
            if (staging_in_use(p)) continue;
            report_.add("image staging tmp/" + n, "is left from work that never finished", "remove it",
                        [&] { remove_all(p); });
        }
    }

    const ImageStore store_;
    const CheckOptions& o_;
    std::set<std::string> in_use_;
    CheckReport& report_;
    bool damaged_in_use_ = false;
};

}  // namespace

void check_images(const Context& ctx, const CheckOptions& o, const std::vector<std::string>& in_use,
                  CheckReport& report) {
    ImageChecker(ctx, o, in_use, report).run();
}

}  // namespace conman
