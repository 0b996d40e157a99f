// Registration of the x87 handler files, and the stack rotation they and MMX share.
#include <algorithm>

#include "emu/handlers.h"
#include "emu/x87_util.h"

namespace vireo::emu::x87 {

void rotate(Cpu& cpu, int delta) {
    // ST(j) after the move is ST(j + delta) before it.
    auto const shift = static_cast<unsigned>(delta) & 7;
    Reg128* const st = cpu.fpu.st;
    std::rotate(st, st + shift, st + 8);
    set_top(cpu, top(cpu) + static_cast<unsigned>(delta));
}

} // namespace vireo::emu::x87

namespace vireo::emu {

void register_x87(Registry& registry) {
    x87::register_x87_load_store(registry);
    x87::register_x87_arith(registry);
    x87::register_x87_compare(registry);
    x87::register_x87_env(registry);
}

} // namespace vireo::emu
