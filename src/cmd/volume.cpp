// conman volume create/ls/inspect/rm/prune/exists: named volumes of the
// local driver (volume.hpp). Every change is made under the store lock,
// which also covers the in-use checks against containers.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <iostream>
#include <map>
#include <regex>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman/names.hpp"
#include "conman/store.hpp"
#include "conman/template.hpp"
#include "conman/volume.hpp"

namespace conman::cli {

namespace {

std::pair<std::string, std::string> split_kv(const std::string& s) {
    auto eq = s.find('=');
    return {s.substr(0, eq), eq == std::string::npos ? "" : s.substr(eq + 1)};
}

// --opt: what the local driver here understands.
void apply_opt(VolumeRecord& r, const std::string& opt) {
    auto [k, v] = split_kv(opt);
    auto number = [&](const std::string& what) -> int64_t {
        try {
            size_t used = 0;
            long long n = std::stoll(v, &used);
            if (used == v.size() && n >= 0 && n < (1LL << 32)) return n;
        } catch (const std::exception&) {
        }
        fail(ErrorKind::Usage, "invalid volume option {}: {} must be a number", opt, what);
    };
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    if (key == "uid") {
        r.uid = number("uid");
    } else if (key == "gid") {
        r.gid = number("gid");
    } else if (key == "nocopy" || key == "copy") {
        if (!v.empty() && v != "true" && v != "false") fail(ErrorKind::Usage, "invalid volume option {}: true or false", opt);
        bool on = v != "false";
        r.needs_copy_up = key == "copy" ? on : !on;
    } else {
        fail(ErrorKind::Usage,
             "unsupported volume option \"{}\": the local driver takes uid=, gid= and nocopy (type, device and o "
             "mounts are not supported)",
             opt);
    }
    r.options[k] = v;
}

std::map<std::string, std::string> parse_labels(const std::vector<std::string>& labels) {
    std::map<std::string, std::string> out;
    for (auto& l : labels) {
        auto [k, v] = split_kv(l);
        if (k.empty()) fail(ErrorKind::Usage, "invalid label \"{}\": the key is empty", l);
        out[k] = v;
    }
    return out;
}

// Filters: values of one key are alternatives, different keys must all match.
class VolumeFilter {
public:
    explicit VolumeFilter(const std::vector<std::string>& filters) {
        for (auto& f : filters) {
            auto [k, v] = split_kv(f);
            if (k != "name" && k != "label" && k != "dangling" && k != "driver" && k != "label!" && k != "anonymous")
                fail(ErrorKind::Usage, "invalid filter \"{}\": supported keys are name, label, label!, dangling, driver and anonymous", f);
            if ((k == "dangling" || k == "anonymous") && v != "true" && v != "false")
                fail(ErrorKind::Usage, "invalid filter \"{}\": {} takes true or false", f, k);
            if (k == "name") {
                try {
                    std::regex re(v);
                } catch (const std::regex_error&) {
                    fail(ErrorKind::Usage, "invalid filter \"{}\": not a regular expression", f);
                }
            }
            by_key_[k].push_back(v);
        }
    }
    bool match(const VolumeRecord& r, bool in_use) const {
        for (auto& [k, values] : by_key_) {
            bool any = false;
            for (auto& v : values) any |= match_one(r, in_use, k, v);
            if (!any) return false;
        }
        return true;
    }

private:
    static bool label_matches(const VolumeRecord& r, const std::string& v) {
        auto [lk, lv] = split_kv(v);
        auto it = r.labels.find(lk);
        return it != r.labels.end() && (v.find('=') == std::string::npos || it->second == lv);
    }
    static bool match_one(const VolumeRecord& r, bool in_use, const std::string& k, const std::string& v) {
        if (k == "name") return std::regex_search(r.name, std::regex(v));
        if (k == "label") return label_matches(r, v);
        if (k == "label!") return !label_matches(r, v);
        if (k == "driver") return r.driver == v;
        if (k == "anonymous") return r.anonymous == (v == "true");
        return (v == "true") == !in_use;  // dangling
    }
    std::map<std::string, std::vector<std::string>> by_key_;
};

std::string volume_header(std::string_view field) {
    if (field == "Name") return "VOLUME NAME";
    return "";
}

void add_create(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("create", "Create a volume (a random name when none is given)");
    struct Flags {
        std::string name, driver = "local";
        std::vector<std::string> labels, opts;
        bool ignore = false;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-d,--driver", f->driver, "Volume driver (only local)");
    cmd->add_option("-l,--label", f->labels, "Set a label (KEY=VALUE)")->allow_extra_args(false);
    cmd->add_option("-o,--opt", f->opts, "Driver option: uid=UID, gid=GID, nocopy")->allow_extra_args(false);
    cmd->add_flag("--ignore", f->ignore, "Do nothing (and succeed) when the volume exists");
    cmd->add_option("NAME", f->name, "Volume name");
    cmd->callback([f, &st] {
        if (f->driver != "local") fail(ErrorKind::Usage, "volume driver \"{}\" is not supported: only local", f->driver);
        VolumeRecord r;
        r.name = f->name.empty() ? new_container_id() : f->name;
        if (!valid_volume_name(r.name))
            fail(ErrorKind::Usage, "invalid volume name \"{}\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*", r.name);
        r.labels = parse_labels(f->labels);
        for (auto& o : f->opts) apply_opt(r, o);
        Context ctx = st.context();
        Store store(ctx);
        VolumeStore vs(ctx);
        FileLock lock = store.lock();
        if (f->ignore && vs.find(r.name)) {
            std::cout << r.name << "\n";
            return;
        }
        vs.create(r);
        std::cout << r.name << "\n";
    });
}

void add_ls(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("ls", "List volumes");
    cmd->alias("list");
    struct Flags {
        bool quiet = false, noheading = false;
        std::string format;
        std::vector<std::string> filters;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-q,--quiet", f->quiet, "Print only volume names");
    cmd->add_flag("-n,--noheading", f->noheading, "Do not print the header");
    cmd->add_option("--format", f->format, "table, json or a Go template");
    cmd->add_option("-f,--filter", f->filters, "Filter: name=, label=KEY[=VALUE], dangling=, driver=, anonymous=")
        ->allow_extra_args(false);
    cmd->callback([f, &st] {
        VolumeFilter filter(f->filters);
        Context ctx = st.context();
        Store store(ctx);
        VolumeStore vs(ctx);
        std::vector<nlohmann::json> rows;
        {
            FileLock lock = store.lock_shared();
            auto containers = store.load_all();
            for (auto& r : vs.all()) {
                bool in_use = std::any_of(containers.begin(), containers.end(), [&](const Container& c) {
                    return std::any_of(c.config.volumes.mounts.begin(), c.config.volumes.mounts.end(),
                                       [&](const MountConfig& m) { return m.type == "volume" && m.name == r.name; });
                });
                if (filter.match(r, in_use)) rows.push_back(volume_json(vs, r, 0));
            }
        }
        std::string out;
        if (f->quiet) {
            for (auto& r : rows) out += r["Name"].get<std::string>() + "\n";
        } else if (f->format == "json") {
            out = nlohmann::json(rows).dump(4) + "\n";
        } else {
            std::string format = f->format.empty() || f->format == "table" ? "table {{.Driver}}\t{{.Name}}" : f->format;
            out = render_rows(format, rows, volume_header);
            if (f->noheading && is_table(format)) out = out.substr(out.find('\n') + 1);
        }
        std::cout << out;
    });
}

void add_inspect(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("inspect", "Show details of volumes");
    struct Flags {
        std::string format;
        bool all = false;
        std::vector<std::string> names;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-f,--format", f->format, "Go template or json");
    cmd->add_flag("-a,--all", f->all, "Inspect every volume");
    cmd->add_option("VOLUME", f->names, "Volumes");
    cmd->callback([f, &st] {
        if (f->names.empty() && !f->all) fail(ErrorKind::Usage, "volume inspect needs a volume name or --all");
        Context ctx = st.context();
        Store store(ctx);
        VolumeStore vs(ctx);
        nlohmann::json all = nlohmann::json::array();
        {
            FileLock lock = store.lock_shared();
            if (f->all)
                for (auto& r : vs.all()) all.push_back(volume_json(vs, r, 0));
            for_each_ref(st, f->names, [&](const std::string& n) { all.push_back(volume_json(vs, vs.get(n), 0)); });
        }
        if (!f->format.empty() && f->format != "json") {
            Template t = Template::parse(unescape_format(f->format));
            std::string out;
            for (auto& j : all) out += t.render(j) + "\n";
            std::cout << out;
        } else {
            std::cout << all.dump(4) << "\n";
        }
    });
}

// podman's exit codes for volume rm: 1 no such volume, 2 in use, 125 otherwise.
constexpr int kNoSuchVolume = 1, kVolumeInUse = 2;

void add_rm(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("rm", "Remove volumes (refused while a container uses one, unless --force)");
    cmd->alias("remove");
    struct Flags {
        bool force = false, all = false;
        std::optional<int> time;
        std::vector<std::string> names;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-f,--force", f->force, "Remove the containers that use the volumes too");
    cmd->add_flag("-a,--all", f->all, "Remove every volume");
    cmd->add_option("-t,--time", f->time, "With --force: stop containers with this timeout (default: kill)");
    cmd->add_option("VOLUME", f->names, "Volumes");
    cmd->callback([f, &st] {
        Context ctx = st.context();
        Store store(ctx);
        VolumeStore vs(ctx);
        auto names = f->names;
        if (f->all)
            for (auto& r : vs.all()) names.push_back(r.name);
        else if (names.empty())
            fail(ErrorKind::Usage, "volume rm needs at least one volume name, or --all");
        int worst = 0;
        for (auto& name : names) {
            try {
                std::vector<std::string> users;
                {
                    FileLock lock = store.lock_shared();
                    vs.require(name);
                    users = vs.users(store, name);
                }
                if (!users.empty() && !f->force) {
                    std::string list;
                    for (auto& u : users) list += (list.empty() ? "" : ", ") + short_id(u);
                    std::cout.flush();
                    std::cerr << "conman: volume " << name << " is in use by container(s) " << list
                              << ": remove them first or use --force\n";
                    worst = std::max(worst, kVolumeInUse);
                    continue;
                }
                for (auto& u : users) remove_container(ctx, u, true, f->time.value_or(0));
                FileLock lock = store.lock();
                vs.require(name);
                if (!vs.users(store, name).empty())
                    fail(ErrorKind::Conflict, "volume {} came into use while it was being removed", name);
                vs.remove(name);
                std::cout << name << "\n";
            } catch (const Error& e) {
                std::cout.flush();
                std::cerr << "conman: " << e.what() << "\n";
                worst = std::max(worst, e.kind() == ErrorKind::NotFound ? kNoSuchVolume : 125);
            }
        }
        // 125 beats 2 beats 1.
        st.exit_code = worst;
    });
}

void add_prune(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("prune", "Remove every volume no container uses");
    struct Flags {
        bool force = false;
        std::vector<std::string> filters;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_flag("-f,--force", f->force, "Do not ask for confirmation");
    cmd->add_option("--filter", f->filters, "Only volumes matching: label=KEY[=VALUE], label!=, name=, anonymous=")
        ->allow_extra_args(false);
    cmd->callback([f, &st] {
        VolumeFilter filter(f->filters);
        if (!f->force) {
            std::cout << "WARNING! This will remove all volumes not used by at least one container.\n"
                         "Are you sure you want to continue? [y/N] "
                      << std::flush;
            std::string answer;
            std::getline(std::cin, answer);
            if (answer != "y" && answer != "Y" && answer != "yes") return;
        }
        Context ctx = st.context();
        Store store(ctx);
        VolumeStore vs(ctx);
        FileLock lock = store.lock();
        for (auto& r : vs.all()) {
            if (!vs.users(store, r.name).empty() || !filter.match(r, false)) continue;
            vs.remove(r.name);
            std::cout << r.name << "\n";
        }
    });
}

void add_exists(CLI::App* grp, State& st) {
    auto* cmd = grp->add_subcommand("exists", "Exit 0 when the volume exists, 1 when not");
    auto name = std::make_shared<std::string>();
    cmd->add_option("VOLUME", *name, "Volume")->required();
    cmd->callback([name, &st] {
        Context ctx = st.context();
        st.exit_code = VolumeStore(ctx).find(*name) ? 0 : 1;
    });
}

}  // namespace

CLI::App* register_volume(CLI::App& parent, State& st) {
    auto* grp = parent.add_subcommand("volume", "Manage volumes");
    grp->require_subcommand(1);
    add_create(grp, st);
    add_ls(grp, st);
    add_inspect(grp, st);
    add_rm(grp, st);
    add_prune(grp, st);
    add_exists(grp, st);
    return grp;
}

}  // namespace conman::cli
