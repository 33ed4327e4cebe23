// conman system ...: the system group. `system df` shows what images,
// containers and volumes take on disk (disk_usage.hpp says how it counts).
#include <algorithm>
#include <cmath>
#include <iostream>

#include "conman/cli.hpp"
#include "conman/disk_usage.hpp"
#include "conman/error.hpp"
#include "conman/names.hpp"
#include "conman/timeutil.hpp"
#include "conman/units.hpp"

namespace conman::cli {

namespace {

std::string reclaimable(int64_t size, int64_t reclaim) {
    long pct = size > 0 ? std::lround(static_cast<double>(reclaim) * 100.0 / static_cast<double>(size)) : 0;
    return fmt::format("{} ({}%)", human_size(reclaim), pct);
}

nlohmann::json summary_row(const char* type, size_t total, int active, int64_t size, int64_t reclaim) {
    return {{"Type", type},         {"Total", total},     {"Active", active},
            {"Size", human_size(size)}, {"Reclaimable", reclaimable(size, reclaim)},
            {"RawSize", size},      {"RawReclaimable", reclaim}};
}

std::vector<nlohmann::json> summary(const DiskUsage& du) {
    return {summary_row("Images", du.images.size(), du.images_active, du.images_size, du.images_reclaimable),
            summary_row("Containers", du.containers.size(), du.containers_active, du.containers_size,
                        du.containers_reclaimable),
            summary_row("Local Volumes", du.volumes.size(), du.volumes_active, du.volumes_size, du.volumes_reclaimable)};
}

std::vector<nlohmann::json> image_rows(const DiskUsage& du, int64_t now) {
    std::vector<nlohmann::json> rows;
    for (auto& u : du.images) {
        const ImageRecord& r = u.record;
        std::vector<std::pair<std::string, std::string>> names;
        for (auto& n : r.names) {
            auto colon = n.find_last_of(':');
            names.push_back({n.substr(0, colon), n.substr(colon + 1)});
        }
        if (names.empty()) names.push_back({"<none>", "<none>"});
        for (auto& [repo, tag] : names) {
            rows.push_back({{"Repository", repo},
                            {"Tag", tag},
                            {"ID", short_id(r.id)},
                            {"Created", r.created ? human_duration(now - r.created) : ""},
                            {"Size", human_size(u.size)},
                            {"SharedSize", human_size(u.shared)},
                            {"UniqueSize", human_size(u.unique)},
                            {"Containers", u.containers},
                            {"RawSize", u.size},
                            {"RawSharedSize", u.shared},
                            {"RawUniqueSize", u.unique}});
        }
    }
    return rows;
}

std::vector<nlohmann::json> container_rows(const DiskUsage& du, int64_t now) {
    std::vector<nlohmann::json> rows;
    for (auto& u : du.containers) {
        const ContainerConfig& c = u.container.config;
        std::string cmd;
        for (auto& a : c.args) cmd += (cmd.empty() ? "" : " ") + a;
        rows.push_back({{"ContainerID", short_id(c.id)},
                        {"Image", c.image_id.empty() ? "" : short_id(c.image_id)},
                        {"Command", cmd},
                        {"LocalVolumes", std::count_if(c.volumes.mounts.begin(), c.volumes.mounts.end(),
                                                       [](const MountConfig& m) { return m.type == "volume"; })},
                        {"Size", human_size(u.size)},
                        {"Created", human_duration(now - c.created)},
                        {"Status", u.container.state.status},
                        {"Names", c.name},
                        {"RawSize", u.size}});
    }
    return rows;
}

std::vector<nlohmann::json> volume_rows(const DiskUsage& du) {
    std::vector<nlohmann::json> rows;
    for (auto& v : du.volumes)
        rows.push_back({{"VolumeName", v.name}, {"Links", v.links}, {"Size", human_size(v.size)}, {"RawSize", v.size}});
    return rows;
}

std::string df_header(std::string_view field) {
    if (field == "ID") return "IMAGE ID";
    if (field == "ContainerID") return "CONTAINER ID";
    if (field == "Names") return "NAMES";
    return "";
}

std::string verbose(const DiskUsage& du, int64_t now) {
    std::string out = "Images space usage:\n\n";
    out += render_rows("table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}\t{{.SharedSize}}\t"
                       "{{.UniqueSize}}\t{{.Containers}}",
                       image_rows(du, now), df_header);
    out += "\nContainers space usage:\n\n";
    out += render_rows("table {{.ContainerID}}\t{{.Image}}\t{{.Command}}\t{{.LocalVolumes}}\t{{.Size}}\t{{.Created}}\t"
                       "{{.Status}}\t{{.Names}}",
                       container_rows(du, now), df_header);
    out += "\nLocal Volumes space usage:\n\n";
    out += render_rows("table {{.VolumeName}}\t{{.Links}}\t{{.Size}}", volume_rows(du), df_header);
    return out;
}

void add_df(CLI::App* grp, State& st) {
    auto* df = grp->add_subcommand("df", "Show disk usage of images, containers and volumes");
    struct Flags {
        bool verbose = false;
        std::string format;
    };
    auto f = std::make_shared<Flags>();
    df->add_flag("-v,--verbose", f->verbose, "Show a line per image, container and volume");
    df->add_option("--format", f->format, "json or a Go template (of the summary lines)");
    df->callback([f, &st] {
        DiskUsage du = disk_usage(st.context());
        int64_t now = now_ns();
        if (f->verbose) {
            if (f->format.empty() || f->format == "table") {
                std::cout << verbose(du, now);
            } else if (f->format == "json") {
                nlohmann::json j = {{"Images", image_rows(du, now)},
                                    {"Containers", container_rows(du, now)},
                                    {"Volumes", volume_rows(du)}};
                std::cout << j.dump(4) << "\n";
            } else {
                fail(ErrorKind::Usage, "system df -v takes --format json only");
            }
            return;
        }
        auto rows = summary(du);
        if (f->format == "json") {
            nlohmann::json all = nlohmann::json::array();
            for (auto& r : rows)
                all.push_back({{"Type", r["Type"]}, {"Total", r["Total"]}, {"Active", r["Active"]},
                               {"Size", r["RawSize"]}, {"Reclaimable", r["RawReclaimable"]}});
            std::cout << all.dump(4) << "\n";
            return;
        }
        std::string format = f->format;
        if (format.empty() || format == "table")
            format = "table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}";
        std::cout << render_rows(format, rows, df_header);
    });
}

}  // namespace

CLI::App* register_system(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("system", "Manage conman's storage and state");
    grp->require_subcommand(1);
    add_df(grp, st);
    return grp;
}

}  // namespace conman::cli
