// UTF-8 encoding of one code point, shared by the parsers that decode
// \u escapes (templates, registries.conf).
#pragma once
#include <string>

namespace conman {

void utf8_append(std::string& out, char32_t cp);

}  // namespace conman
