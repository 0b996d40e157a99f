// x87 comparisons: FCOM/FCOMP/FCOMPP and the unordered FUCOM* (registers and m32fp/m64fp),
// FICOM/FICOMP (m16int/m32int), FCOMI/FCOMIP/FUCOMI/FUCOMIP (into EFLAGS), FTST and FXAM.
// The host compares; FCOMI's EFLAGS are FCOM's C3, C2, C0 (Intel SDM Vol. 2A "FCOMI": ZF, PF,
// CF take exactly the values FCOM gives C3, C2, C0, and the same operands are invalid).
#include "emu/operands.h"
#include "emu/x87_host.h"

namespace vireo::emu::x87 {

namespace {

VIREO_X87_HOST(host_com, "fcom %%st(1)")
VIREO_X87_HOST(host_ucom, "fucom %%st(1)")
VIREO_X87_HOST(host_com_m32, "fcoms %[m]")
VIREO_X87_HOST(host_com_m64, "fcoml %[m]")
VIREO_X87_HOST(host_icom_i16, "ficoms %[m]")
VIREO_X87_HOST(host_icom_i32, "ficoml %[m]")
VIREO_X87_HOST(host_tst, "ftst")
VIREO_X87_HOST(host_xam, "fxam")

// "Unordered": the result of a masked invalid compare, and of an empty operand.
constexpr uint16_t kUnordered = kC3 | kC2 | kC0;

// Compares ST(0) with `b` (or the memory operand in `op`) and pops `Pops` times. Returns
// false when an unmasked exception left everything as it was.
bool compare(Cpu& cpu, HostFn fn, HostOp& op, unsigned pops) {
    op.a = get(cpu, 0);
    fn(op);
    if (!complete(cpu, op.status, kConditions))
        return false;
    for (unsigned i = 0; i < pops; ++i)
        pop(cpu);
    return true;
}

// Both operands present, or a stack underflow: the result is "unordered" even when the
// exception is unmasked (observed on hardware), and only a masked one pops.
bool operands_present(Cpu& cpu, unsigned other, unsigned pops) {
    if (!is_empty(cpu, 0) && !is_empty(cpu, other))
        return true;
    bool const masked = stack_underflow(cpu);
    set_condition(cpu, kUnordered, kUnordered);
    for (unsigned i = 0; masked && i < pops; ++i)
        pop(cpu);
    return false;
}

// Where the register compared with ST(0) comes from: FCOM ST(i) has one visible operand,
// Zydis gives FUCOMP two (ST(0), ST(i)), FCOMPP and FUCOMPP use ST(1).
enum class Other : uint8_t { Operand0, Operand1, St1 };

template <HostFn Fn, unsigned Pops, Other O>
void compare_register(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const other = O == Other::St1 ? 1 : insn.op[O == Other::Operand0 ? 0 : 1].reg;
    if (!operands_present(cpu, other, Pops))
        return;
    HostOp op = host_op(cpu);
    op.b = get(cpu, other);
    compare(cpu, Fn, op, Pops);
}

template <HostFn Fn, unsigned Size, unsigned Pops>
void compare_memory(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    cpu.fpu.fdp = effective_address(cpu, insn);
    uint64_t const value = read_sized<Size>(cpu, linear_address(cpu, insn));
    if (!operands_present(cpu, 0, Pops))
        return;
    HostOp op = host_op(cpu);
    std::memcpy(op.memory.bytes, &value, Size);
    compare(cpu, Fn, op, Pops);
}

// FCOMI/FUCOMI ST(0), ST(i) (and the popping forms) set ZF, PF, CF and clear OF, SF, AF,
// "unordered" also when #IA is unmasked (observed on hardware); the FSW condition codes
// other than C1 are not touched.
template <HostFn Fn, unsigned Pops>
void compare_eflags(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const other = insn.op[1].reg;
    uint16_t codes = kUnordered;
    bool pop_allowed = true;
    if (is_empty(cpu, 0) || is_empty(cpu, other)) {
        pop_allowed = stack_underflow(cpu);
    } else {
        HostOp op = host_op(cpu);
        op.a = get(cpu, 0);
        op.b = get(cpu, other);
        Fn(op);
        pop_allowed = (raise(cpu, op.status & kExceptions) & kPreComputation) == 0;
        codes = op.status;
    }
    uint64_t const flags = ((codes & kC3) != 0 ? x86::kFlagZf : 0) |
                           ((codes & kC2) != 0 ? x86::kFlagPf : 0) |
                           ((codes & kC0) != 0 ? x86::kFlagCf : 0);
    cpu.flags.set_arith(kArithFlags, flags);
    for (unsigned i = 0; pop_allowed && i < Pops; ++i)
        pop(cpu);
}

// FTST compares ST(0) with 0.0.
void test(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    if (!operands_present(cpu, 0, 0))
        return;
    HostOp op = host_op(cpu);
    compare(cpu, host_tst, op, 0);
}

// FXAM classifies ST(0) into C3, C2, C0 with its sign in C1; an empty register is its own
// class, 101 (Intel SDM Vol. 2A "FXAM", Table 3-?), not an underflow.
void examine(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    F80 const value = get(cpu, 0);
    uint16_t const sign_c1 = (value.sign_exponent & kSignBit) != 0 ? kC1 : 0;
    if (is_empty(cpu, 0)) {
        set_condition(cpu, kConditions, kC3 | kC0 | sign_c1);
        return;
    }
    HostOp op = host_op(cpu);
    op.a = value;
    host_xam(op);
    set_condition(cpu, kConditions, op.status);
}

constexpr OperandDesc kSt = operand_desc(OpKind::X87, 10);

} // namespace

void register_x87_compare(Registry& registry) {
    constexpr auto kOne = Other::Operand0;
    registry.add<compare_register<host_com, 0, kOne>>(ZYDIS_MNEMONIC_FCOM, make_form({kSt}));
    registry.add<compare_register<host_com, 1, kOne>>(ZYDIS_MNEMONIC_FCOMP, make_form({kSt}));
    registry.add<compare_register<host_com, 2, Other::St1>>(ZYDIS_MNEMONIC_FCOMPP, make_form({}));
    registry.add<compare_register<host_ucom, 0, kOne>>(ZYDIS_MNEMONIC_FUCOM, make_form({kSt}));
    registry.add<compare_register<host_ucom, 1, kOne>>(ZYDIS_MNEMONIC_FUCOMP, make_form({kSt}));
    registry.add<compare_register<host_ucom, 1, Other::Operand1>>(ZYDIS_MNEMONIC_FUCOMP,
                                                                  make_form({kSt, kSt}));
    registry.add<compare_register<host_ucom, 2, Other::St1>>(ZYDIS_MNEMONIC_FUCOMPP, make_form({}));
    registry.add<compare_memory<host_com_m32, 4, 0>>(ZYDIS_MNEMONIC_FCOM, make_form({M(4)}));
    registry.add<compare_memory<host_com_m64, 8, 0>>(ZYDIS_MNEMONIC_FCOM, make_form({M(8)}));
    registry.add<compare_memory<host_com_m32, 4, 1>>(ZYDIS_MNEMONIC_FCOMP, make_form({M(4)}));
    registry.add<compare_memory<host_com_m64, 8, 1>>(ZYDIS_MNEMONIC_FCOMP, make_form({M(8)}));
    registry.add<compare_memory<host_icom_i16, 2, 0>>(ZYDIS_MNEMONIC_FICOM, make_form({M(2)}));
    registry.add<compare_memory<host_icom_i32, 4, 0>>(ZYDIS_MNEMONIC_FICOM, make_form({M(4)}));
    registry.add<compare_memory<host_icom_i16, 2, 1>>(ZYDIS_MNEMONIC_FICOMP, make_form({M(2)}));
    registry.add<compare_memory<host_icom_i32, 4, 1>>(ZYDIS_MNEMONIC_FICOMP, make_form({M(4)}));
    registry.add<compare_eflags<host_com, 0>>(ZYDIS_MNEMONIC_FCOMI, make_form({kSt, kSt}));
    registry.add<compare_eflags<host_com, 1>>(ZYDIS_MNEMONIC_FCOMIP, make_form({kSt, kSt}));
    registry.add<compare_eflags<host_ucom, 0>>(ZYDIS_MNEMONIC_FUCOMI, make_form({kSt, kSt}));
    registry.add<compare_eflags<host_ucom, 1>>(ZYDIS_MNEMONIC_FUCOMIP, make_form({kSt, kSt}));
    registry.add<test>(ZYDIS_MNEMONIC_FTST, make_form({}));
    registry.add<examine>(ZYDIS_MNEMONIC_FXAM, make_form({}));
}

} // namespace vireo::emu::x87
