// The k8s-file container log, byte compatible with conmon's:
//   <RFC 3339 nano local time with offset> <stdout|stderr> <F|P> <content>\n
// One timestamp per chunk read from the container. A complete line becomes an
// F record (its own \n is the record terminator); a chunk that ends mid-line
// gives a P (partial) record whose text continues in the next record of the
// same stream. Nothing here owns files: callers pass bytes in and out.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace conman::k8s_log {

// Appends the records for one chunk read at time ts (already formatted with
// format_rfc3339nano) to out. An empty chunk appends nothing.
void append_chunk(std::string& out, std::string_view ts, bool is_stderr, std::string_view chunk);
// Same, formatting ts_ns itself.
std::string format_chunk(int64_t ts_ns, bool is_stderr, std::string_view chunk);

// One parsed record (one line of the file, without its \n).
struct LogRecord {
    int64_t ts_ns = 0;
    std::string ts;         // the timestamp exactly as written
    bool is_stderr = false;
    bool partial = false;   // P tag
    std::string msg;
};
// nullopt when the line is not a k8s-file record.
std::optional<LogRecord> parse_line(std::string_view line);

// One logical line: P records joined with the records of the same stream
// that follow them. ts is the timestamp of the record that completed the line.
struct LogEntry {
    int64_t ts_ns = 0;
    std::string ts;
    bool is_stderr = false;
    std::string text;              // without the trailing newline
    bool ends_with_newline = true; // false for a trailing partial line
};
// Parses a whole log file's content; malformed lines are skipped. A partial
// line with no continuation still yields its text, with ends_with_newline
// false (podman PR 14477).
std::vector<LogEntry> parse(std::string_view content);

}  // namespace conman::k8s_log
