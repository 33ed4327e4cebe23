// Parsing of the HTTP WWW-Authenticate header (RFC 7235) as registries send
// it: one or more challenges, each a scheme followed by comma-separated
// auth-params (key=token or key="quoted \"string\""). Pure functions, no
// state: safe from any thread.
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace conman {

struct WwwAuthChallenge {
    std::string scheme;                         // lowercased: "bearer", "basic"
    std::map<std::string, std::string> params;  // keys lowercased, values unescaped
    // The value of a param, or "" when absent.
    std::string param(const std::string& key) const;
};

// All challenges in one header value, in order. Commas inside quoted strings
// do not split. A token68 credential after the scheme is ignored. Malformed
// input (unterminated quote, param without a scheme, garbage) yields an empty
// vector: the caller then treats the 401 as "no usable challenge".
std::vector<WwwAuthChallenge> parse_www_authenticate(std::string_view header);

}  // namespace conman
