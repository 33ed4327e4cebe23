// Seccomp profiles: parsing the containers seccomp.json format and turning a
// profile into the OCI linux.seccomp object for one container (seccomp.hpp).
// libseccomp resolves the names and checks each rule in a throw-away filter
// context that is never loaded.
#include "conman/seccomp.hpp"

#include <seccomp.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>

#include "conman/error.hpp"

namespace conman {

using nlohmann::json;

namespace {

struct HostArch {
    std::string scmp;  // SCMP_ARCH_X86_64
    std::string go;    // amd64
};

// The SCMP name of a libseccomp arch token and its Go name (what profiles' includes.arches use).
const struct {
    uint32_t token;
    const char* scmp;
    const char* go;
} kArches[] = {
    {SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64"}, {SCMP_ARCH_X86, "SCMP_ARCH_X86", "386"},
    {SCMP_ARCH_X32, "SCMP_ARCH_X32", "amd64"},       {SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64"},
    {SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm"},         {SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le"},
    {SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x"},   {SCMP_ARCH_S390, "SCMP_ARCH_S390", "s390"},
    {SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64"},
};

uint32_t arch_token(const std::string& scmp) {
    for (auto& a : kArches)
        if (scmp == a.scmp) return a.token;
    return 0;
}

// This host's native arch first, then the compat arches its kernel runs.
std::vector<HostArch> host_arches() {
    uint32_t native = seccomp_arch_native();
    std::vector<uint32_t> tokens = {native};
    if (native == SCMP_ARCH_X86_64) tokens.insert(tokens.end(), {SCMP_ARCH_X86, SCMP_ARCH_X32});
    if (native == SCMP_ARCH_AARCH64) tokens.push_back(SCMP_ARCH_ARM);
    if (native == SCMP_ARCH_S390X) tokens.push_back(SCMP_ARCH_S390);
    std::vector<HostArch> out;
    for (uint32_t t : tokens)
        for (auto& a : kArches)
            if (a.token == t) out.push_back({a.scmp, a.go});
    return out;
}

const std::set<std::string> kActions = {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD",
                                        "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE",
                                        "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"};

uint32_t action_value(const std::string& a, std::optional<unsigned> errno_ret) {
    if (a == "SCMP_ACT_KILL" || a == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
    if (a == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
    if (a == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
    if (a == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.value_or(1));
    if (a == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.value_or(1));
    if (a == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
    return SCMP_ACT_ALLOW;
}

std::optional<scmp_compare> op_value(const std::string& op) {
    if (op == "SCMP_CMP_NE") return SCMP_CMP_NE;
    if (op == "SCMP_CMP_LT") return SCMP_CMP_LT;
    if (op == "SCMP_CMP_LE") return SCMP_CMP_LE;
    if (op == "SCMP_CMP_EQ") return SCMP_CMP_EQ;
    if (op == "SCMP_CMP_GE") return SCMP_CMP_GE;
    if (op == "SCMP_CMP_GT") return SCMP_CMP_GT;
    if (op == "SCMP_CMP_MASKED_EQ") return SCMP_CMP_MASKED_EQ;
    return std::nullopt;
}

// "5.15.0-91-generic" >= "4.8"?
bool kernel_at_least(const std::string& want) {
    utsname u{};
    ::uname(&u);
    int hm = 0, hn = 0, wm = 0, wn = 0;
    std::sscanf(u.release, "%d.%d", &hm, &hn);
    std::sscanf(want.c_str(), "%d.%d", &wm, &wn);
    return hm != wm ? hm > wm : hn >= wn;
}

bool any_in(const std::vector<std::string>& want, const std::vector<std::string>& have) {
    return std::any_of(want.begin(), want.end(),
                       [&](const std::string& w) { return std::find(have.begin(), have.end(), w) != have.end(); });
}

template <typename T>
T get_or(const json& j, const char* key, T fallback, const std::string& where) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        fail(ErrorKind::Usage, "{}: field \"{}\" has the wrong type", where, key);
    }
}

SeccompFilter parse_filter(const json& j, const std::string& where, std::string* min_kernel) {
    SeccompFilter f;
    if (!j.is_object()) return f;
    f.caps = get_or<std::vector<std::string>>(j, "caps", {}, where);
    f.arches = get_or<std::vector<std::string>>(j, "arches", {}, where);
    if (min_kernel) *min_kernel = get_or<std::string>(j, "minKernel", "", where);
    return f;
}

struct FilterCtx {
    scmp_filter_ctx ctx;
    explicit FilterCtx(uint32_t def) : ctx(seccomp_init(def)) {
        if (!ctx) fail(ErrorKind::System, "libseccomp: cannot create a filter context");
    }
    ~FilterCtx() { seccomp_release(ctx); }
    FilterCtx(const FilterCtx&) = delete;
    FilterCtx& operator=(const FilterCtx&) = delete;
};

}  // namespace

SeccompProfile parse_seccomp_profile(const std::string& text, const std::string& source) {
    std::string where = "seccomp profile " + source;
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        fail(ErrorKind::Usage, "{}: not valid JSON: {}", where, e.what());
    }
    if (!j.is_object()) fail(ErrorKind::Usage, "{}: expected a JSON object", where);
    SeccompProfile p;
    p.default_action = get_or<std::string>(j, "defaultAction", "", where);
    if (p.default_action.empty()) fail(ErrorKind::Usage, "{}: defaultAction is missing", where);
    if (j.contains("defaultErrnoRet") && !j["defaultErrnoRet"].is_null())
        p.default_errno_ret = get_or<unsigned>(j, "defaultErrnoRet", 1, where);
    p.architectures = get_or<std::vector<std::string>>(j, "architectures", {}, where);
    if (auto it = j.find("archMap"); it != j.end() && it->is_array()) {
        for (auto& m : *it) {
            p.architectures.push_back(get_or<std::string>(m, "architecture", "", where));
            for (auto& s : get_or<std::vector<std::string>>(m, "subArchitectures", {}, where)) p.architectures.push_back(s);
        }
    }
    auto sys = j.find("syscalls");
    if (sys != j.end() && !sys->is_null()) {
        if (!sys->is_array()) fail(ErrorKind::Usage, "{}: syscalls must be an array", where);
        size_t i = 0;
        for (auto& s : *sys) {
            std::string rw = fmt::format("{}: syscalls[{}]", where, i++);
            if (!s.is_object()) fail(ErrorKind::Usage, "{}: expected an object", rw);
            SeccompRule r;
            r.names = get_or<std::vector<std::string>>(s, "names", {}, rw);
            if (auto n = get_or<std::string>(s, "name", "", rw); !n.empty()) r.names.push_back(n);
            if (r.names.empty()) fail(ErrorKind::Usage, "{}: no syscall names", rw);
            r.action = get_or<std::string>(s, "action", "", rw);
            if (s.contains("errnoRet") && !s["errnoRet"].is_null()) r.errno_ret = get_or<unsigned>(s, "errnoRet", 1, rw);
            if (auto a = s.find("args"); a != s.end() && a->is_array()) {
                for (auto& arg : *a)
                    r.args.push_back({get_or<unsigned>(arg, "index", 0, rw), get_or<uint64_t>(arg, "value", 0, rw),
                                      get_or<uint64_t>(arg, "valueTwo", 0, rw), get_or<std::string>(arg, "op", "", rw)});
            }
            std::string min_kernel;
            if (auto in = s.find("includes"); in != s.end()) r.includes = parse_filter(*in, rw, &min_kernel);
            if (auto ex = s.find("excludes"); ex != s.end()) r.excludes = parse_filter(*ex, rw, nullptr);
            if (!min_kernel.empty() && !kernel_at_least(min_kernel)) continue;
            p.rules.push_back(std::move(r));
        }
    }
    return p;
}

json seccomp_to_oci(const SeccompProfile& p, const std::vector<std::string>& caps, bool strict,
                    const std::string& source) {
    std::string where = "seccomp profile " + source;
    if (!kActions.count(p.default_action)) fail(ErrorKind::Usage, "{}: unknown action {}", where, p.default_action);
    std::vector<HostArch> host = host_arches();
    std::vector<HostArch> arches;
    for (auto& h : host)
        if (p.architectures.empty() ||
            std::find(p.architectures.begin(), p.architectures.end(), h.scmp) != p.architectures.end())
            arches.push_back(h);
    for (auto& a : p.architectures)
        if (strict && !arch_token(a)) fail(ErrorKind::Usage, "{}: unknown architecture {}", where, a);
    if (arches.empty()) fail(ErrorKind::Usage, "{}: covers none of this host's architectures", where);
    std::vector<std::string> host_go;
    for (auto& a : host) host_go.push_back(a.go);

    uint32_t def = action_value(p.default_action, p.default_errno_ret);
    FilterCtx check(def);
    for (auto& a : arches) {
        uint32_t t = arch_token(a.scmp);
        if (t != seccomp_arch_native() && seccomp_arch_add(check.ctx, t) < 0)
            fail(ErrorKind::System, "{}: libseccomp cannot add architecture {}", where, a.scmp);
    }

    json syscalls = json::array();
    for (auto& r : p.rules) {
        if (!kActions.count(r.action))
            fail(ErrorKind::Usage, "{}: unknown action \"{}\" for {}", where, r.action, r.names.front());
        if (!r.includes.caps.empty() && !any_in(r.includes.caps, caps)) continue;
        if (!r.excludes.caps.empty() && any_in(r.excludes.caps, caps)) continue;
        if (!r.includes.arches.empty() && !any_in(r.includes.arches, host_go)) continue;
        if (!r.excludes.arches.empty() && any_in(r.excludes.arches, host_go)) continue;
        std::vector<scmp_arg_cmp> cmps;
        json args = json::array();
        for (auto& a : r.args) {
            auto op = op_value(a.op);
            if (!op) fail(ErrorKind::Usage, "{}: unknown comparison \"{}\" for {}", where, a.op, r.names.front());
            if (a.index > 5) fail(ErrorKind::Usage, "{}: argument index {} out of range for {}", where, a.index, r.names.front());
            cmps.push_back({a.index, *op, a.value, a.value_two});
            args.push_back({{"index", a.index}, {"value", a.value}, {"valueTwo", a.value_two}, {"op", a.op}});
        }
        uint32_t act = action_value(r.action, r.errno_ret);
        json names = json::array();
        for (auto& n : r.names) {
            bool known = false;
            for (auto& a : arches) {
                int nr = seccomp_syscall_resolve_name_arch(arch_token(a.scmp), n.c_str());
                if (nr == __NR_SCMP_ERROR) continue;
                known = true;
                // The rule check costs ~2 ms for a big profile: only user profiles get it.
                if (!strict || act == def) continue;  // same as the default: nothing to add (runc skips it too)
                int rc = seccomp_rule_add_array(check.ctx, act, seccomp_syscall_resolve_name(n.c_str()),
                                                static_cast<unsigned>(cmps.size()), cmps.data());
                if (rc < 0 && rc != -EEXIST && seccomp_syscall_resolve_name(n.c_str()) != __NR_SCMP_ERROR)
                    fail(ErrorKind::Usage, "{}: libseccomp refuses the rule for {}: {}", where, n, std::strerror(-rc));
                break;
            }
            if (!known) {
                if (strict) fail(ErrorKind::Usage, "{}: unknown syscall \"{}\"", where, n);
                continue;
            }
            names.push_back(n);
        }
        if (names.empty() || act == def) continue;
        json rule = {{"names", names}, {"action", r.action}};
        if (r.errno_ret && (r.action == "SCMP_ACT_ERRNO" || r.action == "SCMP_ACT_TRACE")) rule["errnoRet"] = *r.errno_ret;
        if (!args.empty()) rule["args"] = args;
        syscalls.push_back(std::move(rule));
    }
    json out = {{"defaultAction", p.default_action}, {"syscalls", syscalls}};
    if (p.default_errno_ret) out["defaultErrnoRet"] = *p.default_errno_ret;
    json archs = json::array();
    for (auto& a : arches) archs.push_back(a.scmp);
    out["architectures"] = archs;
    return out;
}

}  // namespace conman
