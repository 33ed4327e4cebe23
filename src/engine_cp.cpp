// cp and export: see container_copy.hpp. Docker's path rules:
//   SRC file      -> DEST missing: written as DEST (its directory must exist);
//                    DEST a file: replaced; DEST a directory: DEST/basename(SRC).
//   SRC directory -> DEST missing: created, SRC's content copied into it;
//                    DEST a directory: copied as DEST/basename(SRC), or only
//                    its content when SRC ends in "/."; DEST a file: error.
//   A DEST ending in "/" must be an existing directory.
// Container paths are relative to the container's working directory and are
// resolved inside its root (container_path.hpp); a container symlink, even
// one pointing at "/../../host", resolves within the root. Host paths are
// resolved the same way from "/", which is ordinary resolution.
#include "conman/container_copy.hpp"

#include <cerrno>
#include <fcntl.h>
#include <map>
#include <optional>
#include <unistd.h>

#include "conman/container_mount.hpp"
#include "conman/container_path.hpp"
#include "conman/container_tar.hpp"
#include "conman/error.hpp"
#include "conman/fs.hpp"
#include "conman/image_module.hpp"

namespace conman {

namespace {

// One side of a plain copy, resolved.
struct Side {
    std::string where;  // "container NAME" or "the host", for messages
    std::string typed;  // the path as the user typed it
    std::string path;   // absolute inside root, trailing "/" or "/." kept
    UniqueFd root;
};

Side make_side(const CopyArg& a, const RootfsAccess* acc) {
    Side s;
    s.typed = a.path;
    if (acc) {
        s.where = "container " + a.container;
        s.path = a.path[0] == '/' ? a.path : join_path(acc->container().config.workdir, a.path);
        s.root = open_root(acc->root());
    } else {
        s.where = "the host";
        s.path = absolute_path(a.path);
        s.root = open_root("/");
    }
    return s;
}

std::string not_found(const Side& s) { return fmt::format("\"{}\" could not be found on {}", s.typed, s.where); }

bool wants_dir(const std::string& p) { return p.ends_with("/") || path_base(p) == "."; }
// SRC names only its content: "DIR/.", "." or the root.
bool content_only(const std::string& p) { return path_base(p) == "." || path_base(p).empty(); }

InRoot resolve(const Side& s) { return resolve_in_root(s.root.get(), s.path, true, not_found(s)); }

void copy_data(int in, int out, const std::string& shown) {
    for (;;) {
        ssize_t n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 30, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL)) {
            char buf[256 * 1024];
            n = read_some(in, buf, sizeof buf);
            if (n > 0) write_all(out, std::string_view(buf, static_cast<size_t>(n)));
        }
        if (n < 0) {
            if (errno == EINTR) continue;
            throw_sys(errno, "copying {}", shown);
        }
        if (n == 0) return;
    }
}

// Copies entries between two directory fds, each entry reached with
// O_NOFOLLOW from its directory: symlinks are copied as symlinks.
class TreeCopy {
public:
    TreeCopy(int dest_root, std::optional<Owner> owner, bool overwrite)
        : dest_root_(dest_root), owner_(owner), overwrite_(overwrite) {}

    void node(int sdir, const std::string& sname, const std::string& spath, int ddir, const std::string& dname,
              const std::string& dpath);
    void children(int sfd, int dfd, const std::string& spath, const std::string& dpath) {
        for (auto& n : dir_names(sfd, spath)) node(sfd, n, join_path(spath, n), dfd, n, join_path(dpath, n));
    }

private:
    Owner owner_for(const struct stat& st) const { return owner_ ? *owner_ : Owner{st.st_uid, st.st_gid}; }
    bool link_earlier(const struct stat& st, int ddir, const std::string& dname, const std::string& dpath);

    int dest_root_;
    std::optional<Owner> owner_;
    bool overwrite_;
    std::map<std::pair<dev_t, ino_t>, std::string> links_;  // source inode -> its first copy (path in dest root)
};

bool TreeCopy::link_earlier(const struct stat& st, int ddir, const std::string& dname, const std::string& dpath) {
    auto it = links_.find({st.st_dev, st.st_ino});
    if (it == links_.end()) return false;
    InRoot first = resolve_in_root(dest_root_, it->second, false, it->second);
    make_room(ddir, dname, false, overwrite_, dpath);
    if (::linkat(first.parent.get(), first.name.c_str(), ddir, dname.c_str(), 0) < 0) throw_sys(errno, "link {}", dpath);
    return true;
}

