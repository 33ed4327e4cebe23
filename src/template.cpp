// Public face of the template engine, plus podman's --format conventions:
// the "table" directive, headers and typed-in \t / \n.
#include "conman/template.hpp"

#include "template_ast.hpp"

namespace conman {

using tmpl::Expr;
using tmpl::Node;
using tmpl::Pipeline;

Template::Template(std::shared_ptr<const std::vector<Node>> root) : root_(std::move(root)) {}

Template Template::parse(std::string_view text) { return Template(tmpl::parse_tree(text)); }

std::string Template::render(const nlohmann::json& data) const {
    std::string out;
    tmpl::execute(*root_, data, out);
    return out;
}

namespace {

// The field an action shows: the last name of the first field chain in it.
std::string field_of(const Pipeline& p) {
    for (const auto& cmd : p.cmds)
        for (const Expr& e : cmd.args) {
            if (!e.chain.empty()) return e.chain.back();
            if (e.kind == Expr::Paren) {
                std::string f = field_of(*e.pipe);
                if (!f.empty()) return f;
            }
        }
    return "";
}

void header_list(const std::vector<Node>& list, const HeaderFn& header_for, std::string& out) {
    for (const Node& n : list) {
        switch (n.kind) {
        case Node::Text: out += n.text; break;
        case Node::Action: {
            if (!n.pipe.decl.empty()) break;
            std::string field = field_of(n.pipe);
            if (field.empty()) break;
            std::string h = header_for ? header_for(field) : std::string();
            out += h.empty() ? default_header(field) : h;
            break;
        }
        case Node::If:
        case Node::With:
        case Node::Range: header_list(n.body, header_for, out); break;
        case Node::Break:
        case Node::Continue: break;
        }
    }
}

}  // namespace

std::string Template::render_header(const HeaderFn& header_for) const {
    std::string out;
    header_list(*root_, header_for, out);
    return out;
}

bool is_table(std::string_view fmt) {
    if (!fmt.starts_with("table")) return false;
    return fmt.size() == 5 || fmt[5] == ' ' || fmt[5] == '\t' || fmt[5] == '\n';
}

std::string strip_table(std::string_view fmt) {
    if (!is_table(fmt)) return std::string(fmt);
    fmt.remove_prefix(5);
    while (!fmt.empty() && fmt.front() == ' ') fmt.remove_prefix(1);
    return std::string(fmt);
}

std::string unescape_format(std::string_view fmt) {
    std::string out;
    out.reserve(fmt.size());
    for (size_t i = 0; i < fmt.size();) {
        if (fmt.substr(i, 2) == "{{") {
            size_t end = fmt.find("}}", i + 2);
            size_t stop = end == std::string_view::npos ? fmt.size() : end + 2;
            out.append(fmt.substr(i, stop - i));
            i = stop;
        } else if (fmt[i] == '\\' && i + 1 < fmt.size() && (fmt[i + 1] == 't' || fmt[i + 1] == 'n')) {
            out += fmt[i + 1] == 't' ? '\t' : '\n';
            i += 2;
        } else {
            out += fmt[i++];
        }
    }
    return out;
}

std::string default_header(std::string_view field) {
    // Split into runs of lower case, upper case, digits and other bytes;
    // an upper-case run followed by a lower-case one gives its last letter
    // to it, so "IPAddress" is "IP" "Address".
    auto cls = [](char c) {
        auto u = static_cast<unsigned char>(c);
        return std::islower(u) ? 0 : std::isupper(u) ? 1 : std::isdigit(u) ? 2 : 3;
    };
    std::vector<std::string> runs;
    std::vector<int> kinds;
    for (char c : field) {
        if (runs.empty() || kinds.back() != cls(c)) {
            runs.emplace_back();
            kinds.push_back(cls(c));
        }
        runs.back() += c;
    }
    for (size_t i = 0; i + 1 < runs.size(); ++i)
        if (kinds[i] == 1 && kinds[i + 1] == 0) {
            runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
            runs[i].pop_back();
        }
    std::string out;
    for (const auto& r : runs) {
        if (r.empty()) continue;
        if (!out.empty()) out += ' ';
        for (char c : r) out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return out;
}

std::string render_header(std::string_view fmt, const HeaderFn& header_for) {
    return Template::parse(strip_table(fmt)).render_header(header_for);
}

}  // namespace conman
