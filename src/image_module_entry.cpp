// Module side of the image module boundary (see image_module.hpp).
#include "conman/image_module.hpp"

#include "conman/error.hpp"

namespace conman {

int image_module_entry(std::string* error, int* kind, const std::function<void()>& body) {
    try {
        body();
        return 0;
    } catch (const Error& e) {
        *error = e.what();
        *kind = static_cast<int>(e.kind());
    } catch (const std::exception& e) {
        *error = e.what();
        *kind = static_cast<int>(ErrorKind::System);
    }
    return -1;
}

}  // namespace conman
