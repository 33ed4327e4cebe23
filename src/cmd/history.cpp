// conman history (also `image history`): an image's history as podman shows
// it: ID, CREATED, CREATED BY, SIZE, COMMENT, or a Go template / json.
#include <ctime>
#include <iostream>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/image_history.hpp"
#include "conman/timeutil.hpp"
#include "conman/units.hpp"

namespace conman::cli {

namespace {

// Go's time.Format layouts in local time: RFC 3339 ("2023-11-14T22:13:20Z")
// and time.Time's String() ("2023-11-14 22:13:20 +0000 UTC").
std::string go_time(int64_t ns, bool rfc3339) {
    time_t t = static_cast<time_t>(ns / 1000000000);
    struct tm tm {};
    localtime_r(&t, &tm);
    char buf[64];
    if (!rfc3339) {
        strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %z %Z", &tm);
        return buf;
    }
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    long off = tm.tm_gmtoff;
    if (off == 0) return std::string(buf) + "Z";
    return fmt::format("{}{}{:02}:{:02}", buf, off < 0 ? '-' : '+', std::labs(off) / 3600, std::labs(off) % 3600 / 60);
}

std::string utc_nano(int64_t ns) {
    time_t t = static_cast<time_t>(ns / 1000000000);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    std::string frac = fmt::format("{:09}", ns % 1000000000);
    while (!frac.empty() && frac.back() == '0') frac.pop_back();
    return std::string(buf) + (frac.empty() ? "" : "." + frac) + "Z";
}

std::string one_line(std::string s) {
    for (auto& c : s) {
        if (c == '\t' || c == '\n') c = ' ';
    }
    return s;
}

nlohmann::json template_row(const HistoryEntry& e, int64_t now, bool human, bool no_trunc) {
    std::string since = human_duration(now - e.created) + " ago";
    std::string by = one_line(e.created_by);
    if (!no_trunc && by.size() > 45) by = by.substr(0, 45) + "...";
    std::string id = e.id;
    if (!no_trunc && id != "<missing>") id = id.substr(0, 12);
    return {
        {"ID", id},
        {"Created", human ? since : go_time(e.created, true)},
        {"CreatedSince", since},
        {"CreatedAt", go_time(e.created, false)},
        {"CreatedBy", by},
        {"Size", human_size_spaced(e.size)},
        {"Comment", e.comment},
        {"Tags", e.tags},
    };
}

// podman's JSON keys for history (lower case from its library type).
nlohmann::json json_row(const HistoryEntry& e) {
    nlohmann::json j = {{"id", e.id}, {"created", utc_nano(e.created)}, {"CreatedBy", e.created_by}, {"size", e.size}};
    if (!e.comment.empty()) j["comment"] = e.comment;
    j["Created"] = go_time(e.created, true);
    return j;
}

std::string history_header(std::string_view field) {
    if (field == "CreatedSince" || field == "CreatedAt") return "CREATED";
    return "";
}

}  // namespace

CLI::App* add_history(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("history", "Show the history of an image");
    struct Flags {
        bool human = true, no_trunc = false, quiet = false;
        std::string format, ref;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-H,--human", f->human, "Show times as durations (default true; --human=false prints RFC 3339)");
    cmd->add_flag("--no-trunc,--notruncate", f->no_trunc, "Do not truncate IDs and CREATED BY");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only the IDs");
    cmd->add_option("--format", f->format, "json or a Go template");
    cmd->add_option("IMAGE", f->ref, "Image")->required();
    cmd->callback([f, &st] {
        auto entries = image_history(st.context(), f->ref);
        int64_t now = now_ns();
        if (f->format == "json") {
            nlohmann::json all = nlohmann::json::array();
            for (auto& e : entries) all.push_back(json_row(e));
            std::cout << all.dump(4) << "\n";
            return;
        }
        std::vector<nlohmann::json> rows;
        for (auto& e : entries) rows.push_back(template_row(e, now, f->human, f->no_trunc));
        std::string format = f->format;
        if (f->quiet) format = "{{.ID}}";
        else if (format.empty() || format == "table")
            format = "table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
        std::cout << render_rows(format, rows, history_header);
    });
    return cmd;
}

CLI::App* register_history(CLI::App& parent, State& st) { return add_history(parent, st); }

}  // namespace conman::cli
