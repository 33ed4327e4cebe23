// --change instructions (import, commit): parsing and applying to a config.
#include <catch2/catch.hpp>

#include "conman/error.hpp"
#include "conman/image_change.hpp"

using namespace conman;
using json = nlohmann::json;
using K = ConfigChange::Kind;
using Strings = std::vector<std::string>;
using Pairs = std::vector<std::pair<std::string, std::string>>;

namespace {

std::string error_of(const std::string& s) {
    try {
        parse_config_change(s);
    } catch (const Error& e) {
        CHECK(e.kind() == ErrorKind::Usage);
        return e.what();
    }
    return "";
}

json applied(json cfg, const Strings& changes) {
    apply_config_changes(cfg, parse_config_changes(changes));
    return cfg;
}

}  // namespace

TEST_CASE("CMD and ENTRYPOINT: exec form, shell form, empty") {
    auto c = parse_config_change(R"(CMD ["/bin/echo", "hi there"])");
    CHECK(c.kind == K::Cmd);
    CHECK(c.values == Strings{"/bin/echo", "hi there"});
    c = parse_config_change("ENTRYPOINT top -b");
    CHECK(c.kind == K::Entrypoint);
    CHECK(c.values == Strings{"/bin/sh", "-c", "top -b"});
    CHECK(parse_config_change("CMD").values.empty());
    CHECK(parse_config_change("cmd []").values.empty());
    CHECK(parse_config_change("Cmd=/bin/true").values == Strings{"/bin/sh", "-c", "/bin/true"});
    CHECK(parse_config_change("CMD=echo a b").values == Strings{"/bin/sh", "-c", "echo a b"});
    CHECK(parse_config_change("  CMD\t[\"x\"]  ").values == Strings{"x"});
    CHECK(error_of(R"(CMD ["a", 1])").find("strings only") != std::string::npos);
    CHECK(error_of(R"(CMD ["a")").find("not a valid JSON array") != std::string::npos);
}

TEST_CASE("ENV and LABEL: KEY=VALUE words with quotes, or KEY VALUE") {
    auto c = parse_config_change(R"(ENV A=1 B="two words" C='it''s' D=a\ b E=)");
    CHECK(c.kind == K::Env);
    CHECK(c.pairs == Pairs{{"A", "1"}, {"B", "two words"}, {"C", "its"}, {"D", "a b"}, {"E", ""}});
    CHECK(parse_config_change("ENV GREETING hello  world").pairs == Pairs{{"GREETING", "hello  world"}});
    CHECK(parse_config_change(R"(LABEL org.example.v="1.0" maintainer=me)").pairs ==
          Pairs{{"org.example.v", "1.0"}, {"maintainer", "me"}});
    CHECK(parse_config_change("LABEL=a=b").pairs == Pairs{{"a", "b"}});
    CHECK(error_of("ENV A").find("KEY=VALUE or KEY VALUE") != std::string::npos);
    CHECK(error_of("ENV A=1 B").find("\"B\" is not KEY=VALUE") != std::string::npos);
    CHECK(error_of("ENV =x").find("key is empty") != std::string::npos);
    CHECK(error_of(R"(LABEL a="open)").find("unterminated") != std::string::npos);
}

TEST_CASE("EXPOSE, VOLUME, STOPSIGNAL, USER, WORKDIR, ONBUILD") {
    CHECK(parse_config_change("EXPOSE 80 53/udp 8080/TCP").values == Strings{"80/tcp", "53/udp", "8080/tcp"});
    CHECK(error_of("EXPOSE 70000").find("not a port") != std::string::npos);
    CHECK(error_of("EXPOSE 80/icmp").find("unknown protocol") != std::string::npos);
    CHECK(error_of("EXPOSE http").find("not a port") != std::string::npos);
    CHECK(parse_config_change(R"(VOLUME ["/data", "/logs"])").values == Strings{"/data", "/logs"});
    CHECK(parse_config_change("VOLUME /a /b").values == Strings{"/a", "/b"});
    CHECK(parse_config_change("STOPSIGNAL SIGINT").values == Strings{"SIGINT"});
    CHECK(parse_config_change("STOPSIGNAL 9").values == Strings{"9"});
    CHECK(error_of("STOPSIGNAL SIGNOPE").find("not a signal") != std::string::npos);
    CHECK(parse_config_change("USER 1000:1000").values == Strings{"1000:1000"});
    CHECK(parse_config_change("WORKDIR /srv/app").values == Strings{"/srv/app"});
    CHECK(parse_config_change("ONBUILD RUN make").values == Strings{"RUN make"});
}

TEST_CASE("unknown instructions and missing values are refused with the text") {
    CHECK(error_of("RUN make").find("invalid change \"RUN make\": unknown instruction RUN") != std::string::npos);
    CHECK(error_of("").find("expected an instruction") != std::string::npos);
    CHECK(error_of("USER").find("USER needs a value") != std::string::npos);
    CHECK(error_of("WORKDIR   ").find("needs a value") != std::string::npos);
    CHECK(error_of("CMD:x").find("expected INSTRUCTION VALUE") != std::string::npos);
    CHECK(error_of("42").find("expected an instruction") != std::string::npos);
}

TEST_CASE("split_quoted_words") {
    CHECK(split_quoted_words(R"(a "b c" 'd "e"' f\"g "h\"i")") == Strings{"a", "b c", "d \"e\"", "f\"g", "h\"i"});
    CHECK(split_quoted_words("  ").empty());
    CHECK(split_quoted_words(R"("")") == Strings{""});
}

