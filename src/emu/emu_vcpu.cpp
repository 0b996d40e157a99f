#include "emu/emu_vcpu.h"

#include <chrono>

#include "base/trace.h"
#include "emu/decoder.h"
#include "emu/executor.h"
#include "emu/interrupts.h"
#include "emu/mmu.h"
#include "irqchip/chipset.h"
#include "irqchip/clock.h"
#include "memory/guest_memory.h"

namespace vireo::emu {

namespace {

// Guest code runs in slices of this many instructions between timer polls: about 0.2 ms at
// the emulator's speed, well below the 4 ms tick of a HZ=250 kernel.
constexpr uint64_t kSliceInstructions = 20'000;

constexpr uint8_t kNmiVector = static_cast<uint8_t>(x86::Vector::Nmi);

} // namespace

EmuVcpu::EmuVcpu(unsigned index, Machine& machine, IoHandler& io, irqchip::Chipset& chipset,
                 irqchip::Clock const& clock)
    : chipset_(chipset)
    , apic_(chipset.local_apic(index))
    , clock_(clock) {
    cpu_.index = index;
    cpu_.machine = &machine;
    cpu_.io = &io;
    cpu_.local_apic = &apic_;
    cpu_.hooks = this;
    reset_cpu(cpu_);
    cpu_.apic_base = apic_.apic_base();
    // Application processors wait for INIT/SIPI from the BSP (Intel SDM Vol. 3A 9.4).
    wait_for_sipi_ = index != 0;
    apic_.set_wake_callback([this] { wake(); });
}

EmuVcpu::~EmuVcpu() {
    apic_.set_wake_callback({});
}

void EmuVcpu::wake() {
    cpu_.request(kEventInterrupt);
    std::lock_guard lock(mutex_);
    wake_.notify_all();
}

void EmuVcpu::kick() {
    cpu_.request(kEventKick);
    std::lock_guard lock(mutex_);
    wake_.notify_all();
}

Result<x86::CpuState> EmuVcpu::get_state() {
    return save_state(cpu_);
}

Result<void> EmuVcpu::set_state(x86::CpuState const& state) {
    load_state(cpu_, state);
    if (state.apic_base != 0 && !apic_.write_apic_base(state.apic_base))
        return make_error("vCPU {}: APIC base {:#x} is not valid", cpu_.index, state.apic_base);
    cpu_.apic_base = apic_.apic_base();
    wait_for_sipi_ = false;
    cpu_.halted = false;
    return {};
}

void EmuVcpu::poll_timers() {
    uint64_t const now = clock_.now_ns();
    if (trace_enabled(TraceCategory::Emu) && now >= next_report_ns_) {
        // About once a second: the guest's speed and where it is.
        if (next_report_ns_ != 0) {
            double const seconds = static_cast<double>(now - last_report_ns_) / 1e9;
            VIREO_TRACE(Emu, "cpu{} {:.1f} MIPS, {} instructions, rip {:#x}, {} blocks", cpu_.index,
                        static_cast<double>(cpu_.instructions - last_report_instructions_) /
                            seconds / 1e6,
                        cpu_.instructions, cpu_.rip(), cache_.size());
        }
        last_report_ns_ = now;
        last_report_instructions_ = cpu_.instructions;
        next_report_ns_ = now + 1'000'000'000;
    }
    if (auto const deadline = apic_.next_deadline_ns(); deadline && *deadline <= now)
        apic_.update_timers(now);
    // The BSP's thread drives the shared PIT.
    if (cpu_.index == 0)
        if (auto const deadline = chipset_.next_deadline_ns(); deadline && *deadline <= now)
            chipset_.update_timers(now);
}

EmuVcpu::Step EmuVcpu::take_interrupts() {
    if (!apic_.has_pending())
        return Step::Continue;
    if (apic_.take_init()) {
        reset_cpu(cpu_);
        cpu_.apic_base = apic_.apic_base();
        wait_for_sipi_ = true;
    }
    if (auto const vector = apic_.take_sipi()) {
        if (wait_for_sipi_) {
            // Start in real mode at vector * 4 KiB: CS = vector << 8, IP = 0.
            reset_cpu(cpu_);
            cpu_.apic_base = apic_.apic_base();
            cpu_.seg[kSegCs].selector = static_cast<uint16_t>(*vector << 8);
            cpu_.seg[kSegCs].base = static_cast<uint64_t>(*vector) << 12;
            cpu_.set_rip(0);
            cpu_.update_mode();
            wait_for_sipi_ = false;
            VIREO_TRACE(Emu, "cpu{} started by SIPI at {:#x}", cpu_.index, *vector << 12);
        }
    }
    if (wait_for_sipi_)
        return Step::Continue;
    if (!cpu_.nmi_blocked && apic_.take_nmi()) {
        cpu_.nmi_blocked = true;
        if (!deliver_interrupt(cpu_, kNmiVector))
            return Step::TripleFault;
    }
    bool const shadowed = cpu_.interrupt_shadow && cpu_.rip() == cpu_.shadow_rip;
    if (shadowed) {
        cpu_.request(kEventInterrupt); // look again after the shadowed instruction
        return Step::Continue;
    }
    if (!cpu_.flags.interrupts_enabled())
        return Step::Continue;
    if (auto const pending = apic_.pending_vector()) {
        uint8_t const vector = apic_.acknowledge(*pending);
        if (!deliver_interrupt(cpu_, vector))
            return Step::TripleFault;
    }
    return Step::Continue;
}

EmuVcpu::Step EmuVcpu::service_events() {
    uint32_t const events = cpu_.events.exchange(0, std::memory_order_acquire);
    if ((events & kEventFlushWriteTlb) != 0)
        cpu_.tlb.flush_writes();
    if (cpu_.interrupt_shadow && cpu_.rip() != cpu_.shadow_rip)
        cpu_.interrupt_shadow = false;
    poll_timers();
    Step const step = take_interrupts();
    if ((events & kEventKick) != 0)
        return Step::Kicked;
    return step;
}

bool EmuVcpu::poll_for_wake() const {
    auto const until = std::chrono::steady_clock::now() + kHaltPoll;
    do {
        if (apic_.has_pending() || cpu_.events.load(std::memory_order_acquire) != 0)
            return true;
        __builtin_ia32_pause();
    } while (std::chrono::steady_clock::now() < until);
    return false;
}

void EmuVcpu::wait_for_wake() {
    // A device's completion often follows a HLT within microseconds (a disk read served from
    // the page cache): look for it a little while before going to sleep, as KVM's halt
    // polling does, which spares a sleep and a wake-up through the scheduler. Measured with
    // bench/virtio-blk --only vireo (5 runs): read 1875 -> 2195 MiB/s, write 1417 -> 1916.
    if (poll_for_wake())
        return;
    // HLT and wait-for-SIPI: sleep until an interrupt is pending, a timer is due or a kick
    // arrives. The wake callback sets the APIC's flag before it notifies under mutex_, so
    // checking under mutex_ loses no wake-up.
    std::unique_lock lock(mutex_);
    for (;;) {
        if (apic_.has_pending() || cpu_.events.load(std::memory_order_acquire) != 0)
            return;
        std::optional<uint64_t> deadline = apic_.next_deadline_ns();
        if (cpu_.index == 0)
            if (auto const pit = chipset_.next_deadline_ns();
                pit && (!deadline || *pit < *deadline))
                deadline = pit;
        if (!deadline) {
            wake_.wait(lock);
            continue;
        }
        uint64_t const now = clock_.now_ns();
        if (*deadline <= now)
            return;
        wake_.wait_for(lock, std::chrono::nanoseconds(*deadline - now));
    }
}

Result<VcpuExit> EmuVcpu::run() {
    try {
        for (;;) {
            switch (service_events()) {
            case Step::Kicked:
                return VcpuExit{VcpuExitReason::Kicked, {}};
            case Step::TripleFault:
                return VcpuExit{VcpuExitReason::TripleFault, crash_report("triple fault")};
            case Step::Continue:
                break;
            }
            if (wait_for_sipi_ || cpu_.halted) {
                // A halted CPU resumes for an interrupt it can take (or NMI/INIT/SIPI).
                if (cpu_.halted && apic_.has_pending() && !cpu_.flags.interrupts_enabled() &&
                    !wait_for_sipi_)
                    VIREO_TRACE(Emu, "cpu{} halted with IF=0 and an interrupt pending", cpu_.index);
                wait_for_wake();
                continue;
            }
            ExecResult const result =
                execute(cpu_, cache_, kSliceInstructions,
                        trace_enabled(TraceCategory::Emu) ? &trace_ : nullptr);
            if (result.status == ExecStatus::TripleFault)
                return VcpuExit{VcpuExitReason::TripleFault, crash_report("triple fault")};
        }
    } catch (std::exception const& error) {
        return VcpuExit{VcpuExitReason::InternalError, crash_report(error.what())};
    }
}

std::string EmuVcpu::crash_report(char const* what) {
    std::string report =
        fmt::format("vCPU {}: {} after {} instructions", cpu_.index, what, cpu_.instructions);
    if (auto const physical = probe_physical(cpu_, code_linear(cpu_))) {
        if (uint8_t const* bytes = cpu_.machine->memory->host_pointer(*physical, 15))
            report +=
                fmt::format("; at RIP: {}", disassemble(cpu_.code_mode, bytes, 15, cpu_.rip()));
    }
    if (trace_enabled(TraceCategory::Emu))
        report += "; " + trace_.format();
    return report;
}

std::optional<uint64_t> EmuVcpu::read_msr(uint32_t index) {
    if (index == x86::msr::kApicBase)
        return apic_.apic_base();
    if (index == x86::msr::kTscDeadline)
        return apic_.read_tsc_deadline() + cpu_.msr.tsc_offset;
    return std::nullopt;
}

CpuHooks::WriteResult EmuVcpu::write_msr(uint32_t index, uint64_t value) {
    if (index == x86::msr::kApicBase) {
        if (!apic_.write_apic_base(value))
            return WriteResult::Fault;
        cpu_.apic_base = apic_.apic_base();
        return WriteResult::Done;
    }
    if (index == x86::msr::kTscDeadline) {
        // The LAPIC counts TSC ticks of the shared clock; the guest's TSC adds its offset.
        apic_.write_tsc_deadline(value == 0 ? 0 : value - cpu_.msr.tsc_offset);
        return WriteResult::Done;
    }
    return WriteResult::NotHandled;
}

uint8_t EmuVcpu::read_cr8() {
    return apic_.read_cr8();
}
void EmuVcpu::write_cr8(uint8_t value) {
    apic_.write_cr8(value);
}

} // namespace vireo::emu
