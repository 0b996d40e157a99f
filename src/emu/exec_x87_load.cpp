// x87 loads and stores: FLD (m32/m64/m80/ST(i)), FILD, FBLD, the constants FLD1..FLDZ, FST and
// FSTP, FIST/FISTP, FBSTP, and register-stack housekeeping: FXCH, FFREE(P), FINCSTP, FDECSTP,
// FCMOVcc, FNOP. Format conversions run on the host FPU (x87_host.h).
#include "emu/operands.h"
#include "emu/x87_host.h"

namespace vireo::emu::x87 {

namespace {

VIREO_X87_HOST(host_load_m32, "flds %[m]")
VIREO_X87_HOST(host_load_m64, "fldl %[m]")
VIREO_X87_HOST(host_load_i16, "filds %[m]")
VIREO_X87_HOST(host_load_i32, "fildl %[m]")
VIREO_X87_HOST(host_load_i64, "fildll %[m]")
VIREO_X87_HOST(host_load_bcd, "fbld %[m]")
VIREO_X87_HOST(host_one, "fld1")
VIREO_X87_HOST(host_log2_10, "fldl2t")
VIREO_X87_HOST(host_log2_e, "fldl2e")
VIREO_X87_HOST(host_pi, "fldpi")
VIREO_X87_HOST(host_log10_2, "fldlg2")
VIREO_X87_HOST(host_ln_2, "fldln2")
VIREO_X87_HOST(host_zero, "fldz")
VIREO_X87_HOST(host_store_m32, "fsts %[m]")
VIREO_X87_HOST(host_store_m64, "fstl %[m]")
VIREO_X87_HOST(host_store_i16, "fists %[m]")
VIREO_X87_HOST(host_store_i32, "fistl %[m]")
VIREO_X87_HOST(host_store_i64, "fistpll %[m]")
VIREO_X87_HOST(host_store_bcd, "fbstp %[m]")

uint64_t memory_operand(Cpu& cpu, Insn const& insn) {
    cpu.fpu.fdp = effective_address(cpu, insn);
    return linear_address(cpu, insn);
}

// Pushes `value` unless ST(7) is in use: stack overflow (Intel SDM Vol. 1 8.5.1.1), which
// pushes the indefinite when masked. C1 tells overflow (1) from none (0).
void push_checked(Cpu& cpu, F80 value) {
    if (!is_empty(cpu, 7)) {
        if (stack_overflow(cpu))
            push(cpu, kIndefinite);
        return;
    }
    set_condition(cpu, kC1, 0);
    push(cpu, value);
}

// FLD m32fp/m64fp, FILD, FBLD: converted by the host with exceptions masked (a load cannot
// overflow). An unmasked #IA (SNaN) leaves the stack alone, an unmasked #D does not (both
// observed on hardware). A stack overflow is found first and hides the operand's exceptions.
template <HostFn Fn, unsigned Size>
void load_converted(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    uint64_t const linear = memory_operand(cpu, insn);
    if (!is_empty(cpu, 7)) {
        // The whole operand is still read, and can fault (all 10 bytes of an m80bcd).
        if constexpr (Size == 10)
            (void)read_mem<F80>(cpu, linear);
        else
            (void)read_sized<Size>(cpu, linear);
        push_checked(cpu, kIndefinite);
        return;
    }
    HostOp op = host_op(cpu);
    if constexpr (Size == 10) {
        F80 const value = read_mem<F80>(cpu, linear);
        std::memcpy(op.memory.bytes, &value, sizeof(value));
    } else {
        uint64_t const value = read_sized<Size>(cpu, linear);
        std::memcpy(op.memory.bytes, &value, Size);
    }
    op.control |= kExceptions;
    Fn(op);
    uint16_t const unmasked = raise(cpu, op.status & kExceptions);
    if ((unmasked & kInvalid) == 0)
        push_checked(cpu, op.st0);
    else // nothing is pushed, and there was no stack overflow (Intel SDM Vol. 2A "FLD")
        set_condition(cpu, kC1, 0);
}

void load_m80(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    push_checked(cpu, read_mem<F80>(cpu, memory_operand(cpu, insn)));
}

// FLD ST(i) copies the register exactly, SNaNs included (Intel SDM Vol. 2A "FLD").
void load_register(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const i = insn.op[0].reg;
    if (is_empty(cpu, i)) {
        if (stack_underflow(cpu))
            push(cpu, kIndefinite);
        return;
    }
    push_checked(cpu, get(cpu, i));
}

// FLD1, FLDL2T, FLDL2E, FLDPI, FLDLG2, FLDLN2, FLDZ: the host rounds the constant by FCW.RC.
template <HostFn Fn>
void load_constant(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    HostOp op = host_op(cpu);
    op.control |= kExceptions;
    Fn(op);
    push_checked(cpu, op.st0);
}

// A store that an unmasked exception cancels still faults on an inaccessible destination
// first (observed: #PF rather than a later #MF).
template <unsigned Size>
void check_writable(Cpu& cpu, uint64_t linear) {
    (void)writable_pointer(cpu, linear, Size);
}

// Writes a converted value; a fault on the write leaves the x87 state untouched, so callers
// update FSW and the stack only after it.
template <unsigned Size>
void write_converted(Cpu& cpu, uint64_t linear, HostMemory const& memory) {
    if constexpr (Size == 10) {
        F80 value;
        std::memcpy(&value, memory.bytes, 10);
        write_mem<F80>(cpu, linear, value);
    } else {
        uint64_t value = 0;
        std::memcpy(&value, memory.bytes, Size);
        write_sized<Size>(cpu, linear, value);
    }
}

// With ST(0) empty: an unmasked stack underflow stores nothing; a masked one stores the
// format's indefinite, which the host makes from the QNaN indefinite, and pops.
template <HostFn Fn, unsigned Size, bool Pop>
void store_from_empty(Cpu& cpu, uint64_t linear) {
    if ((cpu.fpu.fcw & kInvalid) == 0) {
        check_writable<Size>(cpu, linear);
        stack_underflow(cpu);
        return;
    }
    HostOp op = host_op(cpu);
    op.a = kIndefinite;
    op.control |= kExceptions;
    Fn(op);
    write_converted<Size>(cpu, linear, op.memory);
    stack_underflow(cpu);
    if (Pop)
        pop(cpu);
}

// FST/FSTP m32fp/m64fp, FIST(P), FBSTP: the host converts ST(0) under the guest's control
// word. An unmasked exception other than precision stores nothing and does not pop (observed:
// unmasked #O or #U on FSTP m32 keeps memory and TOP); precision stores the rounded value.
template <HostFn Fn, unsigned Size, bool Pop>
void store_converted(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    uint64_t const linear = memory_operand(cpu, insn);
    if (is_empty(cpu, 0))
        return store_from_empty<Fn, Size, Pop>(cpu, linear);
    HostOp op = host_op(cpu);
    op.a = get(cpu, 0);
    Fn(op);
    auto const unmasked = static_cast<uint16_t>(op.status & ~cpu.fpu.fcw & kExceptions);
    bool const stored = (unmasked & ~kPrecision) == 0;
    if (stored)
        write_converted<Size>(cpu, linear, op.memory);
    else
        check_writable<Size>(cpu, linear);
    set_condition(cpu, kC1, op.status); // rounded up or not
    raise(cpu, op.status & kExceptions);
    if (stored && Pop)
        pop(cpu);
}

// FSTP m80fp: an exact copy.
void store_m80(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    uint64_t const linear = memory_operand(cpu, insn);
    bool const empty = is_empty(cpu, 0);
    if (empty && (cpu.fpu.fcw & kInvalid) == 0) {
        check_writable<10>(cpu, linear);
        stack_underflow(cpu);
        return;
    }
    write_mem<F80>(cpu, linear, empty ? kIndefinite : get(cpu, 0));
    if (empty)
        stack_underflow(cpu);
    else
        set_condition(cpu, kC1, 0);
    pop(cpu);
}

// FST/FSTP ST(i).
template <bool Pop>
void store_register(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const i = insn.op[0].reg;
    if (is_empty(cpu, 0)) {
        if (!stack_underflow(cpu))
            return;
        put(cpu, i, kIndefinite);
    } else {
        set_condition(cpu, kC1, 0);
        put(cpu, i, get(cpu, 0));
    }
    if (Pop)
        pop(cpu);
}

// FXCH ST(i); empty registers take part as the indefinite when the underflow is masked.
void exchange(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const i = insn.op[0].reg;
    bool const empty0 = is_empty(cpu, 0);
    bool const empty_i = is_empty(cpu, i);
    if ((empty0 || empty_i) && !stack_underflow(cpu))
        return;
    set_condition(cpu, kC1, 0);
    F80 const a = empty0 ? kIndefinite : get(cpu, 0);
    F80 const b = empty_i ? kIndefinite : get(cpu, i);
    put(cpu, 0, b);
    put(cpu, i, a);
}

// FFREE(P) ST(i): the tag only; C1 is cleared (observed on hardware).
template <bool Pop>
void free_register(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    set_empty(cpu, insn.op[0].reg);
    set_condition(cpu, kC1, 0);
    if (Pop)
        pop(cpu);
}

// FINCSTP/FDECSTP move TOP without touching tags or values; C1 is cleared.
template <int Delta>
void move_top(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    rotate(cpu, Delta);
    set_condition(cpu, kC1, 0);
}

void fnop(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
}

// FCMOVcc ST(0), ST(i): the EFLAGS conditions B, E, BE, U and their negations, numbered as
// Jcc's (Intel SDM Vol. 2A "FCMOVcc").
template <unsigned Condition>
void conditional_move(Cpu& cpu, Insn const& insn) {
    begin(cpu, insn);
    unsigned const i = insn.op[1].reg;
    if (is_empty(cpu, 0) || is_empty(cpu, i)) {
        if (stack_underflow(cpu))
            put(cpu, 0, kIndefinite);
        return;
    }
    if (cpu.flags.condition(Condition))
        put(cpu, 0, get(cpu, i));
}

constexpr OperandDesc kSt = operand_desc(OpKind::X87, 10);

void register_loads(Registry& registry) {
    registry.add<load_converted<host_load_m32, 4>>(ZYDIS_MNEMONIC_FLD, make_form({M(4)}));
    registry.add<load_converted<host_load_m64, 8>>(ZYDIS_MNEMONIC_FLD, make_form({M(8)}));
    registry.add<load_m80>(ZYDIS_MNEMONIC_FLD, make_form({M(10)}));
    registry.add<load_register>(ZYDIS_MNEMONIC_FLD, make_form({kSt}));
    registry.add<load_converted<host_load_i16, 2>>(ZYDIS_MNEMONIC_FILD, make_form({M(2)}));
    registry.add<load_converted<host_load_i32, 4>>(ZYDIS_MNEMONIC_FILD, make_form({M(4)}));
    registry.add<load_converted<host_load_i64, 8>>(ZYDIS_MNEMONIC_FILD, make_form({M(8)}));
    registry.add<load_converted<host_load_bcd, 10>>(ZYDIS_MNEMONIC_FBLD, make_form({M(10)}));
    registry.add<load_constant<host_one>>(ZYDIS_MNEMONIC_FLD1, make_form({}));
    registry.add<load_constant<host_log2_10>>(ZYDIS_MNEMONIC_FLDL2T, make_form({}));
    registry.add<load_constant<host_log2_e>>(ZYDIS_MNEMONIC_FLDL2E, make_form({}));
    registry.add<load_constant<host_pi>>(ZYDIS_MNEMONIC_FLDPI, make_form({}));
    registry.add<load_constant<host_log10_2>>(ZYDIS_MNEMONIC_FLDLG2, make_form({}));
    registry.add<load_constant<host_ln_2>>(ZYDIS_MNEMONIC_FLDLN2, make_form({}));
    registry.add<load_constant<host_zero>>(ZYDIS_MNEMONIC_FLDZ, make_form({}));
}

void register_stores(Registry& registry) {
    registry.add<store_converted<host_store_m32, 4, false>>(ZYDIS_MNEMONIC_FST, make_form({M(4)}));
    registry.add<store_converted<host_store_m64, 8, false>>(ZYDIS_MNEMONIC_FST, make_form({M(8)}));
    registry.add<store_register<false>>(ZYDIS_MNEMONIC_FST, make_form({kSt}));
    registry.add<store_converted<host_store_m32, 4, true>>(ZYDIS_MNEMONIC_FSTP, make_form({M(4)}));
    registry.add<store_converted<host_store_m64, 8, true>>(ZYDIS_MNEMONIC_FSTP, make_form({M(8)}));
    registry.add<store_m80>(ZYDIS_MNEMONIC_FSTP, make_form({M(10)}));
    registry.add<store_register<true>>(ZYDIS_MNEMONIC_FSTP, make_form({kSt}));
    // D9 D8+i, undocumented (Zydis "FSTPNCE"): FSTP ST(i) as long as ST(0) is in use. With
    // ST(0) empty hardware raises no stack fault and stores a value vireo does not model.
    registry.add<store_register<true>>(ZYDIS_MNEMONIC_FSTPNCE, make_form({kSt}));
    registry.add<store_converted<host_store_i16, 2, false>>(ZYDIS_MNEMONIC_FIST, make_form({M(2)}));
    registry.add<store_converted<host_store_i32, 4, false>>(ZYDIS_MNEMONIC_FIST, make_form({M(4)}));
    registry.add<store_converted<host_store_i16, 2, true>>(ZYDIS_MNEMONIC_FISTP, make_form({M(2)}));
    registry.add<store_converted<host_store_i32, 4, true>>(ZYDIS_MNEMONIC_FISTP, make_form({M(4)}));
    registry.add<store_converted<host_store_i64, 8, true>>(ZYDIS_MNEMONIC_FISTP, make_form({M(8)}));
    registry.add<store_converted<host_store_bcd, 10, true>>(ZYDIS_MNEMONIC_FBSTP,
                                                            make_form({M(10)}));
}

} // namespace

void register_x87_load_store(Registry& registry) {
    register_loads(registry);
    register_stores(registry);
    registry.add<exchange>(ZYDIS_MNEMONIC_FXCH, make_form({kSt}));
    registry.add<free_register<false>>(ZYDIS_MNEMONIC_FFREE, make_form({kSt}));
    registry.add<free_register<true>>(ZYDIS_MNEMONIC_FFREEP, make_form({kSt}));
    registry.add<move_top<1>>(ZYDIS_MNEMONIC_FINCSTP, make_form({}));
    registry.add<move_top<-1>>(ZYDIS_MNEMONIC_FDECSTP, make_form({}));
    registry.add<fnop>(ZYDIS_MNEMONIC_FNOP, make_form({}));
    // The 8087/80287 FENI, FDISI and FSETPM execute as FNOP on later processors (Intel SDM
    // Vol. 2A "FNOP" and Appendix A.4.2).
    registry.add<fnop>(ZYDIS_MNEMONIC_FENI8087_NOP, make_form({}));
    registry.add<fnop>(ZYDIS_MNEMONIC_FDISI8087_NOP, make_form({}));
    registry.add<fnop>(ZYDIS_MNEMONIC_FSETPM287_NOP, make_form({}));
    registry.add<conditional_move<0x2>>(ZYDIS_MNEMONIC_FCMOVB, make_form({kSt, kSt}));
    registry.add<conditional_move<0x4>>(ZYDIS_MNEMONIC_FCMOVE, make_form({kSt, kSt}));
    registry.add<conditional_move<0x6>>(ZYDIS_MNEMONIC_FCMOVBE, make_form({kSt, kSt}));
    registry.add<conditional_move<0xa>>(ZYDIS_MNEMONIC_FCMOVU, make_form({kSt, kSt}));
    registry.add<conditional_move<0x3>>(ZYDIS_MNEMONIC_FCMOVNB, make_form({kSt, kSt}));
    registry.add<conditional_move<0x5>>(ZYDIS_MNEMONIC_FCMOVNE, make_form({kSt, kSt}));
    registry.add<conditional_move<0x7>>(ZYDIS_MNEMONIC_FCMOVNBE, make_form({kSt, kSt}));
    registry.add<conditional_move<0xb>>(ZYDIS_MNEMONIC_FCMOVNU, make_form({kSt, kSt}));
}

} // namespace vireo::emu::x87
