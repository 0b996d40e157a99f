#include "kvm/kvm_vcpu.h"

#include <csignal>
#include <cstring>
#include <mutex>

#include <sys/ioctl.h>
#include <sys/mman.h>

#include "base/trace.h"
#include "kvm/flex_array.h"
#include "kvm/kvm_state.h"
#include "kvm/kvm_uapi.h"
#include "x86/registers.h"

namespace vireo::kvm {

namespace {

// The signal that interrupts KVM_RUN on a vCPU thread. Its handler sets immediate_exit on
// the thread's own kvm_run, so a kick that lands just before KVM_RUN is not lost
// (api.rst 5 "immediate_exit").
int kick_signal() {
    return SIGRTMIN + 1;
}
thread_local kvm_run* t_current_run = nullptr;

void on_kick_signal(int /*signal*/) {
    if (t_current_run != nullptr)
        t_current_run->immediate_exit = 1;
}

void install_kick_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction action {};
        action.sa_handler = on_kick_signal;
        sigemptyset(&action.sa_mask);
        sigaction(kick_signal(), &action, nullptr);
    });
}

// Local APIC register offsets and LVT delivery modes (Intel SDM Vol. 3A 11.4.1 Table 11-1,
// 11.5.1 Figure 11-8).
constexpr size_t kApicLvtLint0 = 0x350;
constexpr size_t kApicLvtLint1 = 0x360;
constexpr uint32_t kLvtDeliveryExtInt = 0x7 << 8;
constexpr uint32_t kLvtDeliveryNmi = 0x4 << 8;
constexpr uint32_t kLvtMasked = 1U << 16;

// x87 control word and MXCSR after FINIT/reset (Intel SDM Vol. 1 8.1.5, 10.2.3.1).
constexpr uint16_t kFpuControlWordDefault = 0x37f;
constexpr uint32_t kMxcsrDefault = 0x1f80;

// IA32_MTRR_DEF_TYPE with MTRRs enabled and write-back as the default type (Intel SDM Vol. 3A
// 11.11.2.1); IA32_PAT's power-on value (11.12.4).
constexpr uint64_t kMtrrDefTypeEnabledWriteBack = (1ULL << 11) | 0x6;
constexpr uint64_t kPatPowerOn = 0x0007040600070406ULL;

} // namespace

Result<std::unique_ptr<Vcpu>> KvmVcpu::create(int vm_fd, unsigned index, int mmap_size,
                                              std::span<x86::CpuidEntry const> cpuid,
                                              IoHandler& io) {
    install_kick_handler();
    UniqueFd fd(ioctl(vm_fd, KVM_CREATE_VCPU, index));
    if (!fd.valid())
        return errno_error("KVM_CREATE_VCPU {}", index);
    void* run = mmap(nullptr, static_cast<size_t>(mmap_size), PROT_READ | PROT_WRITE, MAP_SHARED,
                     fd.get(), 0);
    if (run == MAP_FAILED)
        return errno_error("mapping kvm_run of vCPU {}", index);
    std::unique_ptr<KvmVcpu> vcpu(
        new KvmVcpu(std::move(fd), index, static_cast<kvm_run*>(run), mmap_size, io));
    TRY(vcpu->set_cpuid(cpuid));
    TRY(vcpu->set_firmware_msrs());
    TRY(vcpu->set_firmware_lapic());
    TRY(vcpu->set_initial_fpu());
    return std::unique_ptr<Vcpu>(std::move(vcpu));
}

KvmVcpu::KvmVcpu(UniqueFd fd, unsigned index, kvm_run* run, int mmap_size, IoHandler& io)
    : fd_(std::move(fd))
    , index_(index)
    , run_(run)
    , mmap_size_(mmap_size)
    , io_(io) {}

KvmVcpu::~KvmVcpu() {
    munmap(run_, static_cast<size_t>(mmap_size_));
}

