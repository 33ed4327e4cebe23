// The CLI layer: the only code that knows CLI11. Each verb lives in
// src/cmd/VERB.cpp and registers itself through one function listed in
// main.cpp's command table; its callback fills a plain options struct,
// calls one engine function and prints the result.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "conman/context.hpp"
#include "conman/engine.hpp"
#include "conman/image_pull.hpp"
#include "conman/store.hpp"
#include "conman/terminal.hpp"

namespace conman::cli {

struct State {
    GlobalOptions global;
    int exit_code = 0;
    std::vector<std::string> argv;  // the full command line, for CreateCommand
    Context context() const { return make_context(global); }
};

using Register = CLI::App* (*)(CLI::App& parent, State& st);

// Flags shared by create and run (podman's names).
void add_create_flags(CLI::App* cmd, CreateOptions& o, std::vector<std::string>& rest);
// --memory, --cpus, ... (create, run and update).
void add_resource_flags(CLI::App* cmd, ResourceFlags& r);
// Splits the positional words of create/run into target and command.
void finish_create_options(CreateOptions& o, const std::vector<std::string>& rest, const State& st);
// Prints "conman: <message>" for one failed container of a multi-container verb.
void report(State& st, const std::exception& e);
// The containers a multi-container verb acts on: refs as given, or with
// all every container that keep() accepts. verb names the command in the
// error when neither was given.
std::vector<std::string> select_refs(const Store& store, std::vector<std::string> refs, bool all,
                                     bool (*keep)(const Container&), const char* verb);
// --cidfile of stop and rm: adds the ID each file holds to refs (with
// ignore a missing file is skipped; other failures are reported per file).
// False when only --cidfile was given and no file held an ID.
bool add_cidfile_refs(State& st, const std::vector<std::string>& cidfiles, bool ignore, std::vector<std::string>& refs);
// Full ID for ref; nullopt when it does not exist and ignore is set.
std::optional<std::string> resolve_or_ignore(const Store& store, const std::string& ref, bool ignore);
// Runs fn for each ref; errors are reported per ref and set exit code 125.
template <typename Fn>
void for_each_ref(State& st, const std::vector<std::string>& refs, Fn fn) {
    for (auto& r : refs) {
        try {
            fn(r);
        } catch (const std::exception& e) {
            report(st, e);
        }
    }
}
// How an attached session uses our terminal and stdin.
struct AttachIo {
    bool stdin = false;       // forward our stdin (-i)
    bool tty = false;         // the session has a terminal (-t): raw mode, resizes
    bool sig_proxy = true;
    std::string detach_keys = kDefaultDetachKeys;  // podman's notation
    bool exec_session = false;  // the exit code is the session's, never the container's
};
struct AttachOutcome {
    int exit_code = 0;
    bool detached = false;
};
// Relays an attached session until it exits (its exit code) or the user
// detaches; the terminal is restored on every path.
AttachOutcome relay_session(const Context& ctx, const std::string& id, ShimConnection& conn, const AttachIo& io);
// Renders rows with a --format value: "table ..." (aligned, with a header
// from header_for, falling back to podman's field names) or a template.
std::string render_rows(const std::string& format, const std::vector<nlohmann::json>& rows,
                        std::string (*header_for)(std::string_view));
// Pull flags shared by pull, run and create.
void add_pull_flags(CLI::App* cmd, PullOptions& o, std::string& tls_verify);
void finish_pull_flags(PullOptions& o, const std::string& tls_verify);
// The verbs that image/container groups register again under their names.
CLI::App* add_push(CLI::App& parent, State& st);
CLI::App* add_load(CLI::App& parent, State& st);
CLI::App* add_save(CLI::App& parent, State& st);
CLI::App* add_import(CLI::App& parent, State& st);
CLI::App* add_history(CLI::App& parent, State& st);
CLI::App* add_export(CLI::App& parent, State& st);
CLI::App* add_commit(CLI::App& parent, State& st);
CLI::App* add_cp(CLI::App& parent, State& st);
CLI::App* add_mount(CLI::App& parent, State& st);
CLI::App* add_umount(CLI::App& parent, State& st);
// Adds --detach-keys to cmd.
void add_detach_keys_flag(CLI::App* cmd, std::string& keys);

CLI::App* register_create(CLI::App& parent, State& st);
CLI::App* register_run(CLI::App& parent, State& st);
CLI::App* register_start(CLI::App& parent, State& st);
CLI::App* register_ps(CLI::App& parent, State& st);
CLI::App* register_inspect(CLI::App& parent, State& st);
CLI::App* register_logs(CLI::App& parent, State& st);
CLI::App* register_stop(CLI::App& parent, State& st);
CLI::App* register_kill(CLI::App& parent, State& st);
CLI::App* register_rm(CLI::App& parent, State& st);
CLI::App* register_wait(CLI::App& parent, State& st);
CLI::App* register_rename(CLI::App& parent, State& st);
CLI::App* register_version(CLI::App& parent, State& st);
CLI::App* register_info(CLI::App& parent, State& st);
CLI::App* register_container(CLI::App& parent, State& st);
CLI::App* register_attach(CLI::App& parent, State& st);
CLI::App* register_exec(CLI::App& parent, State& st);
CLI::App* register_pull(CLI::App& parent, State& st);
CLI::App* register_images(CLI::App& parent, State& st);
CLI::App* register_rmi(CLI::App& parent, State& st);
CLI::App* register_tag(CLI::App& parent, State& st);
CLI::App* register_untag(CLI::App& parent, State& st);
CLI::App* register_image(CLI::App& parent, State& st);
CLI::App* register_login(CLI::App& parent, State& st);
CLI::App* register_logout(CLI::App& parent, State& st);
CLI::App* register_push(CLI::App& parent, State& st);
CLI::App* register_load(CLI::App& parent, State& st);
CLI::App* register_save(CLI::App& parent, State& st);
CLI::App* register_import(CLI::App& parent, State& st);
CLI::App* register_export(CLI::App& parent, State& st);
CLI::App* register_commit(CLI::App& parent, State& st);
CLI::App* register_cp(CLI::App& parent, State& st);
CLI::App* register_mount(CLI::App& parent, State& st);
CLI::App* register_umount(CLI::App& parent, State& st);
CLI::App* register_history(CLI::App& parent, State& st);
CLI::App* register_system(CLI::App& parent, State& st);
CLI::App* register_stats(CLI::App& parent, State& st);
CLI::App* register_top(CLI::App& parent, State& st);
CLI::App* register_pause(CLI::App& parent, State& st);
CLI::App* register_unpause(CLI::App& parent, State& st);
CLI::App* register_update(CLI::App& parent, State& st);
CLI::App* register_events(CLI::App& parent, State& st);
CLI::App* register_generate(CLI::App& parent, State& st);
CLI::App* register_volume(CLI::App& parent, State& st);
CLI::App* register_network(CLI::App& parent, State& st);
CLI::App* register_port(CLI::App& parent, State& st);

}  // namespace conman::cli
