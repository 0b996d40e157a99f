#include "hostcheck/probe_vm.h"

#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include <sys/ioctl.h>
#include <sys/mman.h>

#include "base/trace.h"
#include "kvm/kvm_uapi.h"
#include "x86/registers.h"

namespace vireo::hostcheck {
namespace {

// The CPU time of this thread, not the wall clock: KVM_RUN runs the guest (or emulates it)
// on the calling thread and never sleeps in this VM, so CPU time is the time KVM_RUN took
// minus any time the host scheduler gave the CPU to someone else. On a busy host a single
// preemption would otherwise make a native run look emulated.
std::chrono::nanoseconds thread_cpu_time() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

// The probe's guest RAM: the loop in the first page, then the three page-table levels that
// identity-map the first 2 MiB of guest-physical memory with one large page.
constexpr uint64_t kRamAddress = 0x10000;
constexpr uint64_t kPageSize = 0x1000;
constexpr uint64_t kCodeAddress = kRamAddress;
constexpr uint64_t kPml4Address = kRamAddress + 1 * kPageSize;
constexpr uint64_t kPdptAddress = kRamAddress + 2 * kPageSize;
constexpr uint64_t kPageDirectoryAddress = kRamAddress + 3 * kPageSize;
constexpr uint64_t kRamSize = 4 * kPageSize;
// Inside the identity map but outside the RAM slot: a store there leaves the guest as a
// KVM_EXIT_MMIO at either ring. (An OUT at ring 3 would depend on IOPL, and kvm_pvm turns
// it into #GP whatever IOPL says.)
constexpr uint64_t kExitMmioAddress = 0x100000;
// Where KVM may keep the real-mode TSS on Intel hosts without unrestricted guest support
// (api.rst 4.35): three pages just below the BIOS, where QEMU puts it too.
constexpr uint64_t kTssAddress = 0xfffbd000;

// The loop, 64-bit code (Intel SDM Vol. 2A/2B opcode tables):
//   loop: dec ecx        FF C9   (FF /1, ModRM 11 001 001)
//         jnz loop       75 FC   (JNZ rel8, -4 back to `loop`)
//         mov [rdx], al  88 02   (MOV r/m8, r8, ModRM 00 000 010; RDX = kExitMmioAddress)
constexpr std::array<uint8_t, 6> kLoopCode = {0xff, 0xc9, 0x75, 0xfc, 0x88, 0x02};

// Paging-structure entry bits (Intel SDM Vol. 3A 4.5, Tables 4-15 to 4-18). The user bit
// is set at every level so ring 3 may fetch the loop.
constexpr uint64_t kPagePresent = 1ULL << 0;
constexpr uint64_t kPageWritable = 1ULL << 1;
constexpr uint64_t kPageUser = 1ULL << 2;
constexpr uint64_t kPageLarge = 1ULL << 7; // PS: a 2 MiB page in a page-directory entry
constexpr uint64_t kTableFlags = kPagePresent | kPageWritable | kPageUser;

// Descriptor types (Intel SDM Vol. 3A 3.4.5.1 Table 3-1 and 3.5 Table 3-2).
constexpr uint8_t kTypeCodeExecReadAccessed = 0xb;
constexpr uint8_t kTypeDataReadWriteAccessed = 0x3;
constexpr uint8_t kTypeTss64Busy = 0xb;
// Selectors as a flat GDT would number them; the loop loads no segment, so only the hidden
// descriptor state installed below matters (Intel SDM Vol. 3A 3.4.3).
constexpr uint16_t kKernelCodeSelector = 0x08;
constexpr uint16_t kKernelDataSelector = 0x10;
constexpr uint16_t kUserCodeSelector = 0x18 | 3;
constexpr uint16_t kUserDataSelector = 0x20 | 3;
constexpr uint16_t kTssSelector = 0x28;
constexpr uint32_t kTssLimit = 0x67; // minimal 64-bit TSS (Intel SDM Vol. 3A 8.7)
// Exits that say nothing about the loop (a signal arrived) are retried this many times.
constexpr int kMaxReentries = 100;

kvm_segment flat_segment(uint16_t selector, uint8_t type, uint8_t dpl) {
    kvm_segment segment{};
    segment.base = 0;
    segment.limit = 0xffffffff;
    segment.selector = selector;
    segment.type = type;
    segment.present = 1;
    segment.dpl = dpl;
    segment.s = 1;
    segment.g = 1;
    return segment;
}

// 64-bit mode with the identity map, the mode a Linux guest kernel runs in. The current
// privilege level is the DPL of SS and CS (Intel SDM Vol. 3A 5.5), so choosing their DPL
// enters the loop at ring 0 or ring 3.
void set_long_mode(kvm_sregs& sregs, Privilege privilege) {
    bool const user = privilege == Privilege::User;
    uint8_t const dpl = user ? 3 : 0;
    kvm_segment code = flat_segment(user ? kUserCodeSelector : kKernelCodeSelector,
                                    kTypeCodeExecReadAccessed, dpl);
    code.l = 1; // a 64-bit code segment has L set and D clear (Intel SDM Vol. 3A 5.2.1)
    kvm_segment data = flat_segment(user ? kUserDataSelector : kKernelDataSelector,
                                    kTypeDataReadWriteAccessed, dpl);
    data.db = 1;
    sregs.cs = code;
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = data;
    sregs.tr = kvm_segment{};
    sregs.tr.selector = kTssSelector;
    sregs.tr.limit = kTssLimit;
    sregs.tr.type = kTypeTss64Busy;
    sregs.tr.present = 1;
    sregs.ldt = kvm_segment{};
    sregs.ldt.unusable = 1;
    // An empty IDT turns any unexpected fault into a shutdown exit, which the probe reports.
    sregs.gdt = kvm_dtable{};
    sregs.idt = kvm_dtable{};
    // IA-32e mode needs PAE paging and EFER.LME, and reports itself in EFER.LMA
    // (Intel SDM Vol. 3A 10.8.5).
    sregs.cr0 = x86::kCr0Pe | x86::kCr0Et | x86::kCr0Pg;
    sregs.cr3 = kPml4Address;
    sregs.cr4 = x86::kCr4Pae;
    sregs.efer = x86::kEferLme | x86::kEferLma;
}

void write_entry(Mapping const& ram, uint64_t table_address, uint64_t entry) {
    std::memcpy(static_cast<uint8_t*>(ram.get()) + (table_address - kRamAddress), &entry,
                sizeof(entry));
}

// The loop and the identity map of guest-physical 0 to 2 MiB, which holds all of the RAM.
void write_guest(Mapping const& ram) {
    std::memcpy(static_cast<uint8_t*>(ram.get()) + (kCodeAddress - kRamAddress), kLoopCode.data(),
                kLoopCode.size());
    write_entry(ram, kPml4Address, kPdptAddress | kTableFlags);
    write_entry(ram, kPdptAddress, kPageDirectoryAddress | kTableFlags);
    write_entry(ram, kPageDirectoryAddress, 0 | kTableFlags | kPageLarge);
}

Result<UniqueFd> create_vcpu(int vm_fd) {
    int const fd = ioctl(vm_fd, KVM_CREATE_VCPU, 0);
    if (fd < 0)
        return errno_error("KVM_CREATE_VCPU");
    return UniqueFd(fd);
}

Result<Mapping> map_shared(int fd, size_t size, std::string_view what) {
    int const flags = fd < 0 ? MAP_SHARED | MAP_ANONYMOUS : MAP_SHARED;
    void* address = mmap(nullptr, size, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (address == MAP_FAILED)
        return errno_error("mmap {}", what);
    return Mapping(address, size);
}

Result<void> add_ram(int vm_fd, Mapping const& ram) {
    kvm_userspace_memory_region region{};
    region.slot = 0;
    region.guest_phys_addr = kRamAddress;
    region.memory_size = kRamSize;
    region.userspace_addr = reinterpret_cast<uint64_t>(ram.get());
    if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return errno_error("KVM_SET_USER_MEMORY_REGION");
    return {};
}

} // namespace

Mapping::Mapping(Mapping&& other) noexcept
    : address_(std::exchange(other.address_, nullptr))
    , size_(std::exchange(other.size_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
    if (this != &other) {
        if (address_ != nullptr)
            munmap(address_, size_);
        address_ = std::exchange(other.address_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

Mapping::~Mapping() {
    if (address_ != nullptr)
        munmap(address_, size_);
}

Result<ProbeVm> ProbeVm::create(kvm::KvmSystem const& system) {
    UniqueFd vm = TRY(system.create_vm());
    if (system.check_extension(KVM_CAP_SET_TSS_ADDR) != 0 &&
        ioctl(vm.get(), KVM_SET_TSS_ADDR, kTssAddress) < 0)
        return errno_error("KVM_SET_TSS_ADDR");
    Mapping ram = TRY(map_shared(-1, kRamSize, "probe RAM"));
    write_guest(ram);
    TRY(add_ram(vm.get(), ram));
    UniqueFd vcpu = TRY(create_vcpu(vm.get()));
    int const run_size = system.vcpu_mmap_size();
    if (run_size <= 0)
        return errno_error("KVM_GET_VCPU_MMAP_SIZE");
    Mapping run = TRY(map_shared(vcpu.get(), static_cast<size_t>(run_size), "kvm_run"));
    return ProbeVm(std::move(vm), std::move(vcpu), std::move(ram), std::move(run));
}

Result<std::chrono::nanoseconds> ProbeVm::run_loop(uint32_t iterations, Privilege privilege) {
    // `dec ecx` from zero wraps around: 2^32 iterations instead of none.
    if (iterations == 0)
        return make_error("the probe loop needs at least one iteration");
    TRY(enter_loop(iterations, privilege));
    auto const elapsed = TRY(run_until_out());
    TRY(complete_exit());
    TRY(check_loop_finished());
    VIREO_TRACE(Kvm, "host probe: {} iterations at ring {} in {} ns", iterations,
                privilege == Privilege::User ? 3 : 0, elapsed.count());
    return elapsed;
}

Result<void> ProbeVm::enter_loop(uint32_t iterations, Privilege privilege) {
    kvm_sregs sregs{};
    if (ioctl(vcpu_.get(), KVM_GET_SREGS, &sregs) < 0)
        return errno_error("KVM_GET_SREGS");
    set_long_mode(sregs, privilege);
    if (ioctl(vcpu_.get(), KVM_SET_SREGS, &sregs) < 0)
        return errno_error("KVM_SET_SREGS");
    kvm_regs regs{};
    regs.rip = kCodeAddress;
    regs.rcx = iterations;
    regs.rdx = kExitMmioAddress;
    regs.rflags = x86::kFlagReserved1;
    if (ioctl(vcpu_.get(), KVM_SET_REGS, &regs) < 0)
        return errno_error("KVM_SET_REGS");
    return {};
}

Result<std::chrono::nanoseconds> ProbeVm::run_until_out() {
    std::chrono::nanoseconds total{0};
    for (int entry = 0; entry < kMaxReentries; ++entry) {
        auto const start = thread_cpu_time();
        int const result = ioctl(vcpu_.get(), KVM_RUN, 0);
        total += thread_cpu_time() - start;
        if (result < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return errno_error("KVM_RUN");
        }
        kvm_run const& run = *run_area();
        switch (run.exit_reason) {
        case KVM_EXIT_MMIO:
            if (run.mmio.is_write != 0 && run.mmio.phys_addr == kExitMmioAddress)
                return total;
            return make_error("the probe VM accessed {:#x} unexpectedly{}", run.mmio.phys_addr,
                              where());
        case KVM_EXIT_INTR:
            continue;
        case KVM_EXIT_INTERNAL_ERROR:
            return make_error("KVM could not run the probe loop (internal error, suberror {})",
                              run.internal.suberror);
        case KVM_EXIT_FAIL_ENTRY:
            return make_error("KVM refused to enter the probe VM (entry failure reason {:#x})",
                              run.fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_SHUTDOWN:
            return make_error("the probe VM shut down (triple fault){}", where());
        default:
            return make_error("the probe VM exited unexpectedly (KVM exit reason {})",
                              run.exit_reason);
        }
    }
    return make_error("the probe VM was interrupted {} times in a row", kMaxReentries);
}

// An exit to userspace leaves the MMIO store half-done until the next KVM_RUN; immediate_exit
// completes it without running the guest (api.rst 5, "immediate_exit").
Result<void> ProbeVm::complete_exit() {
    run_area()->immediate_exit = 1;
    int const result = ioctl(vcpu_.get(), KVM_RUN, 0);
    int const saved_errno = errno;
    run_area()->immediate_exit = 0;
    if (result < 0 && saved_errno != EINTR)
        return tl::unexpected(Error::from_errno_value(saved_errno, "KVM_RUN (immediate exit)"));
    return {};
}

// Where the guest stopped, for error messages: " at rip 0x10004, rcx 0".
std::string ProbeVm::where() const {
    kvm_regs regs{};
    if (ioctl(vcpu_.get(), KVM_GET_REGS, &regs) < 0)
        return "";
    return fmt::format(" at rip {:#x}, rcx {}", regs.rip, regs.rcx);
}

// The figure is only honest if the loop really ran to the end.
Result<void> ProbeVm::check_loop_finished() {
    kvm_regs regs{};
    if (ioctl(vcpu_.get(), KVM_GET_REGS, &regs) < 0)
        return errno_error("KVM_GET_REGS");
    if (static_cast<uint32_t>(regs.rcx) != 0)
        return make_error("the probe loop stopped with {} iterations left", regs.rcx);
    return {};
}

} // namespace vireo::hostcheck