Result<void> KvmVcpu::set_cpuid(std::span<x86::CpuidEntry const> cpuid) {
    FlexArray<kvm_cpuid2, kvm_cpuid_entry2> table(cpuid.size());
    table->nent = static_cast<uint32_t>(cpuid.size());
    for (size_t i = 0; i < cpuid.size(); ++i) {
        auto& out = table->entries[i];
        out.function = cpuid[i].function;
        out.index = cpuid[i].index;
        out.flags = cpuid[i].indexed ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
        out.eax = cpuid[i].eax;
        out.ebx = cpuid[i].ebx;
        out.ecx = cpuid[i].ecx;
        out.edx = cpuid[i].edx;
    }
    if (ioctl(fd_.get(), KVM_SET_CPUID2, table.get()) < 0)
        return errno_error("KVM_SET_CPUID2 on vCPU {}", index_);
    return {};
}

Result<void> KvmVcpu::set_firmware_msrs() {
    // What a PC BIOS leaves behind: fast string operations enabled, MTRRs on with write-back
    // default, PAT at its power-on value.
    FlexArray<kvm_msrs, kvm_msr_entry> msrs(3);
    msrs->entries[0] = {x86::msr::kMiscEnable, 0, x86::kMiscEnableFastStrings};
    msrs->entries[1] = {x86::msr::kMtrrDefType, 0, kMtrrDefTypeEnabledWriteBack};
    msrs->entries[2] = {x86::msr::kPat, 0, kPatPowerOn};
    msrs->nmsrs = 3;
    int const written = ioctl(fd_.get(), KVM_SET_MSRS, msrs.get());
    if (written < 0)
        return errno_error("KVM_SET_MSRS on vCPU {}", index_);
    if (written != 3)
        VIREO_TRACE(Kvm, "vCPU {}: KVM accepted {} of 3 firmware MSRs", index_, written);
    return {};
}

Result<void> KvmVcpu::set_firmware_lapic() {
    // Firmware wires LINT0 to the 8259 (ExtINT) on the bootstrap processor and LINT1 to NMI on
    // every processor (Intel MultiProcessor Specification 1.4, 3.6.2.2 virtual wire mode).
    kvm_lapic_state lapic{};
    if (ioctl(fd_.get(), KVM_GET_LAPIC, &lapic) < 0)
        return errno_error("KVM_GET_LAPIC on vCPU {}", index_);
    auto set = [&](size_t offset, uint32_t value) {
        std::memcpy(lapic.regs + offset, &value, sizeof(value));
    };
    set(kApicLvtLint0, index_ == 0 ? kLvtDeliveryExtInt : kLvtDeliveryExtInt | kLvtMasked);
    set(kApicLvtLint1, kLvtDeliveryNmi);
    if (ioctl(fd_.get(), KVM_SET_LAPIC, &lapic) < 0)
        return errno_error("KVM_SET_LAPIC on vCPU {}", index_);
    return {};
}

Result<void> KvmVcpu::set_initial_fpu() {
    kvm_fpu fpu{};
    fpu.fcw = kFpuControlWordDefault;
    fpu.mxcsr = kMxcsrDefault;
    if (ioctl(fd_.get(), KVM_SET_FPU, &fpu) < 0)
        return errno_error("KVM_SET_FPU on vCPU {}", index_);
    return {};
}

Result<x86::CpuState> KvmVcpu::get_state() {
    kvm_regs regs{};
    kvm_sregs sregs{};
    if (ioctl(fd_.get(), KVM_GET_REGS, &regs) < 0)
        return errno_error("KVM_GET_REGS on vCPU {}", index_);
    if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0)
        return errno_error("KVM_GET_SREGS on vCPU {}", index_);
    return state_from_kvm(regs, sregs);
}

Result<void> KvmVcpu::set_state(x86::CpuState const& state) {
    kvm_sregs sregs{};
    // Read first: fields vireo does not model (the pending-interrupt bitmap) keep their values.
    if (ioctl(fd_.get(), KVM_GET_SREGS, &sregs) < 0)
        return errno_error("KVM_GET_SREGS on vCPU {}", index_);
    kvm_regs regs{};
    state_to_kvm(state, regs, sregs);
    if (ioctl(fd_.get(), KVM_SET_SREGS, &sregs) < 0)
        return errno_error("KVM_SET_SREGS on vCPU {}", index_);
    if (ioctl(fd_.get(), KVM_SET_REGS, &regs) < 0)
        return errno_error("KVM_SET_REGS on vCPU {}", index_);
    return {};
}

