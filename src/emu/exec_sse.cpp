// Registration of the SSE/SSE2 handler files and the form expansion they share (sse_util.h).
#include "emu/sse_util.h"

namespace vireo::emu::simd {

namespace {

// The widths Zydis may report for a register operand of each kind (see sse_util.h).
std::vector<uint8_t> widths(Pattern pattern) {
    if (pattern.size != 0 || pattern.kind == OpKind::Mem)
        return {pattern.size};
    switch (pattern.kind) {
    case OpKind::Xmm:
        return {4, 8, 16};
    case OpKind::Mmx:
    case OpKind::Gpr:
        return {4, 8};
    default:
        return {0};
    }
}

} // namespace

std::vector<Form> expand_forms(std::initializer_list<Pattern> pattern) {
    std::vector<Form> forms{0};
    unsigned shift = 0;
    for (Pattern const& operand : pattern) {
        std::vector<Form> longer;
        for (Form const form : forms)
            for (uint8_t const width : widths(operand))
                longer.push_back(form |
                                 (static_cast<Form>(operand_desc(operand.kind, width)) << shift));
        forms = std::move(longer);
        shift += 8;
    }
    return forms;
}

} // namespace vireo::emu::simd

namespace vireo::emu {

void register_sse(Registry& registry) {
    simd::register_sse_move(registry);
    simd::register_sse_fp(registry);
    simd::register_sse_convert(registry);
    simd::register_sse_shuffle(registry);
    simd::register_sse_int(registry);
}

} // namespace vireo::emu
