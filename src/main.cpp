// conman's entry point: global flags, the command table, and the one place
// where errors become "conman: <message>" on stderr and an exit code.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <set>

#include "conman/cli.hpp"
#include "conman/error.hpp"
#include "conman_config.h"

using namespace conman;

namespace {

constexpr cli::Register kCommands[] = {
    cli::register_create, cli::register_run,    cli::register_start, cli::register_ps,
    cli::register_inspect, cli::register_logs,  cli::register_stop,  cli::register_kill,
    cli::register_rm,     cli::register_wait,   cli::register_rename, cli::register_version,
    cli::register_info,   cli::register_container, cli::register_attach, cli::register_exec,
    cli::register_pull,   cli::register_images, cli::register_rmi,   cli::register_tag,
    cli::register_untag,  cli::register_image,  cli::register_login, cli::register_logout,
    cli::register_push,   cli::register_load,   cli::register_save,  cli::register_import,
    cli::register_export, cli::register_commit, cli::register_cp,    cli::register_mount,
    cli::register_umount, cli::register_history, cli::register_system,
    cli::register_stats,  cli::register_top,    cli::register_pause, cli::register_unpause,
    cli::register_update, cli::register_events,
    cli::register_generate,
    cli::register_volume,
    cli::register_network, cli::register_port,
};

// The first word that is not a global option or its value, if any.
std::string first_command_word(int argc, char** argv) {
    static const std::set<std::string> with_value = {"--root", "--runroot", "--runtime", "--shim-path", "--log-level", "--storage-driver"};
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--") return i + 1 < argc ? argv[i + 1] : "";
        if (a.empty() || a[0] != '-') return a;
        if (with_value.count(a)) ++i;
    }
    return "";
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    cli::State st;
    st.argv.assign(argv, argv + argc);
    CLI::App app{"conman: a daemonless container manager", "conman"};
    app.require_subcommand(1);
    app.set_version_flag("-v,--version", std::string("conman version ") + CONMAN_VERSION);
    app.add_option("--root", st.global.root, "Persistent state directory");
    app.add_option("--runroot", st.global.runroot, "Volatile state directory (sockets, locks)");
    app.add_option("--runtime", st.global.runtime, "OCI runtime: runc (default), crun or a path");
    app.add_option("--shim-path", st.global.shim_path, "Path to conman-shim");
    app.add_option("--storage-driver", st.global.storage_driver,
                   "Storage driver for new containers' image rootfs: overlay or vfs (default: overlay when it works)");
    app.add_option("--log-level", st.global.log_level, "Log level: error, warn, info, debug")
        ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
    for (auto reg : kCommands) reg(app, st);
    std::string word = first_command_word(argc, argv);
    auto subs = app.get_subcommands([&](const CLI::App* s) { return s->check_name(word); });
    if (!word.empty() && subs.empty()) {
        std::cerr << "conman: unrecognized command `conman " << word << "`: see 'conman --help'\n";
        return 125;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::fflush(stdout);
        std::string msg = e.what();
        std::cerr << "conman: " << msg << "\n";
        return 125;
    } catch (const Error& e) {
        std::fflush(stdout);
        std::cerr << "conman: " << e.what() << "\n";
        return e.exit_code();
    } catch (const std::exception& e) {
        std::fflush(stdout);
        std::cerr << "conman: " << e.what() << "\n";
        return 125;
    }
    return st.exit_code;
}
