#include "templates.h"

namespace vireo::difftest {

std::span<Template const> x87_templates() {
    return {};
}

} // namespace vireo::difftest
