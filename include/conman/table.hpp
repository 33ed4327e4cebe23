// conman::Table: aligns rows of cells into columns the way Go's
// text/tabwriter does with podman's report settings (minwidth 12, padding 2,
// padchar ' ', no flags). A Table owns copies of its cells; render() leaves
// it unchanged, so it can be rendered again after more rows are added.
//
// As in tabwriter, every cell of a row except the last is a column cell,
// padded to the column's width; the last cell is written as is. A column
// spans consecutive rows that have a cell in it, so a row with fewer cells
// starts a new alignment block. Widths count UTF-8 code points.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace conman {

struct TableOptions {
    size_t min_width = 12;  // podman's report.NewWriterDefault
    size_t padding = 2;
};

class Table {
public:
    Table() = default;
    explicit Table(TableOptions opt) : opt_(opt) {}

    void add_row(std::vector<std::string> cells);
    // tabwriter input: '\n' ends a row, '\t' ends a cell. A trailing newline
    // does not add an empty row.
    void add_text(std::string_view text);

    // Every row ends with '\n'.
    std::string render() const;
    bool empty() const { return rows_.empty(); }

private:
    void format(size_t line0, size_t line1, std::vector<size_t>& widths, std::string& out) const;
    void write_lines(size_t line0, size_t line1, const std::vector<size_t>& widths, std::string& out) const;

    TableOptions opt_;
    std::vector<std::vector<std::string>> rows_;
};

// Splits one rendered line at '\t' into cells: "a\tb" -> {"a", "b"}.
std::vector<std::string> split_tabbed(std::string_view line);

// Display width used for alignment: the number of UTF-8 code points.
size_t display_width(std::string_view s);

}  // namespace conman
