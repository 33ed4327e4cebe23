// printf with Go's fmt verbs, flags, width and precision, including Go's
// in-band error notes: %!d(string=x), %!s(MISSING), %!(EXTRA int=1).
#include "template_ast.hpp"

#include <cmath>
#include <cstdio>

namespace conman::tmpl {
namespace {

struct Spec {
    bool minus = false, plus = false, sharp = false, space = false, zero = false;
    int width = -1;
    int prec = -1;
    std::string verb;  // one UTF-8 character
};

// Widths run to ten million and an array applies one to every element, so
// results are measured as they grow (kMaxBytes, template_ast.hpp).
void check_size(size_t n) {
    if (n > kMaxBytes) tfail("printf: result larger than {} bytes", kMaxBytes);
}

std::string pad(std::string s, const Spec& sp, bool numeric) {
    if (sp.width > 0) check_size(static_cast<size_t>(sp.width));
    size_t n = rune_count(s);
    if (sp.width < 0 || n >= static_cast<size_t>(sp.width)) return s;
    size_t fill = static_cast<size_t>(sp.width) - n;
    if (sp.minus) return s + std::string(fill, ' ');
    if (sp.zero && numeric) {
        size_t at = (!s.empty() && (s[0] == '-' || s[0] == '+' || s[0] == ' ')) ? 1 : 0;
        if (s.compare(at, 2, "0x") == 0 || s.compare(at, 2, "0X") == 0) at += 2;
        s.insert(at, fill, '0');
        return s;
    }
    return std::string(fill, ' ') + s;
}

std::string bad_verb(const Spec& sp, const json& v) {
    if (v.is_null()) return "%!" + sp.verb + "(<nil>)";
    return "%!" + sp.verb + "(" + type_name(v) + "=" + print_value(v) + ")";
}

std::string sign(bool neg, const Spec& sp) {
    return neg ? "-" : sp.plus ? "+" : sp.space ? " " : "";
}

std::string fmt_int(const Spec& sp, const json& v) {
    bool neg = false;
    uint64_t mag;
    if (v.is_number_unsigned()) {
        mag = v.get<uint64_t>();
    } else {
        int64_t i = v.get<int64_t>();
        neg = i < 0;
        mag = neg ? 0 - static_cast<uint64_t>(i) : static_cast<uint64_t>(i);
    }
    char verb = sp.verb.size() == 1 ? sp.verb[0] : '?';
    std::string digits, prefix;
    switch (verb) {
    case 'v': case 'd': digits = fmt::format("{}", mag); break;
    case 'x': digits = fmt::format("{:x}", mag); prefix = sp.sharp ? "0x" : ""; break;
    case 'X': digits = fmt::format("{:X}", mag); prefix = sp.sharp ? "0X" : ""; break;
    case 'o': digits = fmt::format("{:o}", mag); prefix = sp.sharp ? "0" : ""; break;
    case 'O': digits = fmt::format("{:o}", mag); prefix = "0o"; break;
    case 'b': digits = fmt::format("{:b}", mag); prefix = sp.sharp ? "0b" : ""; break;
    case 'c':
    case 'q': {
        std::string r;
        char32_t cp = (neg || mag > 0x10FFFF) ? 0xFFFD : static_cast<char32_t>(mag);
        utf8_append(r, cp);
        return pad(verb == 'c' ? r : go_quote(r, '\''), sp, false);
    }
    case 'U': return pad(fmt::format("U+{:04X}", mag), sp, false);
    default: return bad_verb(sp, v);
    }
    if (sp.prec >= 0 && digits.size() < static_cast<size_t>(sp.prec))
        digits.insert(0, sp.prec - digits.size(), '0');
    if (sp.prec == 0 && mag == 0) digits.clear();
    return pad(sign(neg, sp) + prefix + digits, sp, sp.prec < 0);
}

std::string fmt_float(const Spec& sp, double d) {
    char verb = sp.verb.size() == 1 ? sp.verb[0] : '?';
    if (std::string_view("vfFeEgG").find(verb) == std::string_view::npos) return bad_verb(sp, d);
    std::string s;
    if (!std::isfinite(d)) {
        s = format_float(d);
        if (s == "+Inf" && !sp.plus) s = sp.space ? " Inf" : "+Inf";
        Spec nozero = sp;
        nozero.zero = false;
        return pad(s, nozero, false);
    }
    if ((verb == 'v' || verb == 'g' || verb == 'G') && sp.prec < 0) {
        s = format_float(std::fabs(d));
        if (verb == 'G')
            for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else {
        int prec = sp.prec < 0 ? 6 : sp.prec;
        char cfmt[16];
        std::snprintf(cfmt, sizeof cfmt, "%%%s.%d%c", sp.sharp ? "#" : "", prec, verb);
        char buf[512];
        std::snprintf(buf, sizeof buf, cfmt, std::fabs(d));
        s = buf;
    }
    return pad(sign(std::signbit(d), sp) + s, sp, true);
}

std::string fmt_string(const Spec& sp, const std::string& s) {
    char verb = sp.verb.size() == 1 ? sp.verb[0] : '?';
    switch (verb) {
    case 'v':
    case 's': {
        if (sp.prec < 0) return pad(s, sp, false);
        size_t i = 0;
        char32_t cp;
        for (int n = 0; n < sp.prec && i < s.size(); ++n) i += utf8_decode(s, i, cp);
        return pad(s.substr(0, i), sp, false);
    }
    case 'q':
        if (sp.sharp && s.find('`') == std::string::npos &&
            std::none_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\t'; }))
            return pad("`" + s + "`", sp, false);
        return pad(go_quote(s), sp, false);
    case 'x':
    case 'X': {
        std::string h = sp.sharp ? (verb == 'x' ? "0x" : "0X") : "";
        for (unsigned char c : s) h += verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c);
        return pad(h, sp, false);
    }
    default: return bad_verb(sp, s);
    }
}

std::string format_one(const Spec& sp, const json& v) {
    if (sp.verb == "T") return pad(type_name(v), sp, false);
    switch (v.type()) {
    case json::value_t::null: return sp.verb == "v" ? pad("<nil>", sp, false) : bad_verb(sp, v);
    case json::value_t::boolean:
        if (sp.verb != "v" && sp.verb != "t") return bad_verb(sp, v);
        return pad(v.get<bool>() ? "true" : "false", sp, false);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return fmt_int(sp, v);
    case json::value_t::number_float: return fmt_float(sp, v.get<double>());
    case json::value_t::string: return fmt_string(sp, v.get_ref<const std::string&>());
    case json::value_t::array: {
        // Go applies the verb, width included, to each element.
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) {
            s += (i ? " " : "") + format_one(sp, v[i]);
            check_size(s.size());
        }
        return s + "]";
    }
    case json::value_t::object: {
        std::string s = "map[";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            s += (first ? "" : " ") + format_one(sp, it.key()) + ":" + format_one(sp, it.value());
            check_size(s.size());
            first = false;
        }
        return s + "]";
    }
    default: return bad_verb(sp, v);
    }
}

// Parses flags, width and precision after '%'; returns false at end of input.
bool parse_spec(std::string_view f, size_t& i, Spec& sp) {
    for (; i < f.size(); ++i) {
        char c = f[i];
        if (c == '-') sp.minus = true;
        else if (c == '+') sp.plus = true;
        else if (c == '#') sp.sharp = true;
        else if (c == ' ') sp.space = true;
        else if (c == '0') sp.zero = true;
        else break;
    }
    auto number = [&](int& out) {
        size_t start = i;
        int n = 0;
        while (i < f.size() && f[i] >= '0' && f[i] <= '9' && n < 1000000) n = n * 10 + (f[i++] - '0');
        if (i > start) out = n;
    };
    number(sp.width);
    if (i < f.size() && f[i] == '.') {
        ++i;
        sp.prec = 0;
        number(sp.prec);
    }
    if (i >= f.size()) return false;
    char32_t cp;
    size_t n = utf8_decode(f, i, cp);
    sp.verb = std::string(f.substr(i, n));
    i += n;
    return true;
}

}  // namespace

std::string go_sprintf(std::string_view f, const std::vector<json>& args) {
    std::string out;
    size_t argi = 0;
    for (size_t i = 0; i < f.size();) {
        if (f[i] != '%') {
            out += f[i++];
            continue;
        }
        ++i;
        Spec sp;
        if (!parse_spec(f, i, sp)) {
            out += "%!(NOVERB)";
            break;
        }
        if (sp.verb == "%") {
            out += '%';
        } else if (argi >= args.size()) {
            out += "%!" + sp.verb + "(MISSING)";
        } else {
            out += format_one(sp, args[argi++]);
        }
        check_size(out.size());
    }
    if (argi < args.size()) {
        out += "%!(EXTRA ";
        for (size_t k = argi; k < args.size(); ++k) {
            if (k > argi) out += ", ";
            out += args[k].is_null() ? "<nil>" : type_name(args[k]) + "=" + print_value(args[k]);
        }
        out += ")";
    }
    return out;
}

}  // namespace conman::tmpl
