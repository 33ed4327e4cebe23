// conman version: client version details (podman's layout).
#include <fmt/format.h>
#include <iostream>
#include <sys/utsname.h>

#include "conman/cli.hpp"
#include "conman/template.hpp"
#include "conman_config.h"

namespace conman::cli {

namespace {
std::string go_arch() {
    utsname u{};
    uname(&u);
    std::string m = u.machine;
    if (m == "x86_64") return "amd64";
    if (m == "aarch64") return "arm64";
    return m;
}
}  // namespace

CLI::App* register_version(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("version", "Show version information");
    auto format = std::make_shared<std::string>();
    cmd->add_option("-f,--format", *format, "Go template or json");
    cmd->callback([format, &st] {
        (void)st;
        nlohmann::json v = {
            {"Version", CONMAN_VERSION}, {"APIVersion", CONMAN_VERSION}, {"GoVersion", ""},
            {"Compiler", fmt::format("g++ {}", __VERSION__)}, {"Built", 0},
            {"BuiltTime", __DATE__ " " __TIME__}, {"OsArch", "linux/" + go_arch()}, {"Os", "linux"},
        };
        if (*format == "json") {
            std::cout << nlohmann::json{{"Client", v}}.dump(4) << "\n";
        } else if (!format->empty()) {
            std::cout << Template::parse(unescape_format(*format)).render(nlohmann::json{{"Client", v}}) << "\n";
        } else {
            std::cout << fmt::format("Version:      {}\nAPI Version:  {}\nCompiler:     {}\nBuilt:        {}\nOS/Arch:      {}\n",
                                     CONMAN_VERSION, CONMAN_VERSION, v["Compiler"].get<std::string>(),
                                     v["BuiltTime"].get<std::string>(), v["OsArch"].get<std::string>());
        }
    });
    return cmd;
}

}  // namespace conman::cli
