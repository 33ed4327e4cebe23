// systemd unit generation (systemd_unit.hpp). Two shapes, podman's:
//  - default: the unit starts and stops an existing container; the shim
//    daemonises, so Type=forking with PIDFile=<runroot>/<id>/shim.pid;
//  - --new: the unit runs `conman run -d --rm --replace --cidfile=...
//    --sdnotify=conman` from the container's create command and removes it
//    on stop; Type=notify, conman sends MAINPID=<shim> and READY=1.
#include "conman/systemd_unit.hpp"

#include <set>

#include "conman/error.hpp"

namespace conman {

namespace {

const std::set<std::string_view> kGlobalWithValue = {"--root", "--runroot", "--runtime", "--shim-path", "--log-level",
                                                     "--storage-driver"};
// Flags the --new unit sets itself, and whether they take a value.
const std::set<std::string_view> kDroppedWithValue = {"--cidfile", "--sdnotify", "--restart"};
const std::set<std::string_view> kDroppedFlags = {"-d", "--detach", "--rm", "--replace"};

std::string join_quoted(const std::vector<std::string>& args) {
    std::string out;
    for (auto& a : args) {
        if (!out.empty()) out += ' ';
        out += systemd_quote(a);
    }
    return out;
}

std::string flag_name(const std::string& arg) { return arg.substr(0, arg.find('=')); }

}  // namespace

std::string systemd_quote(std::string_view arg) {
    std::string escaped;
    bool quote = arg.empty();
    for (char ch : arg) {
        switch (ch) {
        case '%': escaped += "%%"; break;
        case '$': escaped += "$$"; break;
        case '\\': escaped += "\\\\"; quote = true; break;
        case '"': escaped += "\\\""; quote = true; break;
        case '\n': escaped += "\\n"; quote = true; break;
        case '\t': escaped += "\\t"; quote = true; break;
        case ' ': case '\'': case ';': escaped += ch; quote = true; break;
        default: escaped += ch;
        }
    }
    return quote ? "\"" + escaped + "\"" : escaped;
}

void check_unit_restart_policy(const std::string& policy) {
    static const std::set<std::string_view> ok = {"no", "on-success", "on-failure", "on-abnormal",
                                                  "on-watchdog", "on-abort", "always"};
    if (!ok.count(policy))
        fail(ErrorKind::Usage,
             "invalid --restart-policy \"{}\": use no, on-success, on-failure, on-abnormal, on-watchdog, on-abort or always",
             policy);
}

SplitCommand split_create_command(const std::vector<std::string>& argv, const TakesValue& takes_value) {
    SplitCommand s;
    size_t i = argv.empty() ? 0 : 1;
    // Global flags, up to the verb ("run", "create", "container run|create").
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a.empty() || a[0] != '-') break;
        s.global.push_back(a);
        if (a.find('=') == std::string::npos && kGlobalWithValue.count(a) && i + 1 < argv.size())
            s.global.push_back(argv[++i]);
    }
    if (i < argv.size() && argv[i] == "container") ++i;
    if (i < argv.size()) ++i;  // the verb itself
    for (; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.empty() || a[0] != '-' || a == "-") break;  // the image or rootfs: options end here
        std::string name = flag_name(a);
        bool inline_value = name.size() != a.size();
        bool long_flag = a.starts_with("--");
        if (long_flag || a.size() == 2) {
            bool value = !inline_value && takes_value(name);
            if (name == "--name") s.has_name = true;
            if (kDroppedFlags.count(name) || kDroppedWithValue.count(name)) {
                if (value) ++i;
                continue;
            }
            s.flags.push_back(a);
            if (value && i + 1 < argv.size()) s.flags.push_back(argv[++i]);
            continue;
        }
        // A cluster of short flags (-dit); the last one may take a value (-ie X).
        std::string kept = "-";
        bool value = false;
        for (size_t k = 1; k < a.size(); ++k) {
            std::string f = std::string("-") + a[k];
            if (f != "-d") kept += a[k];
            if (takes_value(f)) {
                kept += a.substr(k + 1);
                value = k + 1 == a.size();
                break;
            }
        }
        if (kept.size() > 1) s.flags.push_back(kept);
        if (value && i + 1 < argv.size()) s.flags.push_back(argv[++i]);
    }
    s.rest.assign(argv.begin() + static_cast<long>(std::min(i, argv.size())), argv.end());
    return s;
}

GeneratedUnit generate_systemd_unit(const ContainerConfig& c, const UnitOptions& o, const TakesValue& takes_value) {
    check_unit_restart_policy(o.restart_policy);
    if (o.new_container && c.create_command.empty())
        fail(ErrorKind::Usage, "container {} has no create command to run: generate it without --new", c.name);
    std::string ident = o.use_name ? c.name : c.id;
    GeneratedUnit u;
    u.name = o.container_prefix.empty() ? ident + ".service" : o.container_prefix + o.separator + ident + ".service";
    int timeout = o.stop_timeout.value_or(c.stop_timeout);
    std::string conman = systemd_quote(o.conman_path);

    std::string start, stop, stop_post, tail;
    if (o.new_container) {
        SplitCommand s = split_create_command(c.create_command, takes_value);
        std::string global = join_quoted(s.global);
        std::string pre = conman + (global.empty() ? "" : " " + global);
        start = pre + " run --cidfile=%t/%n.ctr-id --rm --sdnotify=conman --replace -d";
        if (!s.flags.empty()) start += " " + join_quoted(s.flags);
        if (!s.rest.empty()) start += " " + join_quoted(s.rest);
        stop = fmt::format("{} stop --ignore -t {} --cidfile=%t/%n.ctr-id", pre, timeout);
        stop_post = fmt::format("{} rm -f --ignore -t {} --cidfile=%t/%n.ctr-id", pre, timeout);
        tail = "Type=notify\nNotifyAccess=all\n";
    } else {
        std::string global = join_quoted(o.global_args);
        std::string pre = conman + (global.empty() ? "" : " " + global);
        std::string ref = systemd_quote(ident);
        start = fmt::format("{} start {}", pre, ref);
        stop = fmt::format("{} stop -t {} {}", pre, timeout, ref);
        stop_post = stop;
        tail = fmt::format("PIDFile={}\nType=forking\n", systemd_quote(o.runroot + "/" + c.id + "/shim.pid"));
    }

    std::string& t = u.content;
    if (!o.no_header) {
        t += fmt::format("# {}\n", u.name);
        t += fmt::format("# autogenerated by conman {}\n\n", o.version);
    }
    t += "[Unit]\n";
    t += fmt::format("Description=conman {}\n", u.name);
    t += "Documentation=man:conman-generate-systemd(1)\n";
    t += "Wants=network-online.target\n";
    t += "After=network-online.target\n";
    if (!o.runroot.empty()) t += fmt::format("RequiresMountsFor={}\n", systemd_quote(o.runroot));
    t += "\n[Service]\n";
    t += "Environment=CONMAN_SYSTEMD_UNIT=%n\n";
    t += fmt::format("Restart={}\n", o.restart_policy);
    t += fmt::format("TimeoutStopSec={}\n", 60 + timeout);
    t += fmt::format("ExecStart={}\n", start);
    t += fmt::format("ExecStop={}\n", stop);
    t += fmt::format("ExecStopPost={}\n", stop_post);
    t += tail;
    t += "\n[Install]\n";
    t += "WantedBy=default.target\n";
    return u;
}

}  // namespace conman
