// The host-code writer for one block: the conventions of translated code and the services
// the instruction patterns (emit_*.cpp) build on.
//
// Conventions. RBX points at the Cpu, RSP at the JitFrame. Guest GPRs live in the Cpu; those
// a block uses most are cached in host registers (the pool) from their first use to the
// block's exit. The guest flags live in the host RFLAGS while translated instructions
// produce and consume them, and in JitFrame::flags otherwise (FlagPlace). RAX (flags and
// TLB tags), RCX, RDX, RSI (memory addresses) and RDI are scratch.
//
// Faults. Only C++ code raises guest faults, and translated code reaches C++ only through
// run_handler(): a TLB miss runs the whole instruction through its interpreter handler (a
// cold path), as does an instruction without a native pattern (a helper). Before either,
// the cached registers and the flags are written back as they were before the instruction;
// a fault then leaves through the instruction's fault exit with nothing to undo.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <variant>
#include <vector>

#include "emu/block_cache.h"
#include "emu/jit/assembler.h"
#include "emu/jit/indirect_table.h"
#include "emu/jit/layout.h"
#include "emu/jit/recipe.h"
#include "emu/tlb.h"

namespace vireo::emu::jit {

// The link from an exit to the translation of its target, made by the executor. A direct
// exit's target is fixed; an indirect exit (RET, JMP/CALL r/m) caches the last target it
// was linked to, and is followed only when the guest goes there again.
struct ChainSlot {
    uint64_t epoch = 0; // the link holds only in this epoch
    void const* code = nullptr;
    uint64_t target_rip = 0;
    uint8_t cpl = 0;
    bool indirect = false;
};

// One guest instruction as the translator planned it.
struct Step {
    Insn const* insn = nullptr;
    Recipe recipe;
    uint32_t index = 0;      // in its block
    uint64_t rip = 0;        // its linear address
    uint64_t next_rip = 0;   // the address after it
    uint64_t live_after = 0; // guest flags that are read after it before being defined
};

// What all translations of one Jit share.
struct EmitEnv {
    CpuLayout layout;
    void const* exit_stub = nullptr;
    // Looked up by indirect exits whose link misses; none: they return to the executor.
    IndirectEntry const* indirect_table = nullptr;
};

// Where a host instruction finds a guest register: a host register or its Cpu field.
class Loc {
public:
    explicit Loc(Xbyak::Reg const& reg)
        : where_(reg) {}
    explicit Loc(Xbyak::Address const& address)
        : where_(address) {}
    bool is_reg() const { return std::holds_alternative<Xbyak::Reg>(where_); }
    Xbyak::Reg const& reg() const { return std::get<Xbyak::Reg>(where_); }
    Xbyak::Operand const& op() const {
        if (is_reg())
            return std::get<Xbyak::Reg>(where_);
        return std::get<Xbyak::Address>(where_);
    }

private:
    std::variant<Xbyak::Reg, Xbyak::Address> where_;
};

// The `size`-byte part of a host register.
Xbyak::Reg part(Xbyak::Reg64 const& reg, unsigned size);

class Emitter : public Xbyak::CodeGenerator {
public:
    // Host registers that may hold guest registers.
    static constexpr unsigned kPoolSize = 9;
    static std::array<Xbyak::Reg64, kPoolSize> const& pool();

    // Writes the translation of `block`.
    Emitter(uint8_t* buffer, size_t room, EmitEnv const& env, Block const& block);

    // Keeps guest GPR `slot` in `host` for the whole block.
    void cache_register(unsigned slot, Xbyak::Reg64 const& host);

    // Brackets the code of each instruction.
    void begin(Step const& step);
    void end();
    Step const& step() const { return *step_; }
    Insn const& insn() const { return *step_->insn; }

    // Guest registers, by byte offset in Cpu::regs (AH is 1). Writes go through modify().
    Loc gpr(unsigned offset, unsigned size, bool reads, bool writes);
    Loc source(unsigned offset, unsigned size) { return gpr(offset, size, true, false); }
    // Runs `body(dst)` with the register as a host register part (RDX if it is not cached,
    // so bodies keep RDX free), or for AH..BH as its Cpu field.
    template <typename Body>
    void modify(unsigned offset, unsigned size, bool reads, Body&& body);
    // A guest register's full value in a host register: its cache register or `scratch`.
    Xbyak::Reg64 full(unsigned slot, Xbyak::Reg64 const& scratch);
    // `loc` itself if it is a register, else its value loaded into `scratch`'s part.
    Xbyak::Reg in_register(Loc const& loc, unsigned size, Xbyak::Reg64 const& scratch);

