#include "classes.h"

#include <array>

namespace vireo::difftest {

namespace {

constexpr std::array<std::string_view, kClassCount> kNames = {
    "setup",  "alu",    "shift",  "bits", "muldiv", "move", "flags", "stack",
    "branch", "string", "atomic", "sse",  "sse2",   "mmx",  "x87",   "fxsr",
};

} // namespace

std::string_view class_name(InsnClass cls) {
    auto const index = static_cast<size_t>(cls);
    return index < kNames.size() ? kNames[index] : "?";
}

std::string class_list(ClassMask mask) {
    std::string out;
    for (unsigned i = 0; i < kClassCount; ++i) {
        if ((mask & (1U << i)) == 0)
            continue;
        if (!out.empty())
            out += ',';
        out += kNames[i];
    }
    return out;
}

Result<ClassMask> parse_classes(std::string_view text) {
    ClassMask mask = 0;
    while (!text.empty()) {
        size_t const comma = text.find(',');
        std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
        bool const remove = item.starts_with('-');
        if (remove)
            item.remove_prefix(1);
        ClassMask bits = 0;
        if (item == "all") {
            bits = kAllClasses;
        } else {
            for (unsigned i = 1; i < kClassCount; ++i) {
                if (kNames[i] == item)
                    bits = 1U << i;
            }
        }
        if (bits == 0)
            return make_error("unknown instruction class '{}' (known: all,{})", item,
                              class_list(kAllClasses));
        mask = remove ? mask & ~bits : mask | bits;
    }
    if (mask == 0)
        return make_error("--classes selects no instruction class");
    return mask;
}

} // namespace vireo::difftest
