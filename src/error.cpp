#include "conman/error.hpp"

#include <cstring>

namespace conman {

int Error::exit_code() const noexcept {
    switch (kind_) {
    case ErrorKind::NotExecutable: return 126;
    case ErrorKind::CommandNotFound: return 127;
    default: return 125;
    }
}

Error Error::prefixed(std::string_view context) const {
    return Error(kind_, fmt::format("{}: {}", context, what()), err_no_);
}

void throw_errno(int err, std::string what) {
    throw Error(ErrorKind::System, fmt::format("{}: {}", what, std::strerror(err)), err);
}

}  // namespace conman