void KvmVcpu::kick() {
    kicked_.store(true, std::memory_order_release);
    if (thread_known_.load(std::memory_order_acquire))
        pthread_kill(thread_.load(), kick_signal());
}

Result<VcpuExit> KvmVcpu::run() {
    if (!thread_known_.load(std::memory_order_relaxed)) {
        thread_.store(pthread_self());
        thread_known_.store(true, std::memory_order_release);
        // Unblock the kick signal on this thread (the VMM blocks signals in its threads).
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, kick_signal());
        pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    }
    t_current_run = run_;
    for (;;) {
        if (kicked_.exchange(false, std::memory_order_acq_rel)) {
            run_->immediate_exit = 0;
            return VcpuExit{VcpuExitReason::Kicked, {}};
        }
        if (ioctl(fd_.get(), KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                run_->immediate_exit = 0;
                continue; // the loop head reports the kick
            }
            return errno_error("KVM_RUN on vCPU {}", index_);
        }
        if (auto exit = handle_exit())
            return *exit;
    }
}

std::optional<VcpuExit> KvmVcpu::handle_exit() {
    switch (run_->exit_reason) {
    case KVM_EXIT_IO:
        handle_io();
        return std::nullopt;
    case KVM_EXIT_MMIO:
        handle_mmio();
        return std::nullopt;
    case KVM_EXIT_INTR:
        return std::nullopt;
    case KVM_EXIT_SHUTDOWN:
        return VcpuExit{VcpuExitReason::TripleFault, "KVM_EXIT_SHUTDOWN (triple fault)"};
    case KVM_EXIT_INTERNAL_ERROR: {
        auto const& error = run_->internal;
        std::string detail = fmt::format("KVM_EXIT_INTERNAL_ERROR suberror {}", error.suberror);
        if (error.suberror == KVM_INTERNAL_ERROR_EMULATION)
            detail += " (instruction emulation failed)";
        for (uint32_t i = 0; i < error.ndata && i < 16; ++i)
            detail += fmt::format(" {:#x}", error.data[i]);
        return VcpuExit{VcpuExitReason::InternalError, detail};
    }
    case KVM_EXIT_FAIL_ENTRY:
        return VcpuExit{VcpuExitReason::InternalError,
                        fmt::format("KVM_EXIT_FAIL_ENTRY, hardware reason {:#x}",
                                    run_->fail_entry.hardware_entry_failure_reason)};
    case KVM_EXIT_SYSTEM_EVENT:
        if (run_->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
            return VcpuExit{VcpuExitReason::TripleFault, "KVM system event: shutdown"};
        return VcpuExit{VcpuExitReason::InternalError,
                        fmt::format("KVM system event {}", run_->system_event.type)};
    default:
        return VcpuExit{VcpuExitReason::InternalError,
                        fmt::format("unexpected KVM exit reason {}", run_->exit_reason)};
    }
}

void KvmVcpu::handle_io() {
    auto const& io = run_->io;
    auto* data = reinterpret_cast<uint8_t*>(run_) + io.data_offset;
    // String I/O (REP INS/OUTS) arrives as `count` consecutive accesses in one buffer.
    for (uint32_t i = 0; i < io.count; ++i) {
        std::span<uint8_t> access(data + static_cast<size_t>(i) * io.size, io.size);
        if (io.direction == KVM_EXIT_IO_OUT)
            io_.pio_write(io.port, access);
        else
            io_.pio_read(io.port, access);
    }
}

void KvmVcpu::handle_mmio() {
    auto& mmio = run_->mmio;
    uint32_t const length = std::min<uint32_t>(mmio.len, sizeof(mmio.data));
    if (mmio.is_write)
        io_.mmio_write(mmio.phys_addr, std::span<uint8_t const>(mmio.data, length));
    else
        io_.mmio_read(mmio.phys_addr, std::span<uint8_t>(mmio.data, length));
}

} // namespace vireo::kvm
