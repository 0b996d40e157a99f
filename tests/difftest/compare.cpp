#include "compare.h"

#include <cstring>

#include <fmt/format.h>

#include "builder.h"
#include "encoder.h"

namespace vireo::difftest {

namespace {

constexpr unsigned kGeneralProtection = 13;
constexpr unsigned kPageFault = 14;

// RFLAGS bits compared: all but RF (bit 16), which the processor sets in the RFLAGS image of
// a fault (Intel SDM Vol. 3A 18.3.1.1), and the reserved bits 3, 5, 15.
constexpr uint64_t kComparedFlags = 0x3e7fd7;
// FSW condition codes as a mask from ProgramInsn::fpu_cc_undefined (stored shifted by 8).
constexpr unsigned kFpuCcShift = 8;
// Exceptions that push an error code (Intel SDM Vol. 3A 6.3.1, Table 6-1).
constexpr uint32_t kVectorsWithErrorCode =
    (1U << 8) | (1U << 10) | (1U << 11) | (1U << 12) | (1U << 13) | (1U << 14) | (1U << 17);

constexpr char const* kGprNames[16] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};

char const* vector_name(unsigned vector) {
    static constexpr char const* kNames[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
                                             "#NM", "#DF", "#9",  "#TS", "#NP", "#SS", "#GP",
                                             "#PF", "#15", "#MF", "#AC", "#MC", "#XM"};
    return vector < std::size(kNames) ? kNames[vector] : "#?";
}

std::string hex(uint64_t value) {
    return fmt::format("{:#x}", value);
}

ProgramInsn const* stop_insn(Program const& program, uint64_t rip) {
    if (ProgramInsn const* insn = program.insn_at(rip))
        return insn;
    return program.insns.empty() ? nullptr : &program.insns.back();
}

void compare_value(std::vector<Difference>& out, std::string what, uint64_t native,
                   uint64_t emulated) {
    if (native != emulated)
        out.push_back({std::move(what), hex(native), hex(emulated)});
}

void compare_stop(std::vector<Difference>& out, Program const& program, Outcome const& native,
                  Outcome const& emulated) {
    bool same = native.vector == emulated.vector;
    if (same && native.vector == kPageFault)
        same = native.fault_address == emulated.fault_address;
    if (!same) {
        out.push_back({"stop", describe_stop(program, native), describe_stop(program, emulated)});
        return;
    }
    if ((kVectorsWithErrorCode >> native.vector) & 1U)
        compare_value(out, fmt::format("{} error code", vector_name(native.vector)),
                      native.error_code, emulated.error_code);
}

void compare_fpu(std::vector<Difference>& out, Fxsave const& n, Fxsave const& e,
                 uint16_t cc_undefined) {
    compare_value(out, "fcw", n.fcw, e.fcw);
    compare_value(out, "fsw", n.fsw & ~cc_undefined, e.fsw & ~cc_undefined);
    compare_value(out, "ftw", n.ftw, e.ftw);
    compare_value(out, "mxcsr", n.mxcsr, e.mxcsr);
    unsigned const top = (n.fsw >> kFswTopShift) & 7;
    for (unsigned i = 0; i < 8; ++i) {
        // Only registers holding a value (tag not empty) are defined; FXSAVE lists them
        // from ST(0), whose physical register is TOP (Intel SDM Vol. 1 8.1.2).
        if (((n.ftw >> ((top + i) & 7)) & 1) == 0)
            continue;
        Fxsave::St const& a = n.st[i];
        Fxsave::St const& b = e.st[i];
        if (a.mantissa != b.mantissa || a.sign_exponent != b.sign_exponent)
            out.push_back({fmt::format("st{}", i),
                           fmt::format("{:04x}:{:016x}", a.sign_exponent, a.mantissa),
                           fmt::format("{:04x}:{:016x}", b.sign_exponent, b.mantissa)});
    }
    for (unsigned i = 0; i < 16; ++i) {
        if (n.xmm[i].lo != e.xmm[i].lo || n.xmm[i].hi != e.xmm[i].hi)
            out.push_back({fmt::format("xmm{}", i),
                           fmt::format("{:016x}:{:016x}", n.xmm[i].hi, n.xmm[i].lo),
                           fmt::format("{:016x}:{:016x}", e.xmm[i].hi, e.xmm[i].lo)});
    }
}

bool ignored(Program const& program, size_t offset) {
    for (auto const& [begin, end] : program.data_ignored) {
        if (offset >= begin && offset < end)
            return true;
    }
    return false;
}

std::string bytes_text(std::vector<uint8_t> const& bytes, size_t begin, size_t end) {
    std::string out;
    for (size_t i = begin; i < end; ++i)
        out += fmt::format("{:02x}", bytes[i]);
    return out;
}

// Differing byte runs (at most a few reported), skipping the ignored ranges of the data.
void compare_buffer(std::vector<Difference>& out, Program const& program, char const* name,
                    std::vector<uint8_t> const& n, std::vector<uint8_t> const& e, bool data) {
    constexpr unsigned kMaxRuns = 4;
    constexpr size_t kMaxRunBytes = 16;
    unsigned runs = 0;
    for (size_t i = 0; i < n.size() && i < e.size() && runs < kMaxRuns; ++i) {
        if (n[i] == e[i] || (data && ignored(program, i)))
            continue;
        size_t end = i + 1;
        while (end < n.size() && end - i < kMaxRunBytes && n[end] != e[end])
            ++end;
        out.push_back({fmt::format("{}[{:#x}..{:#x}]", name, i, end - 1), bytes_text(n, i, end),
                       bytes_text(e, i, end)});
        ++runs;
        i = end;
    }
}

} // namespace

