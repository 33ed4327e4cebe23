// Sizes as podman prints them (Go's docker/go-units): decimal units
// (1 kB = 1000 B), a given number of significant digits, "%g" style.
#pragma once
#include <cstdint>
#include <string>

namespace conman {

// HumanSizeWithPrecision: "2.141MB", "0B", "10.24kB" (no space).
std::string human_size(int64_t bytes, int precision = 4);
// The same with a space before the unit ("2.14 MB"), as images and history show it.
std::string human_size_spaced(int64_t bytes, int precision = 3);

}  // namespace conman