void TreeCopy::node(int sdir, const std::string& sname, const std::string& spath, int ddir, const std::string& dname,
                    const std::string& dpath) {
    struct stat st;
    if (::fstatat(sdir, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0) {
        if (errno == ENOENT) return;  // removed meanwhile (a running container)
        throw_sys(errno, "stat {}", spath);
    }
    Owner o = owner_for(st);
    if (S_ISDIR(st.st_mode)) {
        UniqueFd s = open_dir_at(sdir, sname, spath);
        bool merge = make_room(ddir, dname, true, overwrite_, dpath);
        if (!merge && ::mkdirat(ddir, dname.c_str(), 0700) < 0) throw_sys(errno, "mkdir {}", dpath);
        UniqueFd d = open_dir_at(ddir, dname, dpath);
        children(s.get(), d.get(), spath, dpath);
        if (!merge) set_owner_mode_times(d.get(), "", S_IFDIR, o, st.st_mode, st.st_atim, st.st_mtim, dpath);
        return;
    }
    if (S_ISREG(st.st_mode)) {
        if (st.st_nlink > 1 && link_earlier(st, ddir, dname, dpath)) return;
        UniqueFd in(::openat(sdir, sname.c_str(), O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC));
        if (!in) throw_sys(errno, "open {}", spath);
        make_room(ddir, dname, false, overwrite_, dpath);
        UniqueFd out(::openat(ddir, dname.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!out) throw_sys(errno, "create {}", dpath);
        copy_data(in.get(), out.get(), spath);
        set_owner_mode_times(out.get(), "", S_IFREG, o, st.st_mode, st.st_atim, st.st_mtim, dpath);
        if (st.st_nlink > 1) links_.try_emplace({st.st_dev, st.st_ino}, dpath);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        std::vector<char> buf(static_cast<size_t>(st.st_size) + 2);
        ssize_t n = ::readlinkat(sdir, sname.c_str(), buf.data(), buf.size() - 1);
        if (n < 0) throw_sys(errno, "readlink {}", spath);
        buf[static_cast<size_t>(n)] = '\0';
        make_room(ddir, dname, false, overwrite_, dpath);
        if (::symlinkat(buf.data(), ddir, dname.c_str()) < 0) throw_sys(errno, "symlink {}", dpath);
        set_owner_mode_times(ddir, dname, S_IFLNK, o, 0, st.st_atim, st.st_mtim, dpath);
        return;
    }
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
        make_room(ddir, dname, false, overwrite_, dpath);
        if (::mknodat(ddir, dname.c_str(), (st.st_mode & S_IFMT) | 0600, st.st_rdev) < 0) throw_sys(errno, "mknod {}", dpath);
        set_owner_mode_times(ddir, dname, st.st_mode & S_IFMT, o, st.st_mode, st.st_atim, st.st_mtim, dpath);
    }
    // Sockets are not copied.
}

Owner caller() { return Owner{static_cast<uint32_t>(::geteuid()), static_cast<uint32_t>(::getegid())}; }

void copy_plain(const CopyArg& sa, const CopyArg& da, const RootfsAccess* sacc, const RootfsAccess* dacc,
                const CopyOptions& o) {
    Side src = make_side(sa, sacc), dst = make_side(da, dacc);
    InRoot sr = resolve(src);
    struct stat sst;
    if (!stat_at(sr, sst)) fail(ErrorKind::NotFound, "{}: no such file or directory", not_found(src));
    bool sdir = S_ISDIR(sst.st_mode);
    if (wants_dir(src.path) && !sdir) fail(ErrorKind::Usage, "\"{}\" on {}: not a directory", src.typed, src.where);
    InRoot dr = resolve(dst);
    struct stat dst_st;
    bool dexists = stat_at(dr, dst_st);
    if (!dexists && wants_dir(dst.path)) fail(ErrorKind::NotFound, "{}: no such file or directory", not_found(dst));
    bool ddir = dexists && S_ISDIR(dst_st.st_mode);
    if (dexists && !ddir && wants_dir(dst.path))
        fail(ErrorKind::Usage, "\"{}\" on {}: not a directory", dst.typed, dst.where);
    if (dexists && !ddir && sdir) fail(ErrorKind::Usage, "destination must be a directory when copying a directory");
    if (sacc && dacc && sacc->container().config.id == dacc->container().config.id && sdir &&
        (dr.path == sr.path || dr.path.starts_with(sr.path == "/" ? "/" : sr.path + "/")))
        fail(ErrorKind::Usage, "cannot copy directory \"{}\" into itself", src.typed);

    std::optional<Owner> owner;
    if (dacc) {
        if (o.archive) owner = Owner{dacc->container().config.uid, dacc->container().config.gid};
    } else {
        owner = caller();
    }
    TreeCopy tc(dst.root.get(), owner, o.overwrite);

    if (sdir && content_only(src.path)) {
        UniqueFd s = open_dir_at(sr, sr.path);
        if (ddir) {
            UniqueFd d = open_dir_at(dr, dr.path);
            tc.children(s.get(), d.get(), sr.path, dr.path);
            return;
        }
        if (::mkdirat(dr.parent.get(), dr.name.c_str(), 0700) < 0) throw_sys(errno, "mkdir {}", dr.path);
        UniqueFd d = open_dir_at(dr, dr.path);
        tc.children(s.get(), d.get(), sr.path, dr.path);
        set_owner_mode_times(d.get(), "", S_IFDIR, owner.value_or(Owner{sst.st_uid, sst.st_gid}), sst.st_mode,
                             sst.st_atim, sst.st_mtim, dr.path);
        return;
    }
    if (ddir) {
        UniqueFd d = open_dir_at(dr, dr.path);
        std::string base = path_base(src.path);
        tc.node(sr.parent.get(), sr.name, sr.path, d.get(), base, join_path(dr.path, base));
        return;
    }
    tc.node(sr.parent.get(), sr.name, sr.path, dr.parent.get(), dr.name, dr.path);
}

void copy_to_stream(const Context& ctx, const CopyArg& sa, int out_fd) {
    if (sa.container.empty())
        fail(ErrorKind::Usage, "cp: copying to stdout (\"-\") needs a container source: CONTAINER:PATH");
    RootfsAccess acc(ctx, sa.container);
    Side src = make_side(sa, &acc);
    InRoot sr = resolve(src);
    struct stat st;
    if (!stat_at(sr, st)) fail(ErrorKind::NotFound, "{}: no such file or directory", not_found(src));
    if (wants_dir(src.path) && !S_ISDIR(st.st_mode))
        fail(ErrorKind::Usage, "\"{}\" on {}: not a directory", src.typed, src.where);
    TarOutRequest r;
    r.root = acc.root();
    r.path = sr.path;
    r.name = S_ISDIR(st.st_mode) && content_only(src.path) ? "" : path_base(src.path);
    r.fd = out_fd;
    r.set_owner = true;
    r.owner = caller();
    image_module_call<TarResult>(ctx, "conman_image_tar_out_v1", r);
}

void copy_from_stream(const Context& ctx, const CopyArg& da, const CopyOptions& o, int in_fd) {
    if (da.container.empty())
        fail(ErrorKind::Usage, "cp: copying from stdin (\"-\") needs a container destination: CONTAINER:PATH");
    RootfsAccess acc(ctx, da.container);
    Side dst = make_side(da, &acc);
    InRoot dr = resolve(dst);
    struct stat st;
    if (!stat_at(dr, st) || !S_ISDIR(st.st_mode))
        fail(ErrorKind::Usage, "destination must be a directory when copying from stdin");
    TarInRequest r;
    r.root = acc.root();
    r.dest = dr.path;
    r.fd = in_fd;
    r.set_owner = o.archive;
    r.owner = Owner{acc.container().config.uid, acc.container().config.gid};
    r.overwrite = o.overwrite;
    image_module_call<TarResult>(ctx, "conman_image_tar_in_v1", r);
}

}  // namespace

