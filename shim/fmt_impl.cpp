// The shim's own copy of fmt::vformat, the one libfmt function that
// conman_core calls. With it in the binary, --as-needed drops libfmt.so, and
// with it the shared libstdc++ it would load: together with the static
// libstdc++ (see meson.build) that keeps an idle shim's RSS low.
#define FMT_HEADER_ONLY
#include <fmt/format.h>

namespace conman::shimd {

[[gnu::used]] std::string (*const keep_vformat)(fmt::string_view, fmt::format_args) = &fmt::vformat;

}  // namespace conman::shimd
