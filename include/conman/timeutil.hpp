// Wall-clock helpers: nanosecond timestamps, RFC 3339 with nanoseconds (the
// k8s-file and inspect format) and podman's human durations ("2 minutes ago").
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace conman {

int64_t now_ns();  // CLOCK_REALTIME in nanoseconds
// "2026-11-23T08:19:20.298304783+00:00" in local time with offset (conmon's k8s-file form).
std::string format_rfc3339nano(int64_t ns);
// Parses RFC 3339 (fraction optional, 'Z' or ±HH:MM); nullopt when malformed or
// outside what int64 nanoseconds hold (1677..2262).
std::optional<int64_t> parse_rfc3339(std::string_view s);
// "About a minute", "5 seconds", "2 hours" (Go's units.HumanDuration, as podman prints).
std::string human_duration(int64_t ns);
// A Go duration ("1h30m", "90s", "0") in nanoseconds; nullopt when malformed.
std::optional<int64_t> parse_go_duration(std::string_view s);
// Accepts RFC 3339, a Unix timestamp ("1700000000[.5]") or a Go duration
// relative to now ("10m", "1h30m", "5s") as --since/--until take; nullopt when malformed.
std::optional<int64_t> parse_time_or_duration(std::string_view s, int64_t now);

}  // namespace conman
