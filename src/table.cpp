#include "conman/table.hpp"

#include <algorithm>

namespace conman {

size_t display_width(std::string_view s) {
    // Count bytes that start a UTF-8 sequence; continuation bytes are 10xxxxxx.
    return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::vector<std::string> split_tabbed(std::string_view line) {
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    std::vector<std::string> cells;
    for (;;) {
        size_t tab = line.find('\t');
        cells.emplace_back(line.substr(0, tab));
        if (tab == std::string_view::npos) break;
        line.remove_prefix(tab + 1);
    }
    return cells;
}

void Table::add_row(std::vector<std::string> cells) {
    if (cells.empty()) cells.emplace_back();
    rows_.push_back(std::move(cells));
}

void Table::add_text(std::string_view text) {
    while (!text.empty()) {
        size_t nl = text.find('\n');
        add_row(split_tabbed(text.substr(0, nl)));
        if (nl == std::string_view::npos) break;
        text.remove_prefix(nl + 1);
    }
}

std::string Table::render() const {
    std::string out;
    std::vector<size_t> widths;
    format(0, rows_.size(), widths, out);
    return out;
}

// tabwriter's algorithm: at column c = widths.size(), each run of
// consecutive rows that have a column cell at c forms a block; its width is
// the widest cell plus padding (at least min_width), and the block is then
// formatted for column c+1. Rows outside any block are written with the
// widths known so far.
void Table::format(size_t line0, size_t line1, std::vector<size_t>& widths, std::string& out) const {
    size_t column = widths.size();
    for (size_t row = line0; row < line1; ++row) {
        if (column + 1 >= rows_[row].size()) continue;
        write_lines(line0, row, widths, out);
        size_t width = opt_.min_width;
        size_t end = row;
        for (; end < line1 && column + 1 < rows_[end].size(); ++end)
            width = std::max(width, display_width(rows_[end][column]) + opt_.padding);
        widths.push_back(width);
        format(row, end, widths, out);
        widths.pop_back();
        line0 = end;
        row = end - 1;
    }
    write_lines(line0, line1, widths, out);
}

void Table::write_lines(size_t line0, size_t line1, const std::vector<size_t>& widths, std::string& out) const {
    for (size_t row = line0; row < line1; ++row) {
        const auto& cells = rows_[row];
        for (size_t j = 0; j < cells.size(); ++j) {
            out += cells[j];
            if (j < widths.size()) {
                size_t w = display_width(cells[j]);
                if (w < widths[j]) out.append(widths[j] - w, ' ');
            }
        }
        out += '\n';
    }
}

}  // namespace conman
