#include "emu/jit/emitter.h"

#include <cassert>
#include <cstddef>

#include "emu/cpu.h"
#include "emu/jit/frame.h"
#include "emu/jit/runtime.h"

namespace vireo::emu::jit {

namespace {

using namespace Xbyak::util;

constexpr int32_t kBudget = offsetof(JitFrame, budget);
constexpr int32_t kEpoch = offsetof(JitFrame, epoch);
constexpr int32_t kFlags = offsetof(JitFrame, flags);

bool fits_int32(uint64_t value) {
    return static_cast<int64_t>(value) == static_cast<int32_t>(value);
}

} // namespace

Xbyak::Reg part(Xbyak::Reg64 const& reg, unsigned size) {
    switch (size) {
    case 1:
        return reg.cvt8();
    case 2:
        return reg.cvt16();
    case 4:
        return reg.cvt32();
    default:
        return reg;
    }
}

std::array<Xbyak::Reg64, Emitter::kPoolSize> const& Emitter::pool() {
    namespace u = Xbyak::util;
    static std::array<Xbyak::Reg64, kPoolSize> const registers = {
        u::rbp, u::r8, u::r9, u::r10, u::r11, u::r12, u::r13, u::r14, u::r15};
    return registers;
}

Emitter::Emitter(uint8_t* buffer, size_t room, EmitEnv const& env, Block const& block)
    : CodeGenerator(room, buffer)
    , env_(env)
    , block_(&block)
    , count_(block.count) {
    host_of_.fill(-1);
    setDefaultJmpNEAR(true);
}

void Emitter::cache_register(unsigned slot, Xbyak::Reg64 const& host) {
    host_of_[slot] = static_cast<int8_t>(host.getIdx());
}

Xbyak::Address Emitter::cpu_field(int32_t offset, unsigned size) const {
    return Xbyak::AddressFrame(size * 8)[rbx + offset];
}

// ---- Instructions ----

void Emitter::begin(Step const& step) {
    step_ = &step;
    slow_ = nullptr;
    dirty_before_ = dirty_;
    // Exception delivery pushes the flags as they were before the faulting instruction.
    if (may_fault(step.recipe) && flags_ == FlagPlace::Host)
        spill_flags();
}

void Emitter::end() {
    if (slow_ == nullptr)
        return;
    Xbyak::Label& done = new_label();
    L(done);
    cold_.push_back({slow_, &done, step_, dirty_before_, loaded_, flags_ != FlagPlace::Frame});
}

// ---- Guest registers ----

void Emitter::ensure_loaded(unsigned slot) {
    if ((loaded_ & (1U << slot)) == 0) {
        mov(host(slot), reg_field(slot));
        loaded_ |= static_cast<uint16_t>(1U << slot);
    }
}

Loc Emitter::gpr(unsigned offset, unsigned size, bool reads, bool writes) {
    unsigned const slot = offset / 8;
    if (!cached(slot)) {
        assert((!writes || offset % 8 != 0) && "uncached registers are written by modify()");
        return Loc(cpu_field(env_.layout.regs + static_cast<int32_t>(offset), size));
    }
    // Byte and word writes keep the bits above them, so they need the old value too.
    if (reads || size < 4)
        ensure_loaded(slot);
    loaded_ |= static_cast<uint16_t>(1U << slot);
    if (writes)
        dirty_ |= static_cast<uint16_t>(1U << slot);
    return Loc(part(host(slot), size));
}

Xbyak::Reg64 Emitter::full(unsigned slot, Xbyak::Reg64 const& scratch) {
    if (cached(slot)) {
        ensure_loaded(slot);
        return host(slot);
    }
    mov(scratch, reg_field(slot));
    return scratch;
}

Xbyak::Reg Emitter::in_register(Loc const& loc, unsigned size, Xbyak::Reg64 const& scratch) {
    if (loc.is_reg())
        return loc.reg();
    Xbyak::Reg const value = part(scratch, size);
    mov(value, loc.op());
    return value;
}

void Emitter::write_back(uint16_t slots) {
    for (unsigned slot = 0; slot < 16; ++slot)
        if ((slots & (1U << slot)) != 0 && cached(slot))
            mov(reg_field(slot), host(slot));
}

void Emitter::reload(uint16_t slots) {
    for (unsigned slot = 0; slot < 16; ++slot)
        if ((slots & (1U << slot)) != 0 && cached(slot))
            mov(host(slot), reg_field(slot));
}

// ---- Guest flags ----

void Emitter::spill_flags() {
    lahf();
    seto(al);
    mov(word[rsp + kFlags], ax);
    flags_ = FlagPlace::Both;
}

void Emitter::restore_flags() {
    movzx(eax, word[rsp + kFlags]);
    add(al, 0x7f); // OF = (AL == 1): 0x7f + 1 overflows a signed byte
    sahf();
}

void Emitter::host_flags() {
    uint64_t const needed = step_->recipe.reads | (step_->live_after & ~step_->recipe.writes);
    if (flags_ == FlagPlace::Frame && needed != 0) {
        restore_flags();
        flags_ = FlagPlace::Both;
    }
}

void Emitter::flags_changed() {
    flags_ = FlagPlace::Host;
}

// ---- Guest memory ----

Xbyak::Reg64 Emitter::address_part(unsigned slot, Xbyak::Reg64 const& scratch) {
    return full(slot, scratch);
}

// RSI = the linear address of the memory operand (Intel SDM Vol. 1 3.7.5): base + index *
// scale + displacement at the address size, plus the FS or GS base; 64-bit mode has no
// other segment bases (Vol. 3A 3.4.4) and RIP-relative addresses are constants here.
void Emitter::linear_address() {
    Insn const& in = insn();
    uint64_t const disp = static_cast<uint64_t>(in.disp);
    if (in.base == kRegRip) {
        mov(rsi, (step_->next_rip + disp) & in.address_mask);
    } else if (in.base == kRegZero && in.index == kRegZero) {
        mov(rsi, disp & in.address_mask);
    } else {
        assert(fits_int32(disp) && "64-bit displacements only come without base and index");
        Xbyak::RegExp address(static_cast<size_t>(disp));
        if (in.base != kRegZero)
            address = address + address_part(in.base, rsi);
        if (in.index != kRegZero)
            address = address + address_part(in.index, rdi) * (1 << in.scale);
        if (in.address_mask == 0xffffffff)
            lea(esi, ptr[address]);
        else
            lea(rsi, ptr[address]);
    }
    if (in.seg == kSegFs || in.seg == kSegGs)
        add(rsi, cpu_field(env_.layout.segment_base[in.seg]));
}

// The software TLB's fast path (tlb.h): the entry for the page of the first byte must carry
// the page of the last byte as its tag, so a page-crossing access misses too.
void Emitter::tlb_check(unsigned size, Access access) {
    assert(flags_ != FlagPlace::Host && "the flags must be saved before a TLB check");
    int32_t const table = access == Access::Write ? env_.layout.tlb_write : env_.layout.tlb_read;
    static_assert(sizeof(TlbEntry) == 16);
    mov(edi, esi);
    shr(edi, kPageShift - 4);
    and_(edi, (kTlbSize - 1) << 4);
    add(rdi, qword[rbx + table]); // RDI = the entry Tlb::slot() selects
    lea(rax, ptr[rsi + static_cast<int32_t>(size - 1)]);
    shr(rax, kPageShift);
    cmp(rax, qword[rdi]);
    jne(slow_path(), T_NEAR);
    add(rsi, qword[rdi + 8]);
    flags_ = FlagPlace::Frame;
}

Xbyak::Address Emitter::memory(unsigned size, Access access) {
    linear_address();
    tlb_check(size, access);
    return Xbyak::AddressFrame(size * 8)[rsi];
}

Xbyak::Address Emitter::stack(int32_t offset, unsigned size, Access access) {
    Xbyak::Reg64 const stack_pointer = full(static_cast<unsigned>(x86::Gpr::Rsp), rsi);
    lea(rsi, ptr[stack_pointer + offset]);
    tlb_check(size, access);
    return Xbyak::AddressFrame(size * 8)[rsi];
}

void Emitter::load_address_registers() {
    for (unsigned slot : {unsigned{insn().base}, unsigned{insn().index}})
        if (slot < 16 && cached(slot))
            ensure_loaded(slot);
}

void Emitter::effective_address(Xbyak::Reg const& dst) {
    Insn const& in = insn();
    uint64_t const disp = static_cast<uint64_t>(in.disp);
    if (in.base == kRegRip || (in.base == kRegZero && in.index == kRegZero)) {
        uint64_t const base = in.base == kRegRip ? step_->next_rip : 0;
        uint64_t const value = (base + disp) & in.address_mask & size_mask(dst.getBit() / 8);
        mov(dst, value);
        return;
    }
    Xbyak::RegExp address(static_cast<size_t>(disp));
    if (in.base != kRegZero)
        address = address + address_part(in.base, rsi);
    if (in.index != kRegZero)
        address = address + address_part(in.index, rdi) * (1 << in.scale);
    // LEA computes at the address size and truncates or zero-extends to the operand size
    // (Intel SDM Vol. 2A "LEA"): a narrower of the two does both.
    if (in.address_mask == 0xffffffff && dst.getBit() == 64)
        lea(dst.cvt32(), ptr[address]);
    else
        lea(dst, ptr[address]);
}

Xbyak::Label& Emitter::slow_path() {
    if (slow_ == nullptr)
        slow_ = &new_label();
    return *slow_;
}

// ---- Calls into C++ ----

Xbyak::Label& Emitter::fault_exit(Step const& step) {
    for (auto const& [known, label] : fault_exits_)
        if (known == &step)
            return *label;
    Xbyak::Label& label = new_label();
    fault_exits_.emplace_back(&step, &label);
    return label;
}

void Emitter::store_rip(uint64_t value) {
    if (fits_int32(value)) {
        mov(cpu_field(env_.layout.rip), value);
    } else {
        mov(rcx, value);
        mov(cpu_field(env_.layout.rip), rcx);
    }
}

void Emitter::call_handler(Step const& step) {
    // As the interpreter does, RIP is at the next instruction while a handler runs.
    store_rip(step.next_rip);
    mov(rdi, rbx);
    mov(rsi, reinterpret_cast<uintptr_t>(step.insn));
    mov(rdx, rsp);
    mov(rcx, reinterpret_cast<uintptr_t>(block_));
    mov(rax, reinterpret_cast<uintptr_t>(&run_handler));
    call(rax);
    test(eax, eax);
    jnz(fault_exit(step), T_NEAR);
}

void Emitter::helper() {
    write_back(dirty_);
    dirty_ = 0;
    call_handler(*step_);
    // The handler may have changed any guest register: reload each at its next use.
    loaded_ = 0;
    flags_ = FlagPlace::Frame;
}

// ---- Exits ----

void Emitter::prepare_exit() {
    write_back(dirty_);
    dirty_ = 0;
    if (flags_ == FlagPlace::Host)
        spill_flags();
}

// Counts the block against the budget and goes on to `leave` unless the run may continue:
// budget left and no event pending.
void Emitter::check_budget(Xbyak::Label& leave) {
    sub(qword[rsp + kBudget], count_);
    jle(leave, T_NEAR);
    cmp(cpu_field(env_.layout.events, 4), 0);
    jne(leave, T_NEAR);
}

// check_budget(), and the link through `slot` made in this epoch.
void Emitter::check_link(ChainSlot* slot, Xbyak::Label& leave) {
    check_budget(leave);
    mov(rax, qword[rsp + kEpoch]);
    cmp(rax, qword[rip + &slot->epoch]);
    jne(leave, T_NEAR);
}

void Emitter::exit_direct(uint64_t target, ChainSlot* slot) {
    Xbyak::Label& leave = new_label();
    check_link(slot, leave);
    jmp(qword[rip + &slot->code]);
    L(leave);
    store_rip(target);
    mov(rax, reinterpret_cast<uintptr_t>(slot));
    jmp(env_.exit_stub, T_NEAR);
}

// The link first (the last target this exit went to), then the indirect table.
void Emitter::exit_indirect(Xbyak::Reg64 const& target, ChainSlot* slot) {
    Xbyak::Label& leave = new_label();
    Xbyak::Label& table = new_label();
    mov(cpu_field(env_.layout.rip), target);
    check_budget(leave);
    mov(rax, qword[rsp + kEpoch]);
    cmp(target, qword[rip + &slot->target_rip]);
    jne(table, T_NEAR);
    cmp(rax, qword[rip + &slot->epoch]);
    jne(table, T_NEAR);
    jmp(qword[rip + &slot->code]);
    L(table);
    look_up_indirect(target, slot->cpl, leave);
    L(leave);
    mov(rax, reinterpret_cast<uintptr_t>(slot));
    jmp(env_.exit_stub, T_NEAR);
}

// With the epoch in RAX: jumps to the translation the indirect table holds for `target` at
// privilege `cpl`, or goes on to `leave` (IndirectTable::slot and ::tag, in host code).
void Emitter::look_up_indirect(Xbyak::Reg64 const& target, uint8_t cpl, Xbyak::Label& leave) {
    if (env_.indirect_table == nullptr) {
        jmp(leave, T_NEAR);
        return;
    }
    assert(target != rax && target != rdx && target != rsi);
    lea(rax, ptr[rax * 4 + cpl]);
    mov(rdx, target);
    shr(rdx, IndirectTable::kBits);
    xor_(rdx, target);
    and_(edx, static_cast<uint32_t>(IndirectTable::kSize - 1));
    shl(edx, IndirectTable::kEntryShift);
    mov(rsi, reinterpret_cast<uintptr_t>(env_.indirect_table));
    add(rdx, rsi);
    cmp(target, qword[rdx + offsetof(IndirectEntry, rip)]);
    jne(leave, T_NEAR);
    cmp(rax, qword[rdx + offsetof(IndirectEntry, tag)]);
    jne(leave, T_NEAR);
    jmp(qword[rdx + offsetof(IndirectEntry, code)]);
}

void Emitter::exit_after_helper() {
    sub(qword[rsp + kBudget], count_);
    xor_(eax, eax); // kExitIndirect
    jmp(env_.exit_stub, T_NEAR);
}

// ---- Cold code ----

void Emitter::emit_cold(ColdPath const& cold) {
    L(*cold.slow);
    write_back(cold.dirty_before);
    call_handler(*cold.step);
    if (is_branch(cold.step->recipe.kind)) {
        exit_after_helper(); // the handler has set RIP and RSP
        return;
    }
    reload(cold.loaded_after);
    if (cold.restore_flags)
        restore_flags();
    jmp(*cold.done, T_NEAR);
}

bool Emitter::finish() {
    for (ColdPath const& cold : cold_)
        emit_cold(cold);
    for (auto const& [step, label] : fault_exits_) {
        // EAX holds the exit code; the instructions before this one have run.
        L(*label);
        if (step->index != 0)
            sub(qword[rsp + kBudget], step->index);
        store_rip(step->rip);
        jmp(env_.exit_stub, T_NEAR);
    }
    return Xbyak::GetError() == 0 && !hasUndefinedLabel();
}

} // namespace vireo::emu::jit
