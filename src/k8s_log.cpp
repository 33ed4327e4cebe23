#include "conman/k8s_log.hpp"

#include "conman/timeutil.hpp"

namespace conman::k8s_log {

namespace {

void append_record(std::string& out, std::string_view ts, std::string_view stream, char tag,
                   std::string_view text) {
    out.append(ts);
    out.push_back(' ');
    out.append(stream);
    out.push_back(' ');
    out.push_back(tag);
    out.push_back(' ');
    out.append(text);
    out.push_back('\n');
}

// Takes the next space-separated field off the front of s.
std::optional<std::string_view> take_field(std::string_view& s) {
    auto sp = s.find(' ');
    if (sp == std::string_view::npos) return std::nullopt;
    auto field = s.substr(0, sp);
    s.remove_prefix(sp + 1);
    return field;
}

}  // namespace

void append_chunk(std::string& out, std::string_view ts, bool is_stderr, std::string_view chunk) {
    std::string_view stream = is_stderr ? "stderr" : "stdout";
    while (!chunk.empty()) {
        auto nl = chunk.find('\n');
        if (nl == std::string_view::npos) {
            append_record(out, ts, stream, 'P', chunk);
            return;
        }
        append_record(out, ts, stream, 'F', chunk.substr(0, nl));
        chunk.remove_prefix(nl + 1);
    }
}

std::string format_chunk(int64_t ts_ns, bool is_stderr, std::string_view chunk) {
    std::string out;
    if (!chunk.empty()) append_chunk(out, format_rfc3339nano(ts_ns), is_stderr, chunk);
    return out;
}

std::optional<LogRecord> parse_line(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    auto ts = take_field(line);
    auto stream = take_field(line);
    if (!ts || !stream) return std::nullopt;
    // The tag may be the last field when the content is empty and the
    // trailing space was lost; accept both "F " and "F".
    std::string_view tag = line.substr(0, 1);
    if (line.size() > 1 && line[1] != ' ') return std::nullopt;
    std::string_view msg = line.size() > 1 ? line.substr(2) : std::string_view{};
    LogRecord r;
    if (*stream == "stdout") r.is_stderr = false;
    else if (*stream == "stderr") r.is_stderr = true;
    else return std::nullopt;
    if (tag == "F") r.partial = false;
    else if (tag == "P") r.partial = true;
    else return std::nullopt;
    auto ns = parse_rfc3339(*ts);
    if (!ns) return std::nullopt;
    r.ts_ns = *ns;
    r.ts = std::string(*ts);
    r.msg = std::string(msg);
    return r;
}

std::vector<LogEntry> parse(std::string_view content) {
    std::vector<LogEntry> out;
    // Per stream: text gathered from P records so far, and whether any was seen.
    std::string pending[2];
    bool has_pending[2] = {false, false};
    LogRecord last_partial[2];
    while (!content.empty()) {
        auto nl = content.find('\n');
        std::string_view line = content.substr(0, nl);
        content.remove_prefix(nl == std::string_view::npos ? content.size() : nl + 1);
        auto rec = parse_line(line);
        if (!rec) continue;
        int s = rec->is_stderr ? 1 : 0;
        if (rec->partial) {
            pending[s] += rec->msg;
            has_pending[s] = true;
            last_partial[s] = std::move(*rec);
            continue;
        }
        std::string text = has_pending[s] ? std::move(pending[s]) + rec->msg : std::move(rec->msg);
        pending[s].clear();
        has_pending[s] = false;
        out.push_back(LogEntry{rec->ts_ns, std::move(rec->ts), rec->is_stderr, std::move(text), true});
    }
    // Unfinished lines, oldest first; their text is kept, no newline invented.
    int order[2] = {0, 1};
    if (has_pending[0] && has_pending[1] && last_partial[1].ts_ns < last_partial[0].ts_ns) std::swap(order[0], order[1]);
    for (int s : order) {
        if (!has_pending[s]) continue;
        auto& r = last_partial[s];
        out.push_back(LogEntry{r.ts_ns, std::move(r.ts), r.is_stderr, std::move(pending[s]), false});
    }
    return out;
}

}  // namespace conman::k8s_log
