// conman export: a container's file system as a tar, on stdout or in a file
// (never on a terminal). The tar is written by the image module.
#include <fcntl.h>
#include <random>
#include <sys/stat.h>
#include <unistd.h>

#include "conman/cli.hpp"
#include "conman/container_copy.hpp"
#include "conman/error.hpp"
#include "conman/fd.hpp"

namespace conman::cli {

namespace {

// A regular file (or a new one) is written under a temporary name and
// renamed at the end, so a failed export leaves no half tar behind;
// anything else (a fifo, /dev/null) is written in place.
void export_to_file(const Context& ctx, const std::string& ref, const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        UniqueFd fd = open_fd(path, O_WRONLY);
        export_container(ctx, ref, fd.get());
        return;
    }
    std::string tmp = fmt::format("{}.tmp-{:x}", path, std::random_device{}());
    UniqueFd fd = open_fd(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
    try {
        export_container(ctx, ref, fd.get());
        if (::fsync(fd.get()) < 0) throw_sys(errno, "fsync {}", path);
        if (::rename(tmp.c_str(), path.c_str()) < 0) throw_sys(errno, "rename {} to {}", tmp, path);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
}

}  // namespace

CLI::App* add_export(CLI::App& parent, State& st) {
    auto* cmd = parent.add_subcommand("export", "Export a container's filesystem contents as a tar archive");
    struct Flags {
        std::string output, ref;
    };
    auto f = std::make_shared<Flags>();
    cmd->add_option("-o,--output", f->output, "Write to this file instead of stdout");
    cmd->add_option("CONTAINER", f->ref, "Container")->required();
    cmd->callback([f, &st] {
        Context ctx = st.context();
        if (!f->output.empty()) return export_to_file(ctx, f->ref, f->output);
        if (::isatty(1)) fail(ErrorKind::Usage, "refusing to export to a terminal: use -o FILE or redirect stdout");
        export_container(ctx, f->ref, 1);
    });
    return cmd;
}

CLI::App* register_export(CLI::App& parent, State& st) { return add_export(parent, st); }

}  // namespace conman::cli
