#include "conman/template.hpp"

#include "conman/error.hpp"

#include <catch2/catch.hpp>

using conman::Template;
using nlohmann::json;

namespace {

std::string render(std::string_view text, const json& data = json::object()) {
    return Template::parse(text).render(data);
}

// The message of the Error that rendering throws; fails the test otherwise.
std::string error_of(std::string_view text, const json& data = json::object()) {
    try {
        render(text, data);
    } catch (const conman::Error& e) {
        CHECK(e.kind() == conman::ErrorKind::Usage);
        return e.what();
    }
    FAIL("no error for " << text);
    return "";
}

const json kCtr = json::parse(R"({
    "ID": "0123456789abcdef",
    "Names": "web",
    "State": "running",
    "Pid": 4242,
    "Ratio": 0.25,
    "Big": 1000000.0,
    "Up": true,
    "Empty": "",
    "Nothing": null,
    "Ports": [80, 443],
    "Tags": ["a", "b", "c"],
    "Labels": {"app": "web", "tier": "front"},
    "Config": {"Image": "busybox", "Env": ["A=1", "B=2"], "Healthcheck": {"Retries": 3}},
    "Mounts": [],
    "Annotations": {}
})");

}  // namespace

TEST_CASE("template: plain text and fields", "[template]") {
    CHECK(render("hello") == "hello");
    CHECK(render("") == "");
    CHECK(render("{{.ID}}", kCtr) == "0123456789abcdef");
    CHECK(render("{{.Config.Image}}", kCtr) == "busybox");
    CHECK(render("{{.Config.Healthcheck.Retries}}", kCtr) == "3");
    CHECK(render("id={{ .ID }} name={{.Names}}", kCtr) == "id=0123456789abcdef name=web");
    CHECK(render("{{.}}", json("x")) == "x");
    CHECK(render("{{$}}", json(7)) == "7");
    CHECK(render("{{$.Names}}", kCtr) == "web");
}

TEST_CASE("template: field lookup ignores case after an exact miss", "[template]") {
    json d = {{"ID", "upper"}, {"id", "lower"}, {"Image", "img"}};
    CHECK(render("{{.ID}} {{.id}}", d) == "upper lower");
    CHECK(render("{{.Id}}", d) == "upper");  // first case-insensitive match in key order
    CHECK(render("{{.image}} {{.IMAGE}}", d) == "img img");
}

TEST_CASE("template: missing keys and null print <no value>", "[template]") {
    CHECK(render("{{.Missing}}", kCtr) == "<no value>");
    CHECK(render("{{.Missing.Deeper}}", kCtr) == "<no value>");
    CHECK(render("{{.Nothing}}", kCtr) == "<no value>");
    CHECK(render("{{.Labels.none}}", kCtr) == "<no value>");
}

TEST_CASE("template: field on a non-object is an error", "[template]") {
    CHECK(error_of("{{.Names.Foo}}", kCtr) == "template: can't evaluate field Foo in type string");
    CHECK(error_of("{{.Pid.X}}", kCtr) == "template: can't evaluate field X in type int");
    CHECK(error_of("{{.Tags.X}}", kCtr) == "template: can't evaluate field X in type []interface {}");
    CHECK(error_of("{{.Up.X}}", kCtr) == "template: can't evaluate field X in type bool");
}

TEST_CASE("template: printing values like Go's fmt", "[template]") {
    CHECK(render("{{.Pid}}", kCtr) == "4242");
    CHECK(render("{{.Ratio}}", kCtr) == "0.25");
    CHECK(render("{{.Big}}", kCtr) == "1e+06");
    CHECK(render("{{.}}", json(123456.0)) == "123456");
    CHECK(render("{{.}}", json(3.0)) == "3");
    CHECK(render("{{.}}", json(0.00001)) == "1e-05");
    CHECK(render("{{.}}", json(-2.5)) == "-2.5");
    CHECK(render("{{.}}", json(uint64_t{18446744073709551615ULL})) == "18446744073709551615");
    CHECK(render("{{.Up}} {{not .Up}}", kCtr) == "true false");
    CHECK(render("{{.Tags}}", kCtr) == "[a b c]");
    CHECK(render("{{.Ports}}", kCtr) == "[80 443]");
    CHECK(render("{{.Labels}}", kCtr) == "map[app:web tier:front]");
    CHECK(render("{{.Mounts}} {{.Annotations}}", kCtr) == "[] map[]");
    CHECK(render("{{.}}", json::parse(R"({"b":[1,{"c":null}],"a":"x"})")) == "map[a:x b:[1 map[c:<nil>]]]");
}

