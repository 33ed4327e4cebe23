#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <vector>
#include <zlib.h>
#include <zstd.h>

#include "conman/error.hpp"
#include "layer_internal.hpp"

namespace conman {

namespace {
enum class Format { Plain, Gzip, Zstd };
constexpr size_t kInBuf = 256 * 1024;
}  // namespace

struct LayerReader::Impl {
    std::string path;
    UniqueFd fd;
    Format fmt = Format::Plain;
    std::vector<unsigned char> in = std::vector<unsigned char>(kInBuf);
    size_t in_pos = 0, in_len = 0;
    bool eof = false;
    z_stream zs{};
    bool zs_init = false;
    bool gz_member_done = false;
    ZSTD_DStream* zd = nullptr;
    size_t zstd_last = 1;  // 0 once a frame is complete and flushed

    ~Impl() {
        if (zs_init) inflateEnd(&zs);
        if (zd) ZSTD_freeDStream(zd);
    }

    // Reads more input when all of it is used up; sets eof at the end of the file.
    void refill() {
        if (in_pos < in_len || eof) return;
        long n = read_some(fd.get(), in.data(), in.size());
        if (n < 0) throw_sys(errno, "reading {}", path);
        in_pos = 0;
        in_len = static_cast<size_t>(n);
        if (n == 0) eof = true;
    }

    [[noreturn]] void corrupt(const std::string& why) {
        throw Error(ErrorKind::Runtime, fmt::format("{} data in {}: {}",
                                                    fmt == Format::Gzip ? "gzip" : "zstd", path, why));
    }

    size_t read_plain(char* buf, size_t len) {
        refill();
        size_t n = std::min(len, in_len - in_pos);
        std::memcpy(buf, in.data() + in_pos, n);
        in_pos += n;
        return n;
    }

    size_t read_gzip(char* buf, size_t len) {
        for (;;) {
            refill();
            if (gz_member_done) {
                if (in_pos == in_len && eof) return 0;
                inflateReset(&zs);  // another member follows
                gz_member_done = false;
            }
            zs.next_in = in.data() + in_pos;
            zs.avail_in = static_cast<uInt>(in_len - in_pos);
            zs.next_out = reinterpret_cast<Bytef*>(buf);
            zs.avail_out = static_cast<uInt>(len);
            int r = inflate(&zs, Z_NO_FLUSH);
            in_pos = in_len - zs.avail_in;
            size_t produced = len - zs.avail_out;
            if (r == Z_STREAM_END) {
                gz_member_done = true;
            } else if (r == Z_BUF_ERROR) {
                if (in_pos == in_len && eof) corrupt("unexpected end of compressed data");
            } else if (r != Z_OK) {
                corrupt(zs.msg ? zs.msg : "inflate failed");
            }
            if (produced > 0) return produced;
            if (!gz_member_done && in_pos == in_len && eof) corrupt("unexpected end of compressed data");
        }
    }

    size_t read_zstd(char* buf, size_t len) {
        for (;;) {
            refill();
            // A finished frame at the end of the input is the clean end; any
            // other state there may still have output to flush, or is truncated.
            if (in_pos == in_len && eof && zstd_last == 0) return 0;
            ZSTD_inBuffer ib{in.data(), in_len, in_pos};
            ZSTD_outBuffer ob{buf, len, 0};
            size_t r = ZSTD_decompressStream(zd, &ob, &ib);
            in_pos = ib.pos;
            if (ZSTD_isError(r)) corrupt(ZSTD_getErrorName(r));
            zstd_last = r;
            if (ob.pos > 0) return ob.pos;
            if (in_pos == in_len && eof && r != 0) corrupt("unexpected end of compressed data");
        }
    }
};

LayerReader::LayerReader(const std::string& path) : impl_(std::make_unique<Impl>()) {
    auto& s = *impl_;
    s.path = path;
    s.fd = open_fd(path, O_RDONLY);
    // Sniff the magic: fill the buffer with at least 4 bytes when there are that many.
    while (!s.eof && s.in_len < 4) {
        long n = read_some(s.fd.get(), s.in.data() + s.in_len, s.in.size() - s.in_len);
        if (n < 0) throw_sys(errno, "reading {}", path);
        if (n == 0) s.eof = true;
        s.in_len += static_cast<size_t>(n);
    }
    const unsigned char* m = s.in.data();
    if (s.in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        s.fmt = Format::Gzip;
        if (inflateInit2(&s.zs, 15 + 16) != Z_OK) throw Error(ErrorKind::System, "zlib: inflateInit2 failed");
        s.zs_init = true;
    } else if (s.in_len >= 4 && ((m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
                                 ((m[0] & 0xf0) == 0x50 && m[1] == 0x2a && m[2] == 0x4d && m[3] == 0x18))) {
        // A zstd frame, or a skippable frame (zstd:chunked puts metadata there).
        s.fmt = Format::Zstd;
        s.zd = ZSTD_createDStream();
        if (!s.zd) throw Error(ErrorKind::System, "zstd: cannot create a decompression stream");
    }
}

LayerReader::~LayerReader() = default;

size_t LayerReader::read(char* buf, size_t len) {
    if (len == 0) return 0;
    switch (impl_->fmt) {
    case Format::Gzip: return impl_->read_gzip(buf, len);
    case Format::Zstd: return impl_->read_zstd(buf, len);
    default: return impl_->read_plain(buf, len);
    }
}

const char* LayerReader::format() const {
    switch (impl_->fmt) {
    case Format::Gzip: return "gzip";
    case Format::Zstd: return "zstd";
    default: return "tar";
    }
}

}  // namespace conman