std::vector<Difference> compare_outcomes(Program const& program, Outcome const& native,
                                         Outcome const& emulated) {
    std::vector<Difference> out;
    if (native.status != RunStatus::Stopped || emulated.status != RunStatus::Stopped) {
        out.push_back({"run", describe_stop(program, native), describe_stop(program, emulated)});
        return out;
    }
    compare_stop(out, program, native, emulated);
    MachineState const& n = native.state;
    MachineState const& e = emulated.state;
    compare_value(out, "rip", n.rip, e.rip);
    for (unsigned i = 0; i < 16; ++i)
        compare_value(out, kGprNames[i], n.gpr[i], e.gpr[i]);
    ProgramInsn const* at = stop_insn(program, n.rip);
    uint32_t const undefined = at ? at->flags_undefined : kArithFlags;
    uint64_t const mask = kComparedFlags & ~static_cast<uint64_t>(undefined);
    compare_value(out, "rflags", n.rflags & mask, e.rflags & mask);
    auto const cc_undefined =
        static_cast<uint16_t>(at ? at->fpu_cc_undefined << kFpuCcShift : kFpuConditionCodes);
    compare_fpu(out, n.fx, e.fx, cc_undefined);
    compare_buffer(out, program, "data", native.data, emulated.data, true);
    compare_buffer(out, program, "stack", native.stack, emulated.stack, false);
    return out;
}

std::string summarize(std::vector<Difference> const& differences) {
    std::string out;
    auto add = [&out](std::string_view category) {
        if (out.find(category) != std::string::npos)
            return;
        out += out.empty() ? "" : ",";
        out += category;
    };
    for (Difference const& d : differences) {
        std::string_view const what = d.what;
        if (what.starts_with("xmm"))
            add("xmm");
        else if (what.starts_with("st") && what.size() == 3 && what != "stop")
            add("x87");
        else if (what == "fcw" || what == "fsw" || what == "ftw")
            add(what);
        else if (what.starts_with("data") || what.starts_with("stack["))
            add("memory");
        else if (what.starts_with("r") && what != "rip" && what != "rflags" && what != "run")
            add("gpr");
        else
            add(what);
    }
    return out;
}

std::string describe_stop(Program const& program, Outcome const& outcome) {
    switch (outcome.status) {
    case RunStatus::Timeout:
        return "time-out" + (outcome.detail.empty() ? "" : " (" + outcome.detail + ")");
    case RunStatus::Crashed:
        return "no result (" + outcome.detail + ")";
    case RunStatus::Stopped:
        break;
    }
    uint64_t const rip = outcome.state.rip;
    if (outcome.vector == kGeneralProtection && rip == program.end_address)
        return "end (HLT: #GP)";
    std::string text = vector_name(outcome.vector);
    if ((kVectorsWithErrorCode >> outcome.vector) & 1U)
        text += fmt::format(" (error {:#x})", outcome.error_code);
    if (outcome.vector == kPageFault)
        text += fmt::format(" CR2 {:#x}", outcome.fault_address);
    return text + fmt::format(" at {:#x}: {}", rip, disassemble_at(program, rip));
}

std::string disassemble_at(Program const& program, uint64_t address) {
    if (address < kCodeAddress || address >= kCodeAddress + program.code.size())
        return "(outside the program)";
    size_t const offset = address - kCodeAddress;
    size_t const length = std::min<size_t>(kMaxInsnBytes, program.code.size() - offset);
    return disassemble({program.code.data() + offset, length}, address);
}

std::string format_program(Program const& program, uint64_t mark) {
    std::string out;
    for (ProgramInsn const& insn : program.insns) {
        size_t const offset = insn.address - kCodeAddress;
        std::string bytes;
        for (unsigned i = 0; i < insn.length; ++i)
            bytes += fmt::format("{:02x} ", program.code[offset + i]);
        out += fmt::format("  {} {:#x}  {:<33} {:<44} {}\n", insn.address == mark ? ">>" : "  ",
                           insn.address, bytes,
                           disassemble({program.code.data() + offset, insn.length}, insn.address),
                           class_name(static_cast<InsnClass>(insn.cls)));
    }
    return out;
}

std::string format_state(MachineState const& state) {
    std::string out;
    for (unsigned i = 0; i < 16; ++i)
        out += fmt::format("  {:<4}{:#018x}{}", kGprNames[i], state.gpr[i], i % 4 == 3 ? "\n" : "");
    out += fmt::format("  rflags {:#x}  fcw {:#06x} fsw {:#06x} ftw {:#04x} mxcsr {:#x}\n",
                       state.rflags, state.fx.fcw, state.fx.fsw, state.fx.ftw, state.fx.mxcsr);
    for (unsigned i = 0; i < 8; ++i)
        out += fmt::format("  st{} {:04x}:{:016x}{}", i, state.fx.st[i].sign_exponent,
                           state.fx.st[i].mantissa, i % 4 == 3 ? "\n" : "");
    for (unsigned i = 0; i < 16; ++i)
        out += fmt::format("  xmm{:<2} {:016x}:{:016x}{}", i, state.fx.xmm[i].hi,
                           state.fx.xmm[i].lo, i % 2 == 1 ? "\n" : "");
    return out;
}

} // namespace vireo::difftest
