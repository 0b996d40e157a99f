// The program builder that instruction templates write into. It lays instructions out at
// their final addresses and keeps, instruction by instruction, what a later instruction may
// rely on:
// - which arithmetic flags and x87 condition codes are undefined (Zydis's tables of the
//   SDM's "Flags Affected", refined by templates that know more, e.g. a shift count). An
//   instruction that reads an undefined flag first gets a CMP (or FXAM) that defines it, so a
//   program never computes with undefined values; the comparison masks what is still undefined
//   where the program stops.
// - where RSP is, so that pushes and pops stay inside the stack buffer;
// - which registers hold addresses set up for the instruction being built ("reserved"), so
//   that no other set-up instruction overwrites them and no access goes astray;
// - an open forward branch, whose target is fixed once the instructions it skips are laid
//   out. Targets are always group boundaries, never the middle of a set-up sequence.
//
// A template builds one group: set-up instructions and the instruction under test. When
// Zydis cannot encode a request (an operand combination that does not exist), the group is
// dropped and the generator draws another template.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "classes.h"
#include "encoder.h"
#include "machine_state.h"
#include "rng.h"

namespace vireo::difftest {

// Arithmetic flags, the only ones an instruction can leave undefined (Intel SDM Vol. 1 3.4.3.1).
inline constexpr uint32_t kFlagCf = 1U << 0;
inline constexpr uint32_t kFlagPf = 1U << 2;
inline constexpr uint32_t kFlagAf = 1U << 4;
inline constexpr uint32_t kFlagZf = 1U << 6;
inline constexpr uint32_t kFlagSf = 1U << 7;
inline constexpr uint32_t kFlagDf = 1U << 10;
inline constexpr uint32_t kFlagOf = 1U << 11;
inline constexpr uint32_t kArithFlags = kFlagCf | kFlagPf | kFlagAf | kFlagZf | kFlagSf | kFlagOf;
inline constexpr uint16_t kFpuConditionCodes = kFswC0 | kFswC1 | kFswC2 | kFswC3;

// A template's own knowledge of an instruction's flag effects, replacing Zydis's.
struct EffectOverride {
    uint32_t written = 0;
    uint32_t undefined = 0;
};

enum class MemUse : uint8_t { Load, Store, LoadStore };

struct MemRequest {
    unsigned bytes = 8;
    unsigned align = 1; // required alignment; misaligned only as a fault probe
    MemUse use = MemUse::LoadStore;
    unsigned slack = 0;             // bytes the access may reach below and above the address
    bool allow_stack = true;        // may target the stack buffer
    bool allow_rip_relative = true; // instructions with an immediate after the ModRM may not
};

class Builder {
public:
    Builder(Rng& rng, Program& program);

    Rng& rng() { return rng_; }

    // --- registers -------------------------------------------------------------------------
    // A register the group may overwrite: never RSP, never one reserved for an address.
    unsigned pick_dest();
    // A register the instruction may read: any.
    unsigned pick_source() { return static_cast<unsigned>(rng_.below(16)); }
    void reserve(unsigned number) { reserved_ |= 1U << number; }
    bool is_reserved(unsigned number) const { return (reserved_ >> number) & 1U; }

    // --- values ----------------------------------------------------------------------------
    uint64_t value();                  // an interesting 64-bit value
    int64_t immediate(unsigned bytes); // sign-extended immediate of that width

    // --- memory ----------------------------------------------------------------------------
    // Picks a target address and an addressing mode, emits the instructions that load the
    // base and index registers (which become reserved) and returns the operand.
    ZydisEncoderOperand memory(MemRequest const& request);
    // An operand for exactly `target` (set-up as for memory()).
    ZydisEncoderOperand memory_at(MemRequest const& request, uint64_t target);
    // The address the last memory() operand designates.
    uint64_t last_address() const { return last_address_; }
    // A data-buffer address for `bytes` that an implicit access (string instructions, XLAT)
    // may use, with `before`/`after` bytes of room; in the data buffer or the stack buffer.
    uint64_t buffer_address(unsigned before, unsigned after);
    // Data bytes [begin, end) whose final value is not compared.
    void ignore_data(uint32_t begin, uint32_t end);

    // --- stack -----------------------------------------------------------------------------
    uint64_t rsp() const { return kStackStart + static_cast<int64_t>(track_.rsp_offset); }
    bool stack_room(int delta) const;
    void move_rsp(int delta) { track_.rsp_offset += delta; }

    // --- emission --------------------------------------------------------------------------
    bool emit(ZydisEncoderRequest const& request,
              std::optional<EffectOverride> effects = std::nullopt);
    bool emit_bytes(std::span<uint8_t const> bytes,
                    std::optional<EffectOverride> effects = std::nullopt);
    // mov reg, value (the shortest form for the value).
    bool set_register(unsigned number, uint64_t value);
    // Defines every arithmetic flag (a CMP of two registers) or x87 condition code (FXAM).
    bool define_flags();
    bool define_fpu_condition_codes();
    void fail() { failed_ = true; }
    bool failed() const { return failed_; }
    uint64_t address() const { return kCodeAddress + program_.code.size(); }
    // The class recorded for the instructions emitted next.
    void set_class(InsnClass cls) { class_ = cls; }

    // --- forward branches ------------------------------------------------------------------
    // The last emitted instruction becomes a forward branch whose target is fixed later: the
    // `width`-byte field at `field_offset` (from the start of the code) receives the target
    // relative to `origin`.
    void open_branch(size_t field_offset, unsigned width, uint64_t origin);
    bool branch_open() const { return branch_.has_value(); }

    // --- groups ----------------------------------------------------------------------------
    void begin_group(InsnClass cls);
    // Keeps the group, or drops it (false) if anything in it failed or it cannot be placed.
    bool commit_group();
    // Ends the program: closes any open branch and appends the HLT.
    void finish();

private:
    struct Track {
        uint32_t flags_undefined = 0;
        uint16_t fpu_undefined = 0;
        int rsp_offset = 0;
    };
    struct Branch {
        size_t field_offset;
        unsigned width;
        uint64_t origin;
        unsigned groups_left;
        uint32_t flags_undefined; // at the branch: the state on the taken path
        uint16_t fpu_undefined;
    };
    struct Snapshot {
        size_t code_size, insn_count, ignored_count;
        Track track;
    };

    bool append(Encoded const& encoded, FlagEffects const& effects);
    void rollback();
    uint64_t fault_target(MemRequest const& request);
    bool needs_definition(FlagEffects const& effects) const;
    std::optional<FlagEffects> effects_of(Encoded const& encoded,
                                          std::optional<EffectOverride> override) const;
    void close_branch();
    uint64_t pick_target(MemRequest const& request);
    ZydisEncoderOperand address_operand(MemRequest const& request, uint64_t target);

    Rng& rng_;
    Program& program_;
    Track track_;
    std::optional<Branch> branch_;
    std::optional<Branch> pending_branch_; // opened by the group being built
    Snapshot snapshot_{};
    uint32_t reserved_ = 0;
    bool failed_ = false;
    InsnClass class_ = InsnClass::Setup;
    uint64_t last_address_ = 0;
};

// Condition codes (the low nibble of Jcc/SETcc/CMOVcc, Intel SDM Vol. 1 Appendix B).
ZydisMnemonic jcc_mnemonic(unsigned cc);
ZydisMnemonic setcc_mnemonic(unsigned cc);
ZydisMnemonic cmovcc_mnemonic(unsigned cc);

} // namespace vireo::difftest