CopyArg parse_copy_arg(const std::string& s) {
    if (s == "-") return {"", "", true};
    if (s.empty()) fail(ErrorKind::Usage, "cp: an empty path is not valid");
    if (s[0] == '/' || s[0] == '.') return {"", s, false};
    auto colon = s.find(':');
    if (colon == std::string::npos) return {"", s, false};
    std::string name = s.substr(0, colon);
    if (name.empty() || name.find('/') != std::string::npos) return {"", s, false};
    std::string path = s.substr(colon + 1);
    if (path.empty()) fail(ErrorKind::Usage, "cp: \"{}\" names no path in container {}", s, name);
    return {name, path, false};
}

void copy_files(const Context& ctx, const CopyOptions& o, int in_fd, int out_fd) {
    CopyArg s = parse_copy_arg(o.src), d = parse_copy_arg(o.dest);
    if (s.stream && d.stream) fail(ErrorKind::Usage, "cp: SRC and DEST cannot both be \"-\"");
    if (d.stream) return copy_to_stream(ctx, s, out_fd);
    if (s.stream) return copy_from_stream(ctx, d, o, in_fd);
    if (s.container.empty() && d.container.empty())
        fail(ErrorKind::Usage, "cp: copying between host paths is not supported: name a container as CONTAINER:PATH");
    std::optional<RootfsAccess> sacc, dacc;
    if (!s.container.empty()) sacc.emplace(ctx, s.container);
    if (!d.container.empty()) dacc.emplace(ctx, d.container);
    copy_plain(s, d, sacc ? &*sacc : nullptr, dacc ? &*dacc : nullptr, o);
}

void export_container(const Context& ctx, const std::string& ref, int fd) {
    RootfsAccess acc(ctx, ref);
    TarOutRequest r;
    r.root = acc.root();
    r.path = "/";
    r.fd = fd;
    image_module_call<TarResult>(ctx, "conman_image_tar_out_v1", r);
}

}  // namespace conman
