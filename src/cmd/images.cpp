// conman images: list the images in the local store.
#include <iostream>
#include <map>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/image_store.hpp"
#include "conman/table.hpp"
#include "conman/template.hpp"
#include "conman/timeutil.hpp"

namespace conman::cli {

namespace {

std::string human_size(int64_t b) {
    const char* units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1000 && u < 4) {
        v /= 1000;
        ++u;
    }
    return u == 0 ? fmt::format("{} B", b) : fmt::format("{:.3g} {}", v, units[u]);
}

// One row per name (repository:tag), or one <none> row for an untagged image.
std::vector<nlohmann::json> image_rows(const ImageRecord& r, int64_t now, bool no_trunc) {
    std::vector<nlohmann::json> rows;
    std::vector<std::pair<std::string, std::string>> names;
    for (auto& n : r.names) {
        auto colon = n.find_last_of(':');
        names.push_back({n.substr(0, colon), n.substr(colon + 1)});
    }
    if (names.empty()) names.push_back({"<none>", "<none>"});
    std::string digest = r.digests.empty() ? r.manifest_digest : r.digests[0].substr(r.digests[0].find('@') + 1);
    for (auto& [repo, tag] : names) {
        rows.push_back({
            {"ID", no_trunc ? "sha256:" + r.id : r.id.substr(0, 12)},
            {"Id", r.id},
            {"Repository", repo},
            {"Tag", tag},
            {"Digest", digest},
            {"Created", r.created / 1000000000},
            {"CreatedSince", r.created ? human_duration(now - r.created) + " ago" : ""},
            {"CreatedAt", r.created ? format_rfc3339nano(r.created) : ""},
            {"Size", human_size(r.size)},
            {"VirtualSize", r.size},
            {"Names", r.names},
            {"Digests", r.digests},
            {"Dangling", r.names.empty()},
        });
    }
    return rows;
}

std::string image_header(std::string_view field) {
    if (field == "ID") return "IMAGE ID";
    if (field == "CreatedSince" || field == "CreatedAt") return "CREATED";
    return "";
}

bool matches(const ImageRecord& r, const std::vector<std::string>& filters) {
    for (auto& f : filters) {
        auto eq = f.find('=');
        std::string k = f.substr(0, eq), v = eq == std::string::npos ? "" : f.substr(eq + 1);
        if (k == "dangling") {
            if ((v == "true") != r.names.empty()) return false;
        } else if (k == "reference") {
            bool any = false;
            for (auto& n : r.names) any |= n.find(v) != std::string::npos;
            if (!any) return false;
        } else if (k == "id") {
            if (r.id.rfind(v, 0) != 0) return false;
        } else {
            fail(ErrorKind::Usage, "invalid filter \"{}\": supported keys are dangling, reference and id", f);
        }
    }
    return true;
}

}  // namespace

CLI::App* register_images(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("images", "List images in local storage");
    struct Flags {
        bool all = false, quiet = false, digests = false, no_trunc = false;
        std::string format;
        std::vector<std::string> filters;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-a,--all", f->all, "Show all images (intermediate ones too)");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only image IDs");
    cmd->add_flag("--digests", f->digests, "Show digests");
    cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate IDs");
    cmd->add_option("--format", f->format, "table, json or a Go template");
    cmd->add_option("-f,--filter", f->filters, "Filter: dangling=, reference=, id=")->allow_extra_args(false);
    cmd->callback([f, &st] {
        Context ctx = st.context();
        ImageStore store(ctx);
        int64_t now = now_ns();
        std::vector<nlohmann::json> rows;
        for (auto& r : store.list()) {
            if (!matches(r, f->filters)) continue;
            for (auto& row : image_rows(r, now, f->no_trunc)) rows.push_back(row);
        }
        std::string out;
        if (f->quiet) {
            std::vector<std::string> seen;
            for (auto& row : rows) {
                std::string id = row["ID"];
                if (std::find(seen.begin(), seen.end(), id) == seen.end()) {
                    seen.push_back(id);
                    out += id + "\n";
                }
            }
        } else if (f->format == "json") {
            out = nlohmann::json(rows).dump(4) + "\n";
        } else {
            std::string format = f->format;
            if (format.empty() || format == "table")
                format = f->digests ? "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
                                    : "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}";
            out = render_rows(format, rows, image_header);
        }
        std::cout << out;
    });
    return cmd;
}

}  // namespace conman::cli
