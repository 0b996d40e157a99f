#include "harness.h"

#include <stdexcept>

namespace vireo::emu::test {

namespace {

x86::Segment flat(uint16_t selector, uint8_t type, bool long_code, bool big) {
    x86::Segment s;
    s.selector = selector;
    s.limit = 0xffffffff;
    s.type = type;
    s.present = true;
    s.granularity = true;
    s.long_mode = long_code;
    s.db = big;
    return s;
}

} // namespace

Harness::Harness(uint64_t ram_bytes) {
    auto created = GuestMemory::create(ram_bytes);
    if (!created)
        throw std::runtime_error(created.error().message());
    memory = std::move(*created);
    code_pages = std::make_unique<CodePages>(*memory);
    machine.memory = memory.get();
    machine.code_pages = code_pages.get();
    cpu.machine = &machine;
    reset_cpu(cpu);
    cpu.cr0 = x86::kCr0Pe | x86::kCr0Et | x86::kCr0Ne;
    cpu.efer = x86::kEferLme | x86::kEferLma | x86::kEferSce | x86::kEferNxe;
    cpu.seg[kSegCs] = flat(0x8, 0xb, true, false);
    for (unsigned s : {kSegDs, kSegEs, kSegSs, kSegFs, kSegGs})
        cpu.seg[s] = flat(0x10, 0x3, false, true);
    cpu.regs[4] = kStackTop;
    cpu.stop_on_exception = true;
    cpu.update_mode();
}

void Harness::set_protected_mode_32() {
    cpu.efer = 0;
    cpu.seg[kSegCs] = flat(0x8, 0xb, false, true);
    cpu.update_mode();
}

void Harness::set_real_mode() {
    cpu.efer = 0;
    cpu.cr0 = x86::kCr0Et;
    for (unsigned s = 0; s < kSegFlat; ++s) {
        cpu.seg[s] = x86::Segment{};
        cpu.seg[s].limit = 0xffff;
        cpu.seg[s].present = true;
        cpu.seg[s].type = s == kSegCs ? 0xb : 0x3;
    }
    cpu.update_mode();
}

void Harness::load(uint64_t address, std::vector<uint8_t> const& bytes) {
    if (!memory->write(address, bytes))
        throw std::runtime_error("load outside RAM");
    code_pages->invalidate_range(address, bytes.size());
}

ExecResult Harness::run(std::vector<uint8_t> code) {
    code.push_back(0xf4); // hlt
    load(kCodeAddress, code);
    cpu.set_rip(cpu.code_mode == CodeMode::Bits64 ? kCodeAddress
                                                  : kCodeAddress - cpu.seg[kSegCs].base);
    return resume();
}

ExecResult Harness::resume(uint64_t max_instructions) {
    cpu.halted = false;
    // The harness has no interrupt controller: requests to look for interrupts (after STI,
    // IRET...) are acknowledged and execution goes on.
    for (;;) {
        ExecResult const result = execute(cpu, cache, max_instructions);
        if (result.status != ExecStatus::Event || cpu.events.exchange(0) == 0)
            return result;
    }
}

} // namespace vireo::emu::test