TEST_CASE("template: trim markers", "[template]") {
    CHECK(render("a  {{- .Names}}", kCtr) == "aweb");
    CHECK(render("{{.Names -}}  \n b", kCtr) == "webb");
    CHECK(render("x \n {{- .Names -}} \t\n y", kCtr) == "xweby");
    CHECK(render("{{- .Names -}}", kCtr) == "web");
    // Without the blank, "-" belongs to a number.
    CHECK(render("{{-3}}") == "-3");
}

TEST_CASE("template: comments", "[template]") {
    CHECK(render("a{{/* nothing */}}b") == "ab");
    CHECK(render("a {{- /* trimmed */ -}} b") == "ab");
    CHECK(render("{{/* multi\nline */}}ok") == "ok");
    CHECK(error_of("{{/* open") == "template: unclosed comment");
    CHECK(error_of("{{/* x */ .ID}}") == "template: comment ends before closing delimiter");
}

TEST_CASE("template: literals", "[template]") {
    CHECK(render(R"({{"a\tb\"c\u00e9\x41"}})") == "a\tb\"c\xc3\xa9" "A");
    CHECK(render("{{`raw\\n`}}") == "raw\\n");
    CHECK(render("{{42}} {{-7}} {{0x1F}} {{1_000}} {{017}} {{0b101}}") == "42 -7 31 1000 15 5");
    CHECK(render("{{1.5}} {{1e3}} {{.5}}") == "1.5 1000 0.5");
    CHECK(render("{{'a'}} {{'\\n'}}") == "97 10");
    CHECK(render("{{true}} {{false}}") == "true false");
    CHECK(error_of("{{\"open}}") == "template: unterminated quoted string");
    CHECK(error_of("{{`open}}") == "template: unterminated raw quoted string");
    CHECK(error_of("{{1x}}") == "template: bad number syntax: 1x");
    CHECK(error_of(R"({{"\q"}})") == "template: invalid escape in quoted string");
}

TEST_CASE("template: variables", "[template]") {
    CHECK(render("{{$x := .Names}}[{{$x}}]", kCtr) == "[web]");
    CHECK(render("{{$x := 1}}{{$x = 2}}{{$x}}") == "2");
    CHECK(render("{{$c := .Config}}{{$c.Image}}", kCtr) == "busybox");
    CHECK(render("{{with .Config}}{{$.Names}}/{{.Image}}{{end}}", kCtr) == "web/busybox");
    // A variable declared in a block ends with the block.
    CHECK(error_of("{{if true}}{{$y := 1}}{{end}}{{$y}}") == "template: undefined variable \"$y\"");
    CHECK(error_of("{{$nope}}") == "template: undefined variable \"$nope\"");
    CHECK(error_of("{{$z = 1}}") == "template: undefined variable \"$z\"");
    CHECK(error_of("{{$a, $b := 1}}") == "template: too many declarations in command");
    // Assignment inside a block updates the outer variable.
    CHECK(render("{{$n := 0}}{{range .Tags}}{{$n = .}}{{end}}{{$n}}", kCtr) == "c");
}

TEST_CASE("template: if / else if / else", "[template]") {
    CHECK(render("{{if .Up}}yes{{end}}", kCtr) == "yes");
    CHECK(render("{{if .Empty}}yes{{else}}no{{end}}", kCtr) == "no");
    CHECK(render("{{if .Nothing}}a{{else if .Missing}}b{{else if .Pid}}c{{else}}d{{end}}", kCtr) == "c");
    CHECK(render("{{if eq .State \"exited\"}}x{{else if eq .State \"running\"}}r{{end}}", kCtr) == "r");
    CHECK(render("{{if $p := .Pid}}{{$p}}{{end}}", kCtr) == "4242");
    SECTION("truthiness as Go") {
        for (const char* f : {"false", "0", "0.0", "\"\"", "null", "[]", "{}"})
            CHECK(render("{{if .}}T{{else}}F{{end}}", json::parse(f)) == "F");
        for (const char* t : {"true", "1", "-1", "0.5", "\"x\"", "[0]", "{\"a\":0}"})
            CHECK(render("{{if .}}T{{else}}F{{end}}", json::parse(t)) == "T");
    }
}

