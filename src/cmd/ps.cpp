// conman ps: list containers as a table, JSON, IDs or a Go template.
#include <iostream>
#include <map>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/store.hpp"
#include "conman/table.hpp"
#include "conman/template.hpp"
#include "conman/timeutil.hpp"
#include "conman/views.hpp"

namespace conman::cli {

namespace {

constexpr const char* kDefaultFormat =
    "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";

struct PsFlags {
    bool all = false, quiet = false, no_trunc = false, latest = false;
    std::optional<int> last;
    std::vector<std::string> filters;
    std::string format;
};

std::string header_for(std::string_view field) {
    static const std::map<std::string_view, std::string> h = {
        {"ID", "CONTAINER ID"}, {"CreatedHuman", "CREATED"}, {"CreatedAt", "CREATED"}, {"Names", "NAMES"},
        {"Command", "COMMAND"}, {"Image", "IMAGE"},          {"Status", "STATUS"},     {"Ports", "PORTS"},
    };
    auto it = h.find(field);
    return it == h.end() ? "" : it->second;
}

// Filters: same key ORed, different keys ANDed (podman's rule).
bool matches(const Container& c, const std::map<std::string, std::vector<std::string>>& filters) {
    for (auto& [key, values] : filters) {
        bool any = false;
        for (auto& v : values) {
            if (key == "name") any |= c.config.name.find(v) != std::string::npos;
            else if (key == "id") any |= c.config.id.rfind(v, 0) == 0;
            else if (key == "status") any |= c.state.status == v;
            else if (key == "restart-policy") any |= c.config.service.restart_policy == v;
            else if (key == "label") {
                auto pos = v.find('=');
                auto it = c.config.labels.find(v.substr(0, pos));
                any |= it != c.config.labels.end() && (pos == std::string::npos || it->second == v.substr(pos + 1));
            }
        }
        if (!any) return false;
    }
    return true;
}

std::map<std::string, std::vector<std::string>> parse_filters(const std::vector<std::string>& raw) {
    std::map<std::string, std::vector<std::string>> out;
    for (auto& f : raw) {
        auto pos = f.find('=');
        if (pos == std::string::npos) fail(ErrorKind::Usage, "invalid filter \"{}\": expected KEY=VALUE", f);
        std::string key = f.substr(0, pos);
        if (key != "name" && key != "id" && key != "status" && key != "label" && key != "restart-policy")
            fail(ErrorKind::Usage, "invalid filter \"{}\": supported keys are name, id, status, label and restart-policy", f);
        std::string val = f.substr(pos + 1);
        if (key == "status" && val != "created" && val != "running" && val != "exited" && val != "paused" &&
            val != "stopped" && val != "unknown")
            fail(ErrorKind::Usage, "invalid filter \"{}\": unknown status {}", f, val);
        out[key].push_back(val == "stopped" ? "exited" : val);
    }
    return out;
}

}  // namespace

CLI::App* register_ps(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("ps", "List containers");
    auto f = std::make_shared<PsFlags>();
    cmd->add_flag("-a,--all", f->all, "Show all containers (default: running ones)");
    cmd->add_flag("-q,--quiet", f->quiet, "Print only IDs");
    cmd->add_flag("--no-trunc", f->no_trunc, "Do not truncate IDs and commands");
    cmd->add_option("-f,--filter", f->filters, "Filter: name=, id=, status=, label=KEY[=VALUE]")->allow_extra_args(false);
    cmd->add_option("--format", f->format, "table, json or a Go template");
    cmd->add_option("-n,--last", f->last, "Show the N most recently created containers (all states)");
    cmd->add_flag("-l,--latest", f->latest, "Show the most recently created container (all states)");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        auto filters = parse_filters(f->filters);
        Store store(ctx);
        std::vector<Container> list;
        {
            FileLock lock = store.lock_shared();
            list = store.load_all();
        }
        bool all = f->all || f->latest || f->last || filters.count("status");
        std::erase_if(list, [&](const Container& c) { return (!all && !c.running()) || !matches(c, filters); });
        size_t limit = f->latest ? 1 : f->last && *f->last >= 0 ? static_cast<size_t>(*f->last) : list.size();
        if (list.size() > limit) list.resize(limit);
        int64_t now = now_ns();
        std::string out;
        if (f->quiet) {
            for (auto& c : list) out += (f->no_trunc ? c.config.id : c.config.id.substr(0, 12)) + "\n";
        } else if (f->format == "json") {
            nlohmann::json arr = nlohmann::json::array();
            for (auto& c : list) arr.push_back(ps_json(c, now));
            out = arr.dump(4) + "\n";
        } else {
            std::vector<nlohmann::json> rows;
            for (auto& c : list) rows.push_back(ps_template_data(c, now, f->no_trunc));
            std::string format = f->format.empty() || f->format == "table" ? kDefaultFormat : f->format;
            out = render_rows(format, rows, header_for);
        }
        std::cout << out;
    });
    return cmd;
}

}  // namespace conman::cli
