// How Go prints and encodes values: fmt's %v, strconv.Quote and
// encoding/json, applied to JSON data.
#include "template_ast.hpp"

#include <charconv>
#include <cmath>

namespace conman::tmpl {

size_t utf8_decode(std::string_view s, size_t i, char32_t& cp, bool* bad) {
    auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
    unsigned char c = b(0);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= s.size();
    char32_t v = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; ok && k < len; ++k) {
        if ((b(k) & 0xC0) != 0x80) ok = false;
        v = (v << 6) | (b(k) & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    static const char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (v < kMin[len] || v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))) ok = false;
    if (bad) *bad = !ok;
    if (!ok) {
        cp = 0xFFFD;
        return 1;
    }
    cp = v;
    return len;
}

size_t rune_count(std::string_view s) {
    size_t n = 0;
    char32_t cp;
    for (size_t i = 0; i < s.size(); i += utf8_decode(s, i, cp)) ++n;
    return n;
}

std::string type_name(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "<nil>";
    case json::value_t::boolean: return "bool";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "int";  // nlohmann stores positive ints unsigned
    case json::value_t::number_float: return "float64";
    case json::value_t::string: return "string";
    case json::value_t::array: return "[]interface {}";
    case json::value_t::object: return "map[string]interface {}";
    default: return "<invalid>";
    }
}

bool truthy(const json& v) {
    switch (v.type()) {
    case json::value_t::boolean: return v.get<bool>();
    case json::value_t::number_integer: return v.get<int64_t>() != 0;
    case json::value_t::number_unsigned: return v.get<uint64_t>() != 0;
    case json::value_t::number_float: return v.get<double>() != 0.0;
    case json::value_t::string: return !v.get_ref<const std::string&>().empty();
    case json::value_t::array:
    case json::value_t::object: return !v.empty();
    default: return false;
    }
}

namespace {

// Shortest round-trip decimal digits of |v|: value = 0.digits * 10^dp.
struct Decimal {
    std::string digits;
    int dp = 0;
};

Decimal shortest(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(v), std::chars_format::scientific);
    std::string_view s(buf, r.ptr - buf);
    size_t e = s.find('e');
    Decimal d;
    for (char c : s.substr(0, e))
        if (c != '.') d.digits += c;
    int exp = 0;
    std::from_chars(s.data() + e + (s[e + 1] == '+' ? 2 : 1), s.data() + s.size(), exp);
    d.dp = exp + 1;
    return d;
}

std::string fixed(const Decimal& d) {
    int nd = static_cast<int>(d.digits.size());
    if (d.dp <= 0) return "0." + std::string(-d.dp, '0') + d.digits;
    if (d.dp >= nd) return d.digits + std::string(d.dp - nd, '0');
    return d.digits.substr(0, d.dp) + "." + d.digits.substr(d.dp);
}

// Go's %e layout; min_exp_digits is 2 for fmt and 1 for encoding/json.
std::string exponent(const Decimal& d, int min_exp_digits) {
    std::string s = d.digits.substr(0, 1);
    if (d.digits.size() > 1) s += "." + d.digits.substr(1);
    int exp = d.dp - 1;
    std::string e = std::to_string(std::abs(exp));
    if (static_cast<int>(e.size()) < min_exp_digits) e.insert(0, min_exp_digits - e.size(), '0');
    return s + (exp < 0 ? "e-" : "e+") + e;
}

}  // namespace

std::string format_float(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    Decimal d = shortest(v);
    int exp = d.dp - 1;
    std::string s = (exp < -4 || exp >= 6) ? exponent(d, 2) : fixed(d);
    return std::signbit(v) ? "-" + s : s;
}

std::string print_value(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "<nil>";
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float: return format_float(v.get<double>());
    case json::value_t::string: return v.get<std::string>();
    case json::value_t::array: {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + print_value(v[i]);
        return s + "]";
    }
    case json::value_t::object: {
        std::string s = "map[";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            s += (first ? "" : " ") + it.key() + ":" + print_value(it.value());
            first = false;
        }
        return s + "]";
    }
    default: return "<invalid>";
    }
}

std::string go_quote(std::string_view s, char q) {
    std::string out(1, q);
    for (size_t i = 0; i < s.size();) {
        char32_t cp;
        bool bad = false;
        size_t n = utf8_decode(s, i, cp, &bad);
        unsigned char c = static_cast<unsigned char>(s[i]);
        i += n;
        if (bad) {
            out += fmt::format("\\x{:02x}", c);
        } else if (cp == static_cast<char32_t>(q) || cp == '\\') {
            out += '\\';
            out += static_cast<char>(cp);
        } else if (cp >= 0x20 && cp < 0x7F) {
            out += static_cast<char>(cp);
        } else if (cp < 0x80) {
            switch (cp) {
            case '\a': out += "\\a"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\v': out += "\\v"; break;
            default: out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
            }
        } else if (cp < 0xA0 || cp == 0xAD || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
        } else {
            utf8_append(out, cp);
        }
    }
    out += q;
    return out;
}

namespace {

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        char32_t cp;
        bool bad = false;
        size_t n = utf8_decode(s, i, cp, &bad);
        i += n;
        if (bad) {
            out += "\\ufffd";
            continue;
        }
        switch (cp) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        // podman's json function turns HTML escaping off (<, > and & stay
        // as they are); the JavaScript line separators are still escaped.
        case 0x2028: case 0x2029:
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
            break;
        default:
            if (cp < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));
            else utf8_append(out, cp);
        }
    }
    return out + "\"";
}

std::string json_float(double v) {
    if (!std::isfinite(v)) return "null";  // json.Marshal fails; podman prints nothing useful
    if (v == 0) return std::signbit(v) ? "-0" : "0";
    Decimal d = shortest(v);
    double a = std::fabs(v);
    std::string s = (a < 1e-6 || a >= 1e21) ? exponent(d, 1) : fixed(d);
    return std::signbit(v) ? "-" + s : s;
}

}  // namespace

std::string json_encode(const json& v) {
    switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return v.get<bool>() ? "true" : "false";
    case json::value_t::number_integer: return std::to_string(v.get<int64_t>());
    case json::value_t::number_unsigned: return std::to_string(v.get<uint64_t>());
    case json::value_t::number_float: return json_float(v.get<double>());
    case json::value_t::string: return json_string(v.get_ref<const std::string&>());
    case json::value_t::array: {
        std::string s = "[";
        for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + json_encode(v[i]);
        return s + "]";
    }
    case json::value_t::object: {
        std::string s = "{";
        bool first = true;
        for (auto it = v.begin(); it != v.end(); ++it) {
            s += (first ? "" : ",") + json_string(it.key()) + ":" + json_encode(it.value());
            first = false;
        }
        return s + "}";
    }
    default: return "null";
    }
}

}  // namespace conman::tmpl