TEST_CASE("template: range", "[template]") {
    CHECK(render("{{range .Tags}}<{{.}}>{{end}}", kCtr) == "<a><b><c>");
    CHECK(render("{{range $i, $t := .Tags}}{{$i}}={{$t}} {{end}}", kCtr) == "0=a 1=b 2=c ");
    CHECK(render("{{range $t := .Tags}}{{$t}}{{end}}", kCtr) == "abc");
    CHECK(render("{{range $k, $v := .Labels}}{{$k}}:{{$v}};{{end}}", kCtr) == "app:web;tier:front;");
    CHECK(render("{{range .Labels}}{{.}},{{end}}", kCtr) == "web,front,");
    CHECK(render("{{range .Mounts}}x{{else}}none{{end}}", kCtr) == "none");
    CHECK(render("{{range .Missing}}x{{else}}none{{end}}", kCtr) == "none");
    CHECK(render("{{range 3}}{{.}}{{end}}") == "012");
    CHECK(render("{{range .Tags}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", kCtr) == "a");
    CHECK(render("{{range .Tags}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", kCtr) == "ac");
    CHECK(render("{{range .Config.Env}}{{$.Names}}:{{.}} {{end}}", kCtr) == "web:A=1 web:B=2 ");
    CHECK(error_of("{{range .Names}}{{end}}", kCtr) == "template: range can't iterate over web");
    CHECK(error_of("{{break}}") == "template: {{break}} outside {{range}}");
}

TEST_CASE("template: with", "[template]") {
    CHECK(render("{{with .Config.Healthcheck}}{{.Retries}}{{end}}", kCtr) == "3");
    CHECK(render("{{with .Missing}}x{{else}}none{{end}}", kCtr) == "none");
    CHECK(render("{{with $h := .Config.Healthcheck}}{{$h.Retries}}{{end}}", kCtr) == "3");
    CHECK(render("{{with .Missing}}a{{else with .Names}}{{.}}{{end}}", kCtr) == "web");
}

TEST_CASE("template: pipelines and parentheses", "[template]") {
    CHECK(render("{{.Names | upper}}", kCtr) == "WEB");
    CHECK(render("{{.Names | printf \"%s-%s\" \"x\"}}", kCtr) == "x-web");
    CHECK(render("{{truncate .ID 12}}", kCtr) == "0123456789ab");
    CHECK(render("{{(index .Config.Env 1)}}", kCtr) == "B=2");
    CHECK(render("{{(index .Config \"Healthcheck\").Retries}}", kCtr) == "3");
    CHECK(render("{{len (split .Names \"e\")}}", kCtr) == "2");
    CHECK(render("{{printf \"%d\" (len .Tags)}}", kCtr) == "3");
}

TEST_CASE("template: functions", "[template]") {
    CHECK(render("{{json .Labels}}", kCtr) == R"({"app":"web","tier":"front"})");
    CHECK(render("{{json .Config.Env}}", kCtr) == R"(["A=1","B=2"])");
    CHECK(render("{{json .}}", json("<a&b>")) == R"("<a&b>")");
    CHECK(render("{{json .}}", json("q\"\\\n\t\x01")) == R"("q\"\\\n\t\u0001")");
    CHECK(render("{{json .}}", json::parse("[1, 2.5, 1e21, 1e-7, true, null, \"\"]")) ==
          R"([1,2.5,1e+21,1e-7,true,null,""])");
    CHECK(render("{{json .Mounts}}{{json .Annotations}}{{json .Missing}}", kCtr) == "[]{}null");

    CHECK(render("{{index .Tags 1}}", kCtr) == "b");
    CHECK(render("{{index .Labels \"tier\"}}", kCtr) == "front");
    CHECK(render("{{index .Labels \"nope\"}}", kCtr) == "<no value>");
    CHECK(render("{{index . \"Config\" \"Env\" 0}}", kCtr) == "A=1");
    CHECK(error_of("{{index .Tags 5}}", kCtr) == "template: index out of range: 5");
    CHECK(error_of("{{index .Pid 0}}", kCtr) == "template: can't index item of type int");

    CHECK(render("{{len .Tags}} {{len .Labels}} {{len .Names}} {{len \"\xc3\xa9\"}}", kCtr) == "3 2 3 2");
    CHECK(error_of("{{len .Pid}}", kCtr) == "template: len of type int");

    CHECK(render("{{join .Tags \", \"}}", kCtr) == "a, b, c");
    CHECK(render("{{join .Ports \"/\"}}", kCtr) == "80/443");
    CHECK(render("{{split \"a:b::c\" \":\"}}") == "[a b  c]");
    CHECK(render("{{split \"h\xc3\xa9\" \"\"}}") == "[h \xc3\xa9]");
    CHECK(render("{{upper \"abC\"}} {{lower \"AbC\"}} {{title \"hello big-world\"}}") == "ABC abc Hello Big-World");
    CHECK(render("{{contains .Names \"e\"}} {{hasPrefix .Names \"w\"}} {{hasSuffix .Names \"x\"}}", kCtr) ==
          "true true false");
    CHECK(render("{{replace \"a-b-c\" \"-\" \"+\"}}") == "a+b+c");
    CHECK(render("{{trim \"  x y \\n\"}}|") == "x y|");
    CHECK(render("{{truncate \"h\xc3\xa9llo\" 2}}") == "h\xc3\xa9");
    CHECK(render("{{truncate \"ab\" 5}}") == "ab");
    CHECK(render("[{{pad \"x\" 1 2}}]") == "[ x  ]");
    CHECK(render("{{table .Names}}x", kCtr) == "x");

    CHECK(render("{{print \"a\" 1 2 \"b\"}}") == "a1 2b");
    CHECK(render("{{println \"a\" 1}}") == "a 1\n");
}

