// x87 environment and state images: FNSTENV/FLDENV (14 or 28 bytes) and FNSAVE/FRSTOR (94 or
// 108 bytes), in the protected-mode and real-mode layouts of Intel SDM Vol. 1 8.1.10 (Figures
// 8-9 to 8-12). Also FNINIT, FLDCW and FWAIT, which replace exec_fpu_state.cpp's: FLDCW and
// FWAIT take a pending unmasked exception as #MF and FLDCW can unmask a pending one; FNINIT
// keeps the physical registers' contents when it resets TOP.
#include "emu/operands.h"
#include "emu/x87_util.h"

namespace vireo::emu::x87 {

namespace {

// Full tag word values (Intel SDM Vol. 1 8.1.7, Figure 8-7).
enum FullTag : uint16_t { kTagValid = 0, kTagZero = 1, kTagSpecial = 2, kTagEmpty = 3 };

FullTag classify(F80 value) {
    unsigned const exponent = value.sign_exponent & kExponentMask;
    if (exponent == kExponentMask)
        return kTagSpecial; // NaN, infinity
    if (exponent == 0)
        return value.significand == 0 ? kTagZero : kTagSpecial; // zero, denormal
    // An unnormal (integer bit clear) is unsupported, hence special.
    return (value.significand >> 63) != 0 ? kTagValid : kTagSpecial;
}

// The full tag word from the abridged one and the register contents, as FNSTENV and FNSAVE
// store it; physical register i is ST((i - TOP) mod 8).
uint16_t full_tag_word(Cpu const& cpu) {
    uint16_t word = 0;
    for (unsigned i = 0; i < 8; ++i) {
        unsigned const st = (i - top(cpu)) & 7;
        FullTag const tag = ((cpu.fpu.ftw >> i) & 1) == 0 ? kTagEmpty : classify(get(cpu, st));
        word = static_cast<uint16_t>(word | (tag << (2 * i)));
    }
    return word;
}

// An unmasked exception flag in FSW means a pending exception: ES and B say so.
void update_summary(Cpu& cpu) {
    bool const pending = (cpu.fpu.fsw & ~cpu.fpu.fcw & kExceptions) != 0;
    cpu.fpu.fsw = static_cast<uint16_t>((cpu.fpu.fsw & ~(kErrorSummary | kBusy)) |
                                        (pending ? kErrorSummary | kBusy : 0));
}

inline constexpr unsigned kEnvSmall = 14; // 16-bit operand size
inline constexpr unsigned kEnvLarge = 28; // 32- and 64-bit operand size
inline constexpr unsigned kRegisterBytes = 10;
// The reserved upper halves of the 28-byte image read as ones on Intel processors.
inline constexpr uint32_t kReservedHigh = 0xffff0000;

void put16(uint8_t* image, unsigned offset, uint32_t value) {
    auto const narrow = static_cast<uint16_t>(value);
    std::memcpy(image + offset, &narrow, 2);
}
void put32(uint8_t* image, unsigned offset, uint32_t value) {
    std::memcpy(image + offset, &value, 4);
}
uint32_t get16(uint8_t const* image, unsigned offset) {
    uint16_t value;
    std::memcpy(&value, image + offset, 2);
    return value;
}
uint32_t get32(uint8_t const* image, unsigned offset) {
    uint32_t value;
    std::memcpy(&value, image + offset, 4);
    return value;
}

// Writes the environment in the layout for `size` and the current mode. vireo does not
// track the last opcode or the selectors of the last instruction and operand: it reports
// opcode 0, the current CS and DS.
void encode_env(Cpu const& cpu, uint8_t* image, unsigned size) {
    auto const fip = static_cast<uint32_t>(cpu.fpu.fip);
    auto const fdp = static_cast<uint32_t>(cpu.fpu.fdp);
    uint16_t const tags = full_tag_word(cpu);
    bool const real = !cpu.protected_mode();
    if (size == kEnvLarge) {
        put32(image, 0, kReservedHigh | cpu.fpu.fcw);
        put32(image, 4, kReservedHigh | cpu.fpu.fsw);
        put32(image, 8, kReservedHigh | tags);
        put32(image, 12, real ? (fip & 0xffff) | kReservedHigh : fip);
        put32(image, 16, real ? (fip >> 16) << 12 : cpu.seg[kSegCs].selector);
        put32(image, 20, real ? (fdp & 0xffff) | kReservedHigh : fdp);
        put32(image, 24, real ? (fdp >> 16) << 12 : kReservedHigh | cpu.seg[kSegDs].selector);
    } else {
        put16(image, 0, cpu.fpu.fcw);
        put16(image, 2, cpu.fpu.fsw);
        put16(image, 4, tags);
        put16(image, 6, fip);
        put16(image, 8, real ? ((fip >> 16) & 0xf) << 12 : cpu.seg[kSegCs].selector);
        put16(image, 10, fdp);
        put16(image, 12, real ? ((fdp >> 16) & 0xf) << 12 : cpu.seg[kSegDs].selector);
    }
}

// A new TOP renames the registers: the physical ones keep their contents, so the stack-order
// slots rotate with it.
void load_status(Cpu& cpu, uint16_t status) {
    rotate(cpu, static_cast<int>((status >> kTopShift) & 7) - static_cast<int>(top(cpu)));
    cpu.fpu.fsw = status;
}

void decode_env(Cpu& cpu, uint8_t const* image, unsigned size) {
    bool const real = !cpu.protected_mode();
    uint32_t tags = 0;
    if (size == kEnvLarge) {
        cpu.fpu.fcw = static_cast<uint16_t>(get32(image, 0));
        load_status(cpu, static_cast<uint16_t>(get32(image, 4)));
        tags = get32(image, 8) & 0xffff;
        cpu.fpu.fip = real ? (get32(image, 12) & 0xffff) | ((get32(image, 16) >> 12) << 16)
                           : get32(image, 12);
        cpu.fpu.fdp = real ? (get32(image, 20) & 0xffff) | ((get32(image, 24) >> 12) << 16)
                           : get32(image, 20);
    } else {
        cpu.fpu.fcw = static_cast<uint16_t>(get16(image, 0));
        load_status(cpu, static_cast<uint16_t>(get16(image, 2)));
        tags = get16(image, 4);
        cpu.fpu.fip = real ? get16(image, 6) | ((get16(image, 8) >> 12) << 16) : get16(image, 6);
        cpu.fpu.fdp = real ? get16(image, 10) | ((get16(image, 12) >> 12) << 16) : get16(image, 10);
    }
    // Only "empty" survives into the abridged tag word; the processor reclassifies the rest.
    uint8_t abridged = 0;
    for (unsigned i = 0; i < 8; ++i)
        if (((tags >> (2 * i)) & 3) != kTagEmpty)
            abridged = static_cast<uint8_t>(abridged | (1U << i));
    cpu.fpu.ftw = abridged;
    update_summary(cpu);
}

unsigned env_size(Insn const& insn) {
    return insn.op[0].size == kEnvSmall || insn.op[0].size == kEnvSmall + 8 * kRegisterBytes
               ? kEnvSmall
               : kEnvLarge;
}

// FNINIT (and FNSAVE's end): control word 0x37F, status, tags and pointers cleared (Intel
// SDM Vol. 1 8.1.5 and Vol. 2A "FINIT"). Register contents stay, so TOP = 0 rotates the
// stack-order slots back to physical order.
void initialize(Cpu& cpu) {
    load_status(cpu, 0);
    cpu.fpu.fcw = kDefaultControl;
    cpu.fpu.ftw = 0;
    cpu.fpu.fop = 0;
    cpu.fpu.fip = 0;
    cpu.fpu.fdp = 0;
}

void fninit(Cpu& cpu, Insn const&) {
    if ((cpu.cr0 & (x86::kCr0Em | x86::kCr0Ts)) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
    initialize(cpu);
}

// FNSTENV: after storing, all exceptions are masked (Intel SDM Vol. 2A "FSTENV").
void fnstenv(Cpu& cpu, Insn const& insn) {
    if ((cpu.cr0 & (x86::kCr0Em | x86::kCr0Ts)) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
    unsigned const size = env_size(insn);
    uint8_t image[kEnvLarge];
    encode_env(cpu, image, size);
    write_slow(cpu, linear_address(cpu, insn), image, size);
    cpu.fpu.fcw |= kExceptions;
}

void fldenv(Cpu& cpu, Insn const& insn) {
    begin_control(cpu);
    unsigned const size = env_size(insn);
    uint8_t image[kEnvLarge];
    read_slow(cpu, linear_address(cpu, insn), image, size);
    decode_env(cpu, image, size);
}

// FNSAVE stores the environment and ST(0)-ST(7), then initializes the FPU like FNINIT.
void fnsave(Cpu& cpu, Insn const& insn) {
    if ((cpu.cr0 & (x86::kCr0Em | x86::kCr0Ts)) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
    unsigned const env = env_size(insn);
    uint8_t image[kEnvLarge + 8 * kRegisterBytes];
    encode_env(cpu, image, env);
    for (unsigned i = 0; i < 8; ++i) {
        F80 const value = get(cpu, i);
        std::memcpy(image + env + i * kRegisterBytes, &value, kRegisterBytes);
    }
    write_slow(cpu, linear_address(cpu, insn), image, env + 8 * kRegisterBytes);
    initialize(cpu);
}

void frstor(Cpu& cpu, Insn const& insn) {
    begin_control(cpu);
    unsigned const env = env_size(insn);
    uint8_t image[kEnvLarge + 8 * kRegisterBytes];
    read_slow(cpu, linear_address(cpu, insn), image, env + 8 * kRegisterBytes);
    decode_env(cpu, image, env);
    for (unsigned i = 0; i < 8; ++i) {
        F80 value;
        std::memcpy(&value, image + env + i * kRegisterBytes, kRegisterBytes);
        cpu.fpu.st[i] = {value.significand, value.sign_exponent};
    }
}

void fldcw(Cpu& cpu, Insn const& insn) {
    begin_control(cpu);
    cpu.fpu.fcw = read_mem<uint16_t>(cpu, linear_address(cpu, insn));
    update_summary(cpu);
}

// WAIT: #NM only when both CR0.MP and CR0.TS are set (Intel SDM Vol. 3A Table 2-2), then a
// pending exception.
void fwait(Cpu& cpu, Insn const&) {
    if ((cpu.cr0 & x86::kCr0Mp) != 0 && (cpu.cr0 & x86::kCr0Ts) != 0)
        raise_fault(x86::Vector::DeviceNotAvailable);
    check_pending(cpu);
}

} // namespace

void register_x87_env(Registry& registry) {
    registry.add_any<fnstenv>(ZYDIS_MNEMONIC_FNSTENV);
    registry.add_any<fldenv>(ZYDIS_MNEMONIC_FLDENV);
    registry.add_any<fnsave>(ZYDIS_MNEMONIC_FNSAVE);
    registry.add_any<frstor>(ZYDIS_MNEMONIC_FRSTOR);
    registry.add_any<fldcw>(ZYDIS_MNEMONIC_FLDCW);
    registry.add_any<fninit>(ZYDIS_MNEMONIC_FNINIT);
    registry.add_any<fwait>(ZYDIS_MNEMONIC_FWAIT);
}

} // namespace vireo::emu::x87
