#include "conman/timeutil.hpp"

#include <cctype>
#include <charconv>
#include <ctime>
#include <fmt/format.h>

namespace conman {

int64_t now_ns() {
    timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string format_rfc3339nano(int64_t ns) {
    time_t sec = static_cast<time_t>(ns / 1000000000);
    long frac = static_cast<long>(ns % 1000000000);
    if (frac < 0) {
        frac += 1000000000;
        --sec;
    }
    struct tm tm;
    localtime_r(&sec, &tm);
    long off = tm.tm_gmtoff;
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}{}{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, sign, off / 3600, (off % 3600) / 60);
}

namespace {
bool take_int(std::string_view& s, size_t n, int& out) {
    if (s.size() < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
        v = v * 10 + (s[i] - '0');
    }
    out = v;
    s.remove_prefix(n);
    return true;
}
bool take_char(std::string_view& s, char c) {
    if (s.empty() || s[0] != c) return false;
    s.remove_prefix(1);
    return true;
}
}  // namespace

std::optional<int64_t> parse_rfc3339(std::string_view s) {
    struct tm tm {};
    int y, mo, d, h, mi, sec;
    if (!take_int(s, 4, y) || !take_char(s, '-') || !take_int(s, 2, mo) || !take_char(s, '-') || !take_int(s, 2, d))
        return std::nullopt;
    if (s.empty() || (s[0] != 'T' && s[0] != 't' && s[0] != ' ')) return std::nullopt;
    s.remove_prefix(1);
    if (!take_int(s, 2, h) || !take_char(s, ':') || !take_int(s, 2, mi) || !take_char(s, ':') || !take_int(s, 2, sec))
        return std::nullopt;
    int64_t frac = 0;
    if (take_char(s, '.')) {
        int digits = 0;
        while (!s.empty() && std::isdigit(static_cast<unsigned char>(s[0]))) {
            if (digits < 9) {
                frac = frac * 10 + (s[0] - '0');
                ++digits;
            }
            s.remove_prefix(1);
        }
        if (digits == 0) return std::nullopt;
        for (; digits < 9; ++digits) frac *= 10;
    }
    long off = 0;
    if (take_char(s, 'Z') || take_char(s, 'z')) {
    } else if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
        int sign = s[0] == '-' ? -1 : 1;
        s.remove_prefix(1);
        int oh, om;
        if (!take_int(s, 2, oh) || !take_char(s, ':') || !take_int(s, 2, om)) return std::nullopt;
        off = sign * (oh * 3600L + om * 60L);
    } else {
        return std::nullopt;
    }
    if (!s.empty()) return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    // Nanoseconds since the epoch fit int64 only for 1677..2262; a time
    // outside that is not representable and counts as unparsable.
    int64_t ns;
    if (__builtin_mul_overflow(int64_t(t) - off, int64_t(1000000000), &ns) || __builtin_add_overflow(ns, frac, &ns))
        return std::nullopt;
    return ns;
}

std::string human_duration(int64_t ns) {
    int64_t secs = ns / 1000000000;
    if (secs < 1) return "Less than a second";
    if (secs == 1) return "1 second";
    if (secs < 60) return fmt::format("{} seconds", secs);
    int64_t mins = secs / 60;
    if (mins == 1) return "About a minute";
    if (mins < 60) return fmt::format("{} minutes", mins);
    int64_t hours = mins / 60;
    if (hours == 1) return "About an hour";
    if (hours < 48) return fmt::format("{} hours", hours);
    if (hours < 24 * 7 * 2) return fmt::format("{} days", hours / 24);
    if (hours < 24 * 30 * 2) return fmt::format("{} weeks", hours / 24 / 7);
    if (hours < 24 * 365 * 2) return fmt::format("{} months", hours / 24 / 30);
    return fmt::format("{} years", hours / 24 / 365);
}

std::optional<int64_t> parse_go_duration(std::string_view s) {
    if (s == "0") return 0;
    if (s.empty()) return std::nullopt;
    int64_t total = 0;
    while (!s.empty()) {
        size_t i = 0;
        while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
        if (i == 0) return std::nullopt;
        double v = std::stod(std::string(s.substr(0, i)));
        s.remove_prefix(i);
        size_t j = 0;
        while (j < s.size() && std::isalpha(static_cast<unsigned char>(s[j]))) ++j;
        std::string_view unit = s.substr(0, j);
        s.remove_prefix(j);
        double mult;
        if (unit == "ns") mult = 1;
        else if (unit == "us" || unit == "µs") mult = 1e3;
        else if (unit == "ms") mult = 1e6;
        else if (unit == "s") mult = 1e9;
        else if (unit == "m") mult = 60e9;
        else if (unit == "h") mult = 3600e9;
        else return std::nullopt;
        total += static_cast<int64_t>(v * mult);
    }
    return total;
}

std::optional<int64_t> parse_time_or_duration(std::string_view s, int64_t now) {
    if (auto t = parse_rfc3339(s)) return t;
    // Date only: "2026-11-23" means midnight UTC.
    if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
        if (auto t = parse_rfc3339(std::string(s) + "T00:00:00Z")) return t;
    }
    bool numeric = !s.empty();
    for (char c : s) numeric = numeric && (std::isdigit(static_cast<unsigned char>(c)) || c == '.');
    if (numeric) {
        double v = std::stod(std::string(s));
        return static_cast<int64_t>(v * 1e9);
    }
    if (auto d = parse_go_duration(s)) return now - *d;
    return std::nullopt;
}

}  // namespace conman
