// The template function table: Go's builtins plus podman's report helpers.
#include "template_ast.hpp"

#include <algorithm>
#include <cmath>

namespace conman::tmpl {
namespace {

using Args = std::vector<json>;
using Fn = json (*)(std::string_view name, Args& a);

void want(std::string_view name, const Args& a, size_t n) {
    if (a.size() != n) tfail("wrong number of args for {}: want {} got {}", name, n, a.size());
}
void want_min(std::string_view name, const Args& a, size_t n) {
    if (a.size() < n) tfail("wrong number of args for {}: want at least {} got {}", name, n, a.size());
}

const std::string& str(std::string_view name, const json& v) {
    if (!v.is_string()) tfail("{}: wrong type for value; expected string; got {}", name, type_name(v));
    return v.get_ref<const std::string&>();
}

int64_t integer(std::string_view name, const json& v) {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
            tfail("{}: integer out of range", name);
        return v.get<int64_t>();
    }
    if (v.is_number_float() && std::trunc(v.get<double>()) == v.get<double>() && std::fabs(v.get<double>()) < 9e18)
        return static_cast<int64_t>(v.get<double>());
    tfail("{}: wrong type for value; expected int; got {}", name, type_name(v));
}

// ---- comparison ----

bool is_num(const json& v) { return v.is_number(); }

// -1, 0, 1 for numbers of any representation.
int cmp_num(const json& a, const json& b) {
    if (a.is_number_integer() && b.is_number_integer()) {
        bool an = a.is_number_unsigned() ? false : a.get<int64_t>() < 0;
        bool bn = b.is_number_unsigned() ? false : b.get<int64_t>() < 0;
        if (an != bn) return an ? -1 : 1;
        if (an) return a.get<int64_t>() < b.get<int64_t>() ? -1 : a.get<int64_t>() > b.get<int64_t>();
        return a.get<uint64_t>() < b.get<uint64_t>() ? -1 : a.get<uint64_t>() > b.get<uint64_t>();
    }
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : x > y;
}

bool equal(const json& a, const json& b) {
    if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
    if (a.is_structured() || b.is_structured())
        tfail("non-comparable type {}", type_name(a.is_structured() ? a : b));
    if (is_num(a) && is_num(b)) return cmp_num(a, b) == 0;
    if (a.type() != b.type()) tfail("incompatible types for comparison");
    return a == b;
}

int order(const json& a, const json& b) {
    bool ok_a = is_num(a) || a.is_string(), ok_b = is_num(b) || b.is_string();
    if (!ok_a || !ok_b) tfail("invalid type for comparison");
    if (is_num(a) && is_num(b)) return cmp_num(a, b);
    if (a.is_string() && b.is_string()) return a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>()) < 0 ? -1 : a != b;
    tfail("incompatible types for comparison");
}

json f_eq(std::string_view n, Args& a) {
    if (a.size() < 2) tfail("missing argument for comparison");
    (void)n;
    for (size_t i = 1; i < a.size(); ++i)
        if (equal(a[0], a[i])) return true;
    return false;
}
json f_ne(std::string_view n, Args& a) { want(n, a, 2); return !equal(a[0], a[1]); }
json f_lt(std::string_view n, Args& a) { want(n, a, 2); return order(a[0], a[1]) < 0; }
json f_le(std::string_view n, Args& a) { want(n, a, 2); return order(a[0], a[1]) <= 0; }
json f_gt(std::string_view n, Args& a) { want(n, a, 2); return order(a[0], a[1]) > 0; }
json f_ge(std::string_view n, Args& a) { want(n, a, 2); return order(a[0], a[1]) >= 0; }
json f_not(std::string_view n, Args& a) { want(n, a, 1); return !truthy(a[0]); }

// ---- data ----

json f_json(std::string_view n, Args& a) { want(n, a, 1); return json_encode(a[0]); }

