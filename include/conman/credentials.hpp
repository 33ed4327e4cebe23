// Registry credentials as auth.json holds them: user + password, or an
// identity (OAuth2 refresh) token.
#pragma once
#include <string>

namespace conman {

struct Credentials {
    std::string username;
    std::string password;
    std::string identity_token;
    bool empty() const { return username.empty() && identity_token.empty(); }
};

}  // namespace conman
