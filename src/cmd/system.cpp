// conman system ...: the system group. `system df` shows what images,
// containers and volumes take on disk (disk_usage.hpp says how it counts).
#include <algorithm>
#include <cmath>
#include <iostream>

#include "conman/cli.hpp"
#include "conman/disk_usage.hpp"
#include "conman/error.hpp"
#include "conman/names.hpp"
#include "conman/system_check.hpp"
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

std::string finding_line(const CheckFinding& f, bool repair) {
    std::string line = f.object + ": " + f.problem;
    if (f.repaired) return line + ": repaired (" + f.action + ")";
    if (!f.error.empty()) return line + ": not repaired: " + f.error;
    if (f.action.empty()) return line + ": needs a hand (--repair cannot fix this)";
    return repair ? line : line + " (--repair will " + f.action + ")";
}

void add_check(CLI::App* grp, State& st) {
    auto* check = grp->add_subcommand("check", "Find and repair what interrupted commands left behind");
    struct Flags {
        bool repair = false;
        std::string max = "24h";
        std::string format;
    };
    auto f = std::make_shared<Flags>();
    check->add_flag("-r,--repair", f->repair, "Repair what is found");
    check->add_option("-m,--max", f->max, "Leave unfinished image work younger than this alone (Go duration)")
        ->default_str("24h");
    check->add_option("--format", f->format, "json for a machine-readable report");
    check->callback([f, &st] {
        auto max = parse_go_duration(f->max);
        if (!max || *max < 0) fail(ErrorKind::Usage, "invalid --max \"{}\": expected a duration such as 24h or 90s", f->max);
        if (!f->format.empty() && f->format != "json")
            fail(ErrorKind::Usage, "system check takes --format json only");
        CheckOptions o{.repair = f->repair, .max_age_s = *max / 1000000000};
        auto findings = system_check(st.context(), o);
        size_t left = 0, repaired = 0;
        for (auto& x : findings) (x.repaired ? repaired : left)++;
        if (f->format == "json") {
            nlohmann::json all = nlohmann::json::array();
            for (auto& x : findings)
                all.push_back({{"Object", x.object}, {"Problem", x.problem}, {"Repair", x.action},
                               {"Repaired", x.repaired}, {"Error", x.error}});
            std::cout << all.dump(4) << "\n";
        } else {
            for (auto& x : findings) std::cout << finding_line(x, f->repair) << "\n";
            if (findings.empty()) std::cout << "No problems found\n";
            else if (repaired) std::cout << fmt::format("{} problems found, {} repaired\n", findings.size(), repaired);
        }
        std::cout.flush();
        if (left == 0) return;
        if (f->repair) fail(ErrorKind::System, "{} of {} problems could not be repaired", left, findings.size());
        fail(ErrorKind::System, "{} problems found: run `conman system check --repair` to fix them", left);
    });
}

}  // namespace

CLI::App* register_system(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("system", "Manage conman's storage and state");
    grp->require_subcommand(1);
    add_df(grp, st);
    add_check(grp, st);
    return grp;
}

}  // namespace conman::cli
