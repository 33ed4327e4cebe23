#include "conman/table.hpp"

#include "conman/template.hpp"

#include <catch2/catch.hpp>

using conman::Table;
using conman::TableOptions;

namespace {
const TableOptions kTight{0, 2};  // tabwriter(minwidth 0, padding 2)
}

TEST_CASE("table: podman defaults pad to max width + 2, at least 12", "[table]") {
    Table t;
    t.add_row({"CONTAINER ID", "IMAGE", "COMMAND", "NAMES"});
    t.add_row({"0123456789ab", "docker.io/library/busybox:latest", "sh", "web"});
    CHECK(t.render() ==
          "CONTAINER ID  IMAGE                             COMMAND     NAMES\n"
          "0123456789ab  docker.io/library/busybox:latest  sh          web\n");
}

TEST_CASE("table: the last cell of a row is not padded", "[table]") {
    Table t(kTight);
    t.add_row({"a", "b"});
    t.add_row({"cc", "a much longer last cell"});
    CHECK(t.render() == "a   b\ncc  a much longer last cell\n");
}

TEST_CASE("table: widths count UTF-8 code points", "[table]") {
    Table t(kTight);
    t.add_row({"h\xc3\xa9llo", "x"});        // héllo: 5 code points, 6 bytes
    t.add_row({"ab", "y"});
    t.add_row({"\xe6\x97\xa5\xe6\x9c\xac", "z"});  // 日本: 2 code points, 6 bytes
    CHECK(t.render() ==
          "h\xc3\xa9llo  x\n"
          "ab     y\n"
          "\xe6\x97\xa5\xe6\x9c\xac     z\n");
    CHECK(conman::display_width("h\xc3\xa9llo") == 5);
    CHECK(conman::display_width("") == 0);
}

TEST_CASE("table: empty cells still take their column", "[table]") {
    Table t(kTight);
    t.add_row({"", "x"});
    t.add_row({"yy", "z"});
    CHECK(t.render() == "    x\nyy  z\n");
}

TEST_CASE("table: a row with fewer cells ends a column block, as tabwriter", "[table]") {
    Table t(kTight);
    t.add_text("a\tb\tc\ndd\neee\tf\n");
    CHECK(t.render() == "a  b  c\ndd\neee  f\n");

    Table nested(kTight);
    nested.add_row({"a", "b", "c"});
    nested.add_row({"aaaa", "bb"});
    CHECK(nested.render() == "a     b  c\naaaa  bb\n");
}

TEST_CASE("table: add_text splits rows at newlines and cells at tabs", "[table]") {
    Table a(kTight), b(kTight);
    a.add_text("ID\tNAME\n1\tweb\n");
    b.add_row({"ID", "NAME"});
    b.add_row({"1", "web"});
    CHECK(a.render() == b.render());
    CHECK(a.render() == "ID  NAME\n1   web\n");

    Table c(kTight);
    c.add_text("x\ty");  // no trailing newline: still one row
    CHECK(c.render() == "x  y\n");

    Table empty;
    empty.add_text("");
    CHECK(empty.empty());
    CHECK(empty.render() == "");
}

TEST_CASE("table: render can be repeated and rows added later", "[table]") {
    Table t(kTight);
    t.add_row({"a", "1"});
    CHECK(t.render() == "a  1\n");
    CHECK(t.render() == "a  1\n");
    t.add_row({"bbb", "2"});
    CHECK(t.render() == "a    1\nbbb  2\n");
}

TEST_CASE("table: split_tabbed", "[table]") {
    using V = std::vector<std::string>;
    CHECK(conman::split_tabbed("a\tb\tc") == V{"a", "b", "c"});
    CHECK(conman::split_tabbed("a\tb\n") == V{"a", "b"});
    CHECK(conman::split_tabbed("a\t\t") == V{"a", "", ""});
    CHECK(conman::split_tabbed("plain") == V{"plain"});
    CHECK(conman::split_tabbed("") == V{""});
}

TEST_CASE("table: a table --format end to end", "[table][template]") {
    std::string format = conman::unescape_format(R"(table {{.ID}}\t{{.Image}}\t{{.Names}})");
    REQUIRE(conman::is_table(format));
    auto headers = [](std::string_view f) { return f == "ID" ? std::string("CONTAINER ID") : std::string(); };
    auto row = conman::Template::parse(conman::strip_table(format));

    Table t;
    t.add_text(conman::render_header(format, headers));
    t.add_text(row.render({{"ID", "abc123"}, {"Image", "busybox"}, {"Names", "web"}}));
    t.add_text(row.render({{"ID", "def456"}, {"Image", "quay.io/x/y:1"}, {"Names", "db"}}));
    CHECK(t.render() ==
          "CONTAINER ID  IMAGE          NAMES\n"
          "abc123        busybox        web\n"
          "def456        quay.io/x/y:1  db\n");
}