    // The host address of the instruction's memory operand, or of [RSP + offset], checked
    // for an access of `size` bytes: both leave it in RSI, or run the instruction through
    // its handler on a TLB miss. Every check must come before any guest register is written.
    Xbyak::Address memory(unsigned size, Access access);
    Xbyak::Address stack(int32_t offset, unsigned size, Access access);
    // The effective address of the memory operand (no segment base), for LEA. Call
    // load_address_registers() before modify() makes the destination: a destination that is
    // also the base or index must be read before modify() counts it as written.
    void effective_address(Xbyak::Reg const& dst);
    void load_address_registers();

    // Brackets a host instruction that produces the guest flags, or reads or keeps some.
    void host_flags();
    void flags_changed();

    // Runs the instruction through its interpreter handler.
    void helper();

    // Block exits. prepare_exit() comes first: it writes the cached registers and the flags
    // back. A direct exit has a known target and may be linked to its translation.
    void prepare_exit();
    void exit_direct(uint64_t target, ChainSlot* slot);
    void exit_indirect(Xbyak::Reg64 const& target, ChainSlot* slot);
    void exit_after_helper();

    // Writes the cold paths. Returns false if the code did not fit or did not assemble.
    bool finish();

    // A label that lives as long as the emitter.
    Xbyak::Label& new_label() { return labels_.emplace_back(); }

private:
    enum class FlagPlace { Frame, Host, Both };
    struct ColdPath {
        Xbyak::Label* slow;
        Xbyak::Label* done;
        Step const* step;
        uint16_t dirty_before;
        uint16_t loaded_after;
        bool restore_flags;
    };

    Xbyak::Address cpu_field(int32_t offset, unsigned size = 8) const;
    Xbyak::Address reg_field(unsigned slot) const { return cpu_field(env_.layout.regs + slot * 8); }
    bool cached(unsigned slot) const { return host_of_[slot] >= 0; }
    Xbyak::Reg64 host(unsigned slot) const { return Xbyak::Reg64(host_of_[slot]); }
    void ensure_loaded(unsigned slot);
    void write_back(uint16_t slots);
    void reload(uint16_t slots);
    void spill_flags();
    void restore_flags();
    Xbyak::Reg64 address_part(unsigned slot, Xbyak::Reg64 const& scratch);
    void linear_address();
    void tlb_check(unsigned size, Access access);
    Xbyak::Label& slow_path();
    Xbyak::Label& fault_exit(Step const& step);
    void store_rip(uint64_t value);
    void check_budget(Xbyak::Label& leave);
    void check_link(ChainSlot* slot, Xbyak::Label& leave);
    void look_up_indirect(Xbyak::Reg64 const& target, uint8_t cpl, Xbyak::Label& leave);
    void call_handler(Step const& step);
    void emit_cold(ColdPath const& cold);

    EmitEnv const& env_;
    Block const* block_;
    uint32_t count_;
    std::array<int8_t, 16> host_of_;
    uint16_t loaded_ = 0;
    uint16_t dirty_ = 0;
    uint16_t dirty_before_ = 0;
    FlagPlace flags_ = FlagPlace::Frame;
    Step const* step_ = nullptr;
    Xbyak::Label* slow_ = nullptr;
    std::deque<Xbyak::Label> labels_;
    std::vector<ColdPath> cold_;
    std::vector<std::pair<Step const*, Xbyak::Label*>> fault_exits_;
};

template <typename Body>
void Emitter::modify(unsigned offset, unsigned size, bool reads, Body&& body) {
    unsigned const slot = offset / 8;
    // AH..BH are never cached: their Cpu field is the operand.
    if (cached(slot) || offset % 8 != 0) {
        body(gpr(offset, size, reads, true).op());
        return;
    }
    // Worked on in RDX and stored whole, which keeps the bits above a byte or a word and
    // zero-extends a doubleword as the host does (Intel SDM Vol. 1 3.4.1.1).
    if (reads || size < 4)
        mov(rdx, reg_field(slot));
    body(part(rdx, size));
    mov(reg_field(slot), rdx);
}

} // namespace vireo::emu::jit
