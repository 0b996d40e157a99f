#include "base/result.h"

#include <cstring>

namespace vireo {

std::string Error::strerror_string(int err) {
    // strerror_r (GNU variant) returns a pointer that may or may not be the buffer.
    char buffer[128];
    return strerror_r(err, buffer, sizeof(buffer));
}

} // namespace vireo