TEST_CASE("template: comparisons and logic", "[template]") {
    CHECK(render("{{eq .Pid 4242}} {{eq .Names \"web\" \"db\"}} {{eq .Names \"x\" \"y\"}}", kCtr) ==
          "true true false");
    CHECK(render("{{ne .State \"running\"}} {{eq .Ratio 0.25}} {{eq 1 1.0}}", kCtr) == "false true true");
    CHECK(render("{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1.5 2}}") == "true true true false");
    CHECK(render("{{eq .Missing \"x\"}} {{eq .Missing .Nothing}}", kCtr) == "false true");
    CHECK(error_of("{{eq 1 \"1\"}}") == "template: incompatible types for comparison");
    CHECK(error_of("{{lt true false}}") == "template: invalid type for comparison");
    CHECK(error_of("{{eq .Tags .Tags}}", kCtr) == "template: non-comparable type []interface {}");

    CHECK(render("{{and 1 0 2}} {{and 1 2}} {{or 0 \"\" \"x\"}} {{or 0 \"\"}}") == "0 2 x ");
    CHECK(render("{{not 0}} {{not \"x\"}}") == "true false");
    // and/or stop evaluating at the deciding argument.
    CHECK(render("{{or .Up (index .Tags 99)}}", kCtr) == "true");
    CHECK(render("{{and .Empty (index .Tags 99)}}|", kCtr) == "|");
}

