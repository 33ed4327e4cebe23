// conman::Template: the subset of Go's text/template that podman's --format
// uses, evaluated against JSON data. A Template owns its parsed syntax tree,
// which is immutable and shared between copies; it keeps no reference to the
// format text or to the data it renders.
//
// Errors (parse and execution) are conman::Error of kind Usage with a
// one-line message "template: <problem>".
#pragma once
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace conman {

namespace tmpl {
struct Node;
}

// Maps a field name ("ID", "CreatedAt") to a table header ("CONTAINER ID").
// Returning "" selects default_header(field).
using HeaderFn = std::function<std::string(std::string_view field)>;

class Template {
public:
    // Parses `text`; throws Error(Usage) on a syntax error, an undefined
    // function or an undefined variable.
    static Template parse(std::string_view text);

    // Executes the template with `data` as both "." and "$".
    std::string render(const nlohmann::json& data) const;

    // Renders the template as a table header: text is copied, every action
    // that names a field (.ID, .A.B, json .X, upper .Names) becomes
    // header_for(last field name). Control blocks contribute their first
    // branch once; actions without a field print nothing.
    std::string render_header(const HeaderFn& header_for) const;

private:
    explicit Template(std::shared_ptr<const std::vector<tmpl::Node>> root);
    std::shared_ptr<const std::vector<tmpl::Node>> root_;
};

// True for podman's "table" directive: "table" alone or "table <format>".
bool is_table(std::string_view fmt);

// Removes the leading "table" directive and the blanks after it; returns any
// other format unchanged.
std::string strip_table(std::string_view fmt);

// Turns the two-character sequences \t and \n that users type in --format
// into a tab and a newline. Text inside {{ }} is left alone, so string
// literals keep Go's own escape handling.
std::string unescape_format(std::string_view fmt);

// Podman's default header for a field: camel case split into words and
// upper-cased. "CreatedAt" -> "CREATED AT", "IPAddress" -> "IP ADDRESS".
std::string default_header(std::string_view field);

// Template::parse(strip_table(fmt)).render_header(header_for).
std::string render_header(std::string_view fmt, const HeaderFn& header_for);

}  // namespace conman