TEST_CASE("changes apply to the config object in order") {
    json base = json::parse(R"({"architecture":"amd64","config":{"Env":["PATH=/bin","A=old"],"Cmd":["sh"],
        "Labels":{"keep":"1"},"WorkingDir":"/srv"}})");
    json out = applied(base, {"ENV A=new B=2", "CMD [\"echo\",\"x\"]", "ENTRYPOINT", "LABEL x=y", "EXPOSE 80",
                              "EXPOSE 53/udp", "VOLUME /data", "WORKDIR app", "WORKDIR ../lib/./x", "USER nobody",
                              "STOPSIGNAL SIGINT", "ONBUILD RUN a", "ONBUILD RUN b"});
    const json& c = out["config"];
    CHECK(out["architecture"] == "amd64");  // other fields stay
    CHECK(c["Env"] == json({"PATH=/bin", "A=new", "B=2"}));
    CHECK(c["Cmd"] == json({"echo", "x"}));
    CHECK_FALSE(c.contains("Entrypoint"));
    CHECK(c["Labels"] == json({{"keep", "1"}, {"x", "y"}}));
    CHECK(c["ExposedPorts"] == json({{"80/tcp", json::object()}, {"53/udp", json::object()}}));
    CHECK(c["Volumes"] == json({{"/data", json::object()}}));
    CHECK(c["WorkingDir"] == "/srv/lib/x");
    CHECK(c["User"] == "nobody");
    CHECK(c["StopSignal"] == "SIGINT");
    CHECK(c["OnBuild"] == json({"RUN a", "RUN b"}));
}

TEST_CASE("changes on an empty config create what they need; CMD with nothing removes it") {
    json out = applied(json::object(), {"WORKDIR rel", "ENV K=v"});
    CHECK(out["config"]["WorkingDir"] == "/rel");
    CHECK(out["config"]["Env"] == json({"K=v"}));
    out = applied(json::parse(R"({"config":{"Cmd":["a"],"Entrypoint":["b"]}})"), {"CMD", "ENTRYPOINT []"});
    CHECK(out["config"] == json::object());
    out = applied(json::parse(R"({"config":null})"), {"WORKDIR /"});
    CHECK(out["config"]["WorkingDir"] == "/");
}