TEST_CASE("template: printf verbs", "[template]") {
    auto pf = [](std::string_view args, const json& d = json::object()) {
        return render("{{printf " + std::string(args) + "}}", d);
    };
    CHECK(pf(R"("%s|%d|%v|%t" "a" 42 1.5 true)") == "a|42|1.5|true");
    CHECK(pf(R"("%q" "a\"b")") == R"("a\"b")");
    CHECK(pf(R"("%x %X %x" 255 255 "hi")") == "ff FF 6869");
    CHECK(pf(R"("[%5s][%-10s][%-3d][%05d]" "ab" "cd" 7 -42)") == "[   ab][cd        ][7  ][-0042]");
    CHECK(pf(R"("%.2f %8.3f %e %g" 3.14159 2.5 1234.5 0.000012)") == "3.14    2.500 1.234500e+03 1.2e-05");
    CHECK(pf(R"("%+d %+.1f %x %o %b %c %U" 5 2.0 -255 8 5 9731 65)") == "+5 +2.0 -ff 10 101 \xe2\x98\x83 U+0041");
    CHECK(pf(R"("%.3s|%5.1s|" "abcdef" "xyz")") == "abc|    x|");
    CHECK(pf(R"("%v %s" .Tags .Labels)", kCtr) == "[a b c] map[app:web tier:front]");
    CHECK(pf(R"("%3d" .Ports)", kCtr) == "[ 80 443]");
    CHECK(pf(R"("%d%%" 50)") == "50%");
    CHECK(pf(R"("%T %T %T" 1 "s" .Tags)", kCtr) == "int string []interface {}");
    SECTION("Go's in-band errors") {
        CHECK(pf(R"("%d" "x")") == "%!d(string=x)");
        CHECK(pf(R"("%s" 5)") == "%!s(int=5)");
        CHECK(pf(R"("%f" 5)") == "%!f(int=5)");
        CHECK(pf(R"("%d %d" 1)") == "1 %!d(MISSING)");
        CHECK(pf(R"("%d" 1 "x" 2)") == "1%!(EXTRA string=x, int=2)");
        CHECK(pf(R"("%s" .Missing)", kCtr) == "%!s(<nil>)");
        CHECK(pf(R"("%v" .Missing)", kCtr) == "<nil>");
        CHECK(pf(R"("abc%")") == "abc%!(NOVERB)");
        CHECK(pf(R"("%z" 1)") == "%!z(int=1)");
    }
}

TEST_CASE("template: parse errors", "[template]") {
    CHECK(error_of("{{.ID") == "template: unclosed action");
    CHECK(error_of("{{.ID}") == "template: unclosed action");
    CHECK(error_of("{{index .A }x}}") == "template: unexpected \"}\" in operand");
    CHECK(error_of("{{nosuch .ID}}") == "template: function \"nosuch\" not defined");
    CHECK(error_of("{{}}") == "template: missing value for command");
    CHECK(error_of("{{if .A}}x") == "template: unexpected EOF");
    CHECK(error_of("{{end}}") == "template: unexpected {{end}}");
    CHECK(error_of("{{else}}") == "template: unexpected {{else}}");
    CHECK(error_of("{{if 1}}{{else}}{{else}}{{end}}") == "template: expected end; found {{else}}");
    CHECK(error_of("{{(.A}}") == "template: unclosed left paren");
    CHECK(error_of("{{.A)}}") == "template: unexpected right paren");
    CHECK(error_of("{{.A |}}") == "template: missing command after |");
    CHECK(error_of("{{.A | \"x\"}}") == "template: non executable command in pipeline stage 2");
    CHECK(error_of("{{\"x\".Foo}}") == "template: unexpected . after term \"\\\"x\\\"\"");
    CHECK(error_of("{{define \"x\"}}{{end}}") == "template: {{define}} is not supported");
    CHECK(error_of("{{.A#}}") == "template: bad character '#'");
    CHECK(error_of("{{end x}}") == "template: unexpected \"x\" in end");
}

TEST_CASE("template: nesting is bounded instead of overflowing the stack", "[template]") {
    // Found by fuzzing: 100000 "(" or {{if}} blocks crashed the parser.
    auto parens = [](int n) { return "{{" + std::string(n, '(') + "1" + std::string(n, ')') + "}}"; };
    CHECK(render(parens(1000)) == "1");
    CHECK(error_of(parens(1001)) == "template: nested more than 1000 levels deep");
    CHECK(error_of(parens(100000)) == "template: nested more than 1000 levels deep");
    std::string ifs;
    for (int i = 0; i < 1000; ++i) ifs += "{{if 1}}";
    ifs += "x";
    for (int i = 0; i < 1000; ++i) ifs += "{{end}}";
    CHECK(render(ifs) == "x");
    CHECK(error_of("{{with 1}}" + ifs + "{{end}}") == "template: nested more than 1000 levels deep");
}

TEST_CASE("template: runaway execution stops with an error", "[template]") {
    // Found by fuzzing: each ran past libFuzzer's 5-second timeout or its memory limit.
    CHECK(error_of("{{range 100000000}}{{end}}") == "template: execution took more than 1000000 steps");
    std::string nested;
    for (int i = 0; i < 14; ++i) nested += "{{range $.Tags}}";
    nested += "x";
    for (int i = 0; i < 14; ++i) nested += "{{end}}";
    CHECK(error_of(nested, kCtr) == "template: execution took more than 1000000 steps");
    std::string doubling = R"({{$a := "xy"}})";
    for (int i = 0; i < 30; ++i) doubling += R"({{$a = printf "%s%s" $a $a}})";
    CHECK(error_of(doubling) == "template: printf: result larger than 67108864 bytes");
    CHECK(error_of(R"({{replace (printf "%1000000s" "") "" "0123456789012345678901234567890123456789012345678901234567890123456789"}})") ==
          "template: replace: result larger than 67108864 bytes");
    CHECK(error_of(R"({{printf "%9999999v" (split (printf "%100s" "") "")}})") ==
          "template: printf: result larger than 67108864 bytes");
    CHECK(render("{{range 100000}}{{end}}x") == "x");
    CHECK(render(R"({{len (printf "%9999999s" "")}})") == "9999999");
}

TEST_CASE("template: execution errors", "[template]") {
    CHECK(error_of("{{.Names 1}}", kCtr) == "template: can't give argument to non-function .Names");
    CHECK(error_of("{{nil}}") == "template: nil is not a command");
    CHECK(error_of("{{upper 1}}") == "template: upper: wrong type for value; expected string; got int");
    CHECK(error_of("{{upper \"a\" \"b\"}}") == "template: wrong number of args for upper: want 1 got 2");
    CHECK(error_of("{{join .Names \",\"}}", kCtr) ==
          "template: join: wrong type for value; expected []string; got string");
    CHECK(error_of("{{truncate .Names \"x\"}}", kCtr) ==
          "template: truncate: wrong type for value; expected int; got string");
    CHECK(error_of("{{.ID | truncate 12}}", kCtr) ==
          "template: truncate: wrong type for value; expected string; got int");
}

TEST_CASE("template: a parsed template renders many times", "[template]") {
    Template t = Template::parse("{{.Names}}:{{.State}}");
    Template copy = t;
    CHECK(t.render(kCtr) == "web:running");
    CHECK(copy.render(json{{"Names", "db"}, {"State", "exited"}}) == "db:exited");
}

TEST_CASE("template: table directive", "[template]") {
    CHECK(conman::is_table("table {{.ID}}"));
    CHECK(conman::is_table("table"));
    CHECK_FALSE(conman::is_table("{{.ID}}"));
    CHECK_FALSE(conman::is_table("tablefoo"));
    CHECK_FALSE(conman::is_table("json"));
    CHECK(conman::strip_table("table   {{.ID}}\t{{.Names}}") == "{{.ID}}\t{{.Names}}");
    CHECK(conman::strip_table("table") == "");
    CHECK(conman::strip_table("{{.ID}}") == "{{.ID}}");
}

TEST_CASE("template: headers", "[template]") {
    auto ps = [](std::string_view f) -> std::string {
        if (f == "ID") return "CONTAINER ID";
        if (f == "Image") return "IMAGE";
        return "";
    };
    CHECK(conman::render_header("table {{.ID}}\t{{.Image}}\t{{.Names}}", ps) == "CONTAINER ID\tIMAGE\tNAMES");
    CHECK(conman::render_header("{{.Config.Image}} {{json .Labels}} {{upper .CreatedAt}}", ps) ==
          "IMAGE LABELS CREATED AT");
    CHECK(conman::render_header("{{.Names | printf \"%s\"}}|{{\"lit\"}}|{{$x := .A}}", nullptr) == "NAMES||");
    CHECK(conman::render_header("{{if .A}}{{.RunningFor}}{{else}}{{.B}}{{end}}", nullptr) == "RUNNING FOR");
    CHECK(conman::render_header("{{range .Mounts}}{{.Destination}}{{end}}", nullptr) == "DESTINATION");
    CHECK(conman::render_header("{{(index .Labels \"x\").Value}}", nullptr) == "VALUE");

    CHECK(conman::default_header("ID") == "ID");
    CHECK(conman::default_header("CreatedAt") == "CREATED AT");
    CHECK(conman::default_header("IPAddress") == "IP ADDRESS");
    CHECK(conman::default_header("PodName") == "POD NAME");
    CHECK(conman::default_header("Names") == "NAMES");
    CHECK(conman::default_header("GL11Version") == "GL 11 VERSION");
}

TEST_CASE("template: unescape_format", "[template]") {
    CHECK(conman::unescape_format(R"({{.ID}}\t{{.Names}}\n)") == "{{.ID}}\t{{.Names}}\n");
    CHECK(conman::unescape_format(R"(a\\b\x)") == R"(a\\b\x)");
    // Inside actions Go's own string escapes apply.
    CHECK(conman::unescape_format(R"({{printf "%s\t" .ID}}\t)") == "{{printf \"%s\\t\" .ID}}\t");
    CHECK(render(conman::unescape_format(R"({{"a\tb"}}\t.)")) == "a\tb\t.");
}