json f_len(std::string_view n, Args& a) {
    want(n, a, 1);
    if (a[0].is_string()) return static_cast<int64_t>(a[0].get_ref<const std::string&>().size());
    if (a[0].is_structured()) return static_cast<int64_t>(a[0].size());
    tfail("len of type {}", type_name(a[0]));
}

json f_index(std::string_view n, Args& a) {
    want_min(n, a, 1);
    json item = a[0];
    for (size_t i = 1; i < a.size(); ++i) {
        const json& idx = a[i];
        if (item.is_object()) {
            if (!idx.is_string()) tfail("index: cannot index map with type {}", type_name(idx));
            auto it = item.find(idx.get<std::string>());
            item = it == item.end() ? json() : json(*it);
        } else if (item.is_array() || item.is_string()) {
            int64_t k = integer(n, idx);
            size_t len = item.is_array() ? item.size() : item.get_ref<const std::string&>().size();
            if (k < 0 || static_cast<size_t>(k) >= len) tfail("index out of range: {}", k);
            item = item.is_array() ? json(item[k]) : json(static_cast<unsigned char>(item.get<std::string>()[k]));
        } else if (item.is_null()) {
            tfail("index of untyped nil");
        } else {
            tfail("can't index item of type {}", type_name(item));
        }
    }
    return item;
}

json f_join(std::string_view n, Args& a) {
    want(n, a, 2);
    const std::string& sep = str(n, a[1]);
    if (a[0].is_null()) return "";
    if (!a[0].is_array()) tfail("join: wrong type for value; expected []string; got {}", type_name(a[0]));
    std::string out;
    for (size_t i = 0; i < a[0].size(); ++i) out += (i ? sep : "") + print_value(a[0][i]);
    return out;
}

json f_split(std::string_view n, Args& a) {
    want(n, a, 2);
    const std::string& s = str(n, a[0]);
    const std::string& sep = str(n, a[1]);
    json out = json::array();
    if (sep.empty()) {  // Go splits into UTF-8 sequences
        char32_t cp;
        for (size_t i = 0; i < s.size();) {
            size_t k = utf8_decode(s, i, cp);
            out.push_back(s.substr(i, k));
            i += k;
        }
        return out;
    }
    size_t start = 0;
    for (size_t p; (p = s.find(sep, start)) != std::string::npos; start = p + sep.size())
        out.push_back(s.substr(start, p - start));
    out.push_back(s.substr(start));
    return out;
}

// ---- strings ----

json map_ascii(std::string_view n, Args& a, int (*f)(int)) {
    want(n, a, 1);
    std::string s = str(n, a[0]);
    for (char& c : s) c = static_cast<char>(f(static_cast<unsigned char>(c)));
    return s;
}
json f_upper(std::string_view n, Args& a) { return map_ascii(n, a, ::toupper); }
json f_lower(std::string_view n, Args& a) { return map_ascii(n, a, ::tolower); }

json f_title(std::string_view n, Args& a) {
    want(n, a, 1);
    std::string s = str(n, a[0]);
    bool start = true;  // strings.Title: upper-case letters that begin words
    for (char& c : s) {
        auto u = static_cast<unsigned char>(c);
        bool word = std::isalnum(u) || c == '_' || c == '\'' || u >= 0x80;
        if (start && std::islower(u)) c = static_cast<char>(std::toupper(u));
        start = !word;
    }
    return s;
}

json f_contains(std::string_view n, Args& a) {
    want(n, a, 2);
    return str(n, a[0]).find(str(n, a[1])) != std::string::npos;
}
json f_has_prefix(std::string_view n, Args& a) {
    want(n, a, 2);
    return str(n, a[0]).starts_with(str(n, a[1]));
}
json f_has_suffix(std::string_view n, Args& a) {
    want(n, a, 2);
    return str(n, a[0]).ends_with(str(n, a[1]));
}

