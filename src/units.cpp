// Human sizes: see units.hpp.
#include "conman/units.hpp"

#include <fmt/format.h>

namespace conman {

std::string human_size(int64_t bytes, int precision) {
    static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    double v = static_cast<double>(bytes);
    size_t u = 0;
    while (v >= 1000.0 && u + 1 < std::size(units)) {
        v /= 1000.0;
        ++u;
    }
    return fmt::format("{:.{}g}{}", v, precision, units[u]);
}

std::string human_size_spaced(int64_t bytes, int precision) {
    std::string s = human_size(bytes, precision);
    size_t i = s.find_last_of("0123456789");
    return s.substr(0, i + 1) + " " + s.substr(i + 1);
}

}  // namespace conman
