// A thin layer over Zydis: encoding instructions from structured requests (Zydis's encoder),
// and, for each encoded instruction, the flags it reads, writes and leaves undefined (Zydis's
// decoder tables, which follow the "Flags Affected" sections of the Intel SDM) and its
// disassembly for reports.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>

#include <Zydis/Zydis.h>

namespace vireo::difftest {

inline constexpr unsigned kMaxInsnBytes = 15; // Intel SDM Vol. 2A 2.3.11

struct Encoded {
    uint8_t bytes[kMaxInsnBytes] = {};
    uint8_t length = 0;
    std::span<uint8_t const> span() const { return {bytes, length}; }
};

ZydisEncoderOperand reg(ZydisRegister value);
ZydisEncoderOperand imm(int64_t value);
ZydisEncoderOperand mem(ZydisRegister base, ZydisRegister index, uint8_t scale,
                        int64_t displacement, uint16_t bytes);

ZydisEncoderRequest make_request(ZydisMnemonic mnemonic,
                                 std::initializer_list<ZydisEncoderOperand> operands,
                                 ZydisInstructionAttributes prefixes = 0);

// Encodes for execution at `address`; RIP-relative displacements are given as absolute
// addresses. Empty when Zydis has no encoding for the request.
std::optional<Encoded> encode(ZydisEncoderRequest request, uint64_t address);

// What an instruction does to RFLAGS and to the x87 condition codes. RFLAGS masks use the
// RFLAGS bit positions; the x87 masks use FSW bit positions (kFswC0...).
struct FlagEffects {
    uint32_t tested = 0;
    uint32_t written = 0;    // given a defined value (modified, set or cleared)
    uint32_t undefined = 0;  // left undefined
    uint16_t fpu_tested = 0; // not in Zydis's tables: set by the builder (builder.cpp)
    uint16_t fpu_written = 0;
    uint16_t fpu_undefined = 0;
    ZydisMnemonic mnemonic = ZYDIS_MNEMONIC_INVALID;
};
std::optional<FlagEffects> flag_effects(std::span<uint8_t const> bytes);

// The length of the instruction at the start of `bytes` and, for a relative branch, its
// target when placed at `address`.
struct DecodedShape {
    uint8_t length = 0;
    std::optional<uint64_t> target;
};
std::optional<DecodedShape> decode_shape(std::span<uint8_t const> bytes, uint64_t address);

// Intel-syntax disassembly of the instruction at `address`.
std::string disassemble(std::span<uint8_t const> bytes, uint64_t address);

// The general-purpose register `number` (encoding order) of `bytes` width; for one byte,
// numbers 4-7 are SPL..DIL unless `high_byte`, which selects AH..BH for numbers 0-3.
ZydisRegister gpr(unsigned number, unsigned bytes, bool high_byte = false);
ZydisRegister xmm(unsigned number);
ZydisRegister mmx(unsigned number);
ZydisRegister st(unsigned number);

} // namespace vireo::difftest