json f_replace(std::string_view n, Args& a) {
    want(n, a, 3);
    const std::string &s = str(n, a[0]), &from = str(n, a[1]), &to = str(n, a[2]);
    std::string out;
    if (from.empty()) {  // Go inserts `to` around every UTF-8 sequence
        if (!to.empty() && s.size() + 1 > kMaxBytes / to.size()) tfail("{}: result larger than {} bytes", n, kMaxBytes);
        char32_t cp;
        out = to;
        for (size_t i = 0; i < s.size();) {
            size_t k = utf8_decode(s, i, cp);
            out += s.substr(i, k) + to;
            i += k;
        }
        return out;
    }
    size_t start = 0;
    for (size_t p; (p = s.find(from, start)) != std::string::npos; start = p + from.size())
        out += s.substr(start, p - start) + to;
    return out + s.substr(start);
}

json f_trim(std::string_view n, Args& a) {
    want(n, a, 1);
    const std::string& s = str(n, a[0]);
    const char* ws = " \t\n\r\v\f";
    size_t b = s.find_first_not_of(ws);
    if (b == std::string::npos) return "";
    return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

json f_truncate(std::string_view n, Args& a) {
    want(n, a, 2);
    const std::string& s = str(n, a[0]);
    int64_t k = integer(n, a[1]);
    if (k < 0) tfail("truncate: negative length {}", k);
    size_t i = 0;
    char32_t cp;
    for (int64_t r = 0; r < k && i < s.size(); ++r) i += utf8_decode(s, i, cp);
    return s.substr(0, i);
}

json f_pad(std::string_view n, Args& a) {
    want(n, a, 3);
    const std::string& s = str(n, a[0]);
    int64_t pre = integer(n, a[1]), post = integer(n, a[2]);
    if (pre < 0 || post < 0 || pre > 4096 || post > 4096) tfail("pad: bad padding {} {}", pre, post);
    return std::string(pre, ' ') + s + std::string(post, ' ');
}

// ---- printing ----

json f_printf(std::string_view n, Args& a) {
    want_min(n, a, 1);
    std::vector<json> rest(a.begin() + 1, a.end());
    return go_sprintf(str(n, a[0]), rest);
}

json f_print(std::string_view, Args& a) {
    std::string out;  // fmt.Sprint: a space between operands when neither is a string
    for (size_t i = 0; i < a.size(); ++i) {
        if (i > 0 && !a[i].is_string() && !a[i - 1].is_string()) out += ' ';
        out += print_value(a[i]);
    }
    return out;
}

json f_println(std::string_view, Args& a) {
    std::string out;
    for (size_t i = 0; i < a.size(); ++i) out += (i ? " " : "") + print_value(a[i]);
    return out + "\n";
}

// podman's "table" directive is handled before parsing; as a function it prints nothing.
json f_table(std::string_view, Args&) { return ""; }

struct Entry {
    std::string_view name;
    Fn fn;
};

const Entry kFuncs[] = {
    {"contains", f_contains}, {"eq", f_eq}, {"ge", f_ge}, {"gt", f_gt},
    {"hasPrefix", f_has_prefix}, {"hasSuffix", f_has_suffix}, {"index", f_index},
    {"join", f_join}, {"json", f_json}, {"le", f_le}, {"len", f_len}, {"lower", f_lower},
    {"lt", f_lt}, {"ne", f_ne}, {"not", f_not}, {"pad", f_pad}, {"print", f_print},
    {"printf", f_printf}, {"println", f_println}, {"replace", f_replace}, {"split", f_split},
    {"table", f_table}, {"title", f_title}, {"trim", f_trim}, {"truncate", f_truncate},
    {"upper", f_upper},
};

}  // namespace

bool func_defined(std::string_view name) {
    if (name == "and" || name == "or") return true;
    return std::any_of(std::begin(kFuncs), std::end(kFuncs), [&](const Entry& e) { return e.name == name; });
}

json call_func(std::string_view name, std::vector<json>& args) {
    for (const Entry& e : kFuncs)
        if (e.name == name) return e.fn(name, args);
    tfail("function {} not defined", go_quote(name));
}

}  // namespace conman::tmpl
