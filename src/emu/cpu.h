// The state of one emulated logical processor and the per-VM state its vCPUs share.
// Instruction handlers receive a Cpu& and read and write it directly: registers live in
// `regs` (RIP included, so that RIP-relative addressing is an ordinary base register),
// flags in `flags`, x87/SSE state in `fpu` in FXSAVE layout (see fxsave.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>

#include "bus/bus_device.h"
#include "emu/code_pages.h"
#include "emu/flags.h"
#include "emu/fxsave.h"
#include "emu/tlb.h"
#include "x86/cpu_state.h"

namespace vireo {
class IoHandler;
class GuestMemory;
} // namespace vireo

namespace vireo::emu {

// Slots of Cpu::regs: the 16 GPRs in encoding order, then a register that is always zero
// (the "no base"/"no index" of a memory operand) and RIP.
inline constexpr unsigned kRegZero = 16;
inline constexpr unsigned kRegRip = 17;
inline constexpr unsigned kRegSlots = 18;

// Segment registers in encoding order (Intel SDM Vol. 2A 3.1.1.3 "Sreg"), then a null
// segment with base 0 that memory operands use where segmentation does not apply.
enum SegReg : uint8_t { kSegEs, kSegCs, kSegSs, kSegDs, kSegFs, kSegGs, kSegFlat, kSegCount };

// The decoding mode of the code segment: the default operand/address size, and 64-bit mode.
enum class CodeMode : uint8_t { Bits16 = 0, Bits32 = 1, Bits64 = 2 };

// Asynchronous requests to a vCPU, set by other threads and checked between blocks.
enum CpuEvent : uint32_t {
    kEventKick = 1U << 0,          // return from run() promptly
    kEventInterrupt = 1U << 1,     // an interrupt controller may have something to deliver
    kEventFlushWriteTlb = 1U << 2, // a page became code: drop write translations
    kEventInitSipi = 1U << 3,      // INIT or SIPI arrived for this processor
};

struct Msrs {
    uint64_t star = 0, lstar = 0, cstar = 0, sfmask = 0;
    uint64_t kernel_gs_base = 0;
    uint64_t sysenter_cs = 0, sysenter_esp = 0, sysenter_eip = 0;
    uint64_t pat = 0x0007040600070406ULL; // power-up value (Intel SDM Vol. 3A 11.12.4)
    uint64_t tsc_aux = 0;
    uint64_t tsc_offset = 0;  // guest TSC = scaled host time + offset
    uint64_t tsc_adjust = 0;  // IA32_TSC_ADJUST (Intel SDM Vol. 3B 17.17.3)
    uint64_t misc_enable = 1; // fast strings (Intel SDM Vol. 4 Table 2-2)
    uint64_t tsc_deadline = 0;
    uint64_t mtrr_def_type = 0;
    uint64_t mtrr_fixed[11] = {};
    uint64_t mtrr_var[16] = {};
};

struct CpuHooks;
struct Block;
class BlockCache;

// Services a vCPU needs from the rest of the emulator, per VM.
struct Machine {
    GuestMemory* memory = nullptr;
    CodePages* code_pages = nullptr;
    uint64_t tsc_hz = 0;
    unsigned vcpu_count = 1;
};

struct Cpu {
    uint64_t regs[kRegSlots] = {};
    FlagState flags;
    x86::Segment seg[kSegCount];
    x86::Segment tr, ldt;
    x86::DescriptorTable gdt, idt;
    uint64_t cr0 = 0x60000010, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0; // reset CR0 (SDM 3A 9.1.1)
    uint64_t efer = 0;
    uint64_t apic_base = 0;
    uint64_t dr[8] = {0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400}; // DR6/DR7 at reset
    Msrs msr;
    FxsaveArea fpu;

    // Derived from the above by update_mode(); handlers read these instead of recomputing.
    uint8_t cpl = 0;
    CodeMode code_mode = CodeMode::Bits16;
    bool long_mode_active = false;
    uint64_t stack_mask = 0xffff;
    uint64_t linear_mask = 0xffffffff; // linear addresses wrap at 4 GiB outside long mode
    TlbEntry* tlb_read = nullptr;
    TlbEntry* tlb_write = nullptr;
    TlbEntry* tlb_exec = nullptr;
    // Alignment checking is armed: CR0.AM, RFLAGS.AC and CPL 3 (Intel SDM Vol. 3A 6.15
    // "Interrupt 17"). Then tlb_read/tlb_write point at an empty table, so every data access
    // takes the slow path, where the check is: the fast path pays nothing for it.
    bool alignment_check = false;

    // Interrupt shadow after STI and MOV SS/POP SS (Intel SDM Vol. 3A 6.8.3): no interrupt
    // is taken before the instruction at `shadow_rip`.
    bool interrupt_shadow = false;
    uint64_t shadow_rip = 0;
    bool halted = false;
    bool nmi_blocked = false;
    // Tests and tools can ask for exceptions to stop execution instead of being delivered.
    bool stop_on_exception = false;

    std::atomic<uint32_t> events{0};
    uint64_t instructions = 0;
    // RIP of the first instruction of the block being run: RIP = block_rip + end_offset.
    uint64_t block_rip = 0;
    // The executor's state while it runs: blocks chain into their linked successors from
    // their end sentinel (executor.cpp) until an event, the budget, or a missing link.
    Block const* current_block = nullptr;
    BlockCache* block_cache = nullptr;
    uint64_t stop_at = 0;
    bool chain_blocks = false;
    // Blocks chained since the executor's last call; bounded so that a handler the compiler
    // did not turn into a tail call cannot grow the host stack without limit.
    uint32_t chain_depth = 0;

    Tlb tlb;
    Machine* machine = nullptr;
    IoHandler* io = nullptr;
    BusDevice* local_apic = nullptr; // the LAPIC page, handled per vCPU
    CpuHooks* hooks = nullptr;       // LAPIC-owned MSRs and CR8 (msr.h)
    unsigned index = 0;

    uint64_t rip() const { return regs[kRegRip]; }
    void set_rip(uint64_t value) { regs[kRegRip] = value; }
    uint64_t& gpr(x86::Gpr which) { return regs[static_cast<unsigned>(which)]; }

    // Recomputes the derived fields after CS, SS, CR0, CR4 or EFER changed.
    void update_mode();
    // Re-arms alignment checking after RFLAGS.AC may have changed (POPF, IRET, delivery...).
    void update_alignment_check();
    bool protected_mode() const { return (cr0 & x86::kCr0Pe) != 0; }
    bool paging() const { return (cr0 & x86::kCr0Pg) != 0; }

    void request(CpuEvent event) { events.fetch_or(event, std::memory_order_release); }
};

// Conversion to and from the accelerator-neutral state the VMM exchanges.
x86::CpuState save_state(Cpu const& cpu);
void load_state(Cpu& cpu, x86::CpuState const& state);

// Puts the processor in its power-up state (Intel SDM Vol. 3A 9.1.1, Table 9-1).
void reset_cpu(Cpu& cpu);

} // namespace vireo::emu
