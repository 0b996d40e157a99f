#include "kvm/kvm_accelerator.h"

#include <sys/ioctl.h>

#include "base/trace.h"
#include "kvm/flex_array.h"
#include "kvm/kvm_uapi.h"
#include "kvm/kvm_vcpu.h"
#include "memory/guest_memory.h"
#include "x86/pc_layout.h"

namespace vireo::kvm {

namespace {

// Intel VMX needs three pages for a real-mode TSS and one for an identity-mapped page table
// when unrestricted guest is unavailable (api.rst 4.43 KVM_SET_TSS_ADDR, 4.69
// KVM_SET_IDENTITY_MAP_ADDR). They sit just below the BIOS ROM area, in the MMIO hole where no
// device of vireo's lives.
constexpr uint64_t kIdentityMapAddress = 0xfffbc000;
constexpr uint64_t kTssAddress = 0xfffbd000;

// The PIC inputs are numbered 0-7 on the master and 8-15 on the slave; IRQ 2 is the cascade.
constexpr uint32_t kPicCascadeIrq = 2;
constexpr uint32_t kPicSlaveFirstIrq = 8;
constexpr uint32_t kIsaIrqCount = 16;
// ISA IRQ 0 (the PIT) is wired to IOAPIC pin 2, as vireo's MADT interrupt source override says.
constexpr uint32_t kPitIoApicPin = 2;

} // namespace

Result<std::unique_ptr<KvmAccelerator>> KvmAccelerator::create(AccelConfig const& config) {
    auto profile = TRY(x86::parse_cpu_profile(config.cpu_profile));
    auto system = TRY(KvmSystem::open());
    TRY(system.verify());
    auto supported = TRY(system.supported_cpuid());
    auto vm = TRY(system.create_vm());
    std::unique_ptr<KvmAccelerator> accel(new KvmAccelerator(
        std::move(system), std::move(vm), config, profile, std::move(supported)));
    TRY(accel->create_platform());
    return accel;
}

KvmAccelerator::KvmAccelerator(KvmSystem system, UniqueFd vm, AccelConfig const& config,
                               x86::CpuProfile profile,
                               std::vector<x86::CpuidEntry> supported_cpuid)
    : system_(std::move(system))
    , vm_(std::move(vm))
    , config_(config)
    , profile_(profile)
    , supported_cpuid_(std::move(supported_cpuid)) {}

Result<void> KvmAccelerator::create_platform() {
    vcpu_mmap_size_ = system_.vcpu_mmap_size();
    if (vcpu_mmap_size_ <= 0)
        return errno_error("KVM_GET_VCPU_MMAP_SIZE");
    if (system_.check_extension(KVM_CAP_SET_IDENTITY_MAP_ADDR) != 0) {
        uint64_t address = kIdentityMapAddress;
        if (ioctl(vm_.get(), KVM_SET_IDENTITY_MAP_ADDR, &address) < 0)
            return errno_error("KVM_SET_IDENTITY_MAP_ADDR");
    }
    if (ioctl(vm_.get(), KVM_SET_TSS_ADDR, kTssAddress) < 0)
        return errno_error("KVM_SET_TSS_ADDR");
    if (ioctl(vm_.get(), KVM_CREATE_IRQCHIP, 0) < 0)
        return errno_error("KVM_CREATE_IRQCHIP");
    // The speaker port (0x61) is emulated by KVM with the PIT, as a dummy (api.rst 4.71).
    kvm_pit_config pit{};
    pit.flags = KVM_PIT_SPEAKER_DUMMY;
    if (ioctl(vm_.get(), KVM_CREATE_PIT2, &pit) < 0)
        return errno_error("KVM_CREATE_PIT2");
    return set_irq_routing();
}

Result<void> KvmAccelerator::set_irq_routing() {
    std::vector<kvm_irq_routing_entry> entries;
    auto add = [&](uint32_t gsi, uint32_t chip, uint32_t pin) {
        kvm_irq_routing_entry entry{};
        entry.gsi = gsi;
        entry.type = KVM_IRQ_ROUTING_IRQCHIP;
        entry.u.irqchip.irqchip = chip;
        entry.u.irqchip.pin = pin;
        entries.push_back(entry);
    };
    for (uint32_t irq = 0; irq < kIsaIrqCount; ++irq) {
        if (irq == kPicCascadeIrq)
            continue;
        if (irq < kPicSlaveFirstIrq)
            add(irq, KVM_IRQCHIP_PIC_MASTER, irq);
        else
            add(irq, KVM_IRQCHIP_PIC_SLAVE, irq - kPicSlaveFirstIrq);
    }
    for (uint32_t gsi = 0; gsi < pc::kIoApicPins; ++gsi) {
        if (gsi == kPicCascadeIrq)
            continue;
        add(gsi, KVM_IRQCHIP_IOAPIC, gsi == pc::kPitIrq ? kPitIoApicPin : gsi);
    }
    FlexArray<kvm_irq_routing, kvm_irq_routing_entry> routing(entries.size());
    routing->nr = static_cast<uint32_t>(entries.size());
    std::copy(entries.begin(), entries.end(), routing->entries);
    if (ioctl(vm_.get(), KVM_SET_GSI_ROUTING, routing.get()) < 0)
        return errno_error("KVM_SET_GSI_ROUTING");
    return {};
}

Result<void> KvmAccelerator::map_memory(GuestMemory& memory) {
    uint32_t slot = 0;
    for (auto const& region : memory.regions()) {
        kvm_userspace_memory_region kvm_region{};
        kvm_region.slot = slot++;
        kvm_region.guest_phys_addr = region.guest_address;
        kvm_region.memory_size = region.size;
        kvm_region.userspace_addr = reinterpret_cast<uint64_t>(region.host);
        if (ioctl(vm_.get(), KVM_SET_USER_MEMORY_REGION, &kvm_region) < 0)
            return errno_error("KVM_SET_USER_MEMORY_REGION {:#x}+{:#x}", region.guest_address,
                               region.size);
        VIREO_TRACE(Kvm, "memory slot {} at {:#x}, {} MiB", kvm_region.slot, region.guest_address,
                    region.size >> 20);
    }
    return {};
}

Result<std::unique_ptr<Vcpu>> KvmAccelerator::create_vcpu(unsigned index, IoHandler& io) {
    auto cpuid = x86::apply_cpu_profile(supported_cpuid_, profile_, {index, config_.vcpu_count});
    return KvmVcpu::create(vm_.get(), index, vcpu_mmap_size_, cpuid, io);
}

void KvmAccelerator::set_irq(uint32_t gsi, bool level) {
    kvm_irq_level irq{};
    irq.irq = gsi;
    irq.level = level ? 1 : 0;
    if (ioctl(vm_.get(), KVM_IRQ_LINE, &irq) < 0)
        log_warn("KVM_IRQ_LINE {}: {}", gsi, Error::from_errno("").message());
}

void KvmAccelerator::signal_msi(uint64_t address, uint32_t data) {
    kvm_msi msi{};
    msi.address_lo = static_cast<uint32_t>(address);
    msi.address_hi = static_cast<uint32_t>(address >> 32);
    msi.data = data;
    if (ioctl(vm_.get(), KVM_SIGNAL_MSI, &msi) < 0)
        log_warn("KVM_SIGNAL_MSI {:#x}: {}", address, Error::from_errno("").message());
}

// KVM_IOEVENTFD (Documentation/virt/kvm/api.rst 4.59): with DATAMATCH, only a write of
// exactly `length` bytes with value `value` signals the eventfd; other writes still exit.
namespace {
kvm_ioeventfd doorbell_request(uint64_t address, uint32_t length, uint64_t value, int fd,
                               uint32_t extra_flags) {
    kvm_ioeventfd doorbell{};
    doorbell.datamatch = value;
    doorbell.addr = address;
    doorbell.len = length;
    doorbell.fd = fd;
    doorbell.flags = KVM_IOEVENTFD_FLAG_DATAMATCH | extra_flags;
    return doorbell;
}
} // namespace

bool KvmAccelerator::add_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) {
    kvm_ioeventfd doorbell = doorbell_request(address, length, value, fd, 0);
    if (ioctl(vm_.get(), KVM_IOEVENTFD, &doorbell) < 0) {
        VIREO_TRACE(Kvm, "KVM_IOEVENTFD {:#x}/{}: {}", address, length,
                    Error::from_errno("").message());
        return false;
    }
    VIREO_TRACE(Kvm, "doorbell at {:#x}/{} == {:#x} -> fd {}", address, length, value, fd);
    return true;
}

void KvmAccelerator::remove_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) {
    kvm_ioeventfd doorbell =
        doorbell_request(address, length, value, fd, KVM_IOEVENTFD_FLAG_DEASSIGN);
    if (ioctl(vm_.get(), KVM_IOEVENTFD, &doorbell) < 0)
        log_warn("KVM_IOEVENTFD deassign {:#x}: {}", address, Error::from_errno("").message());
}

} // namespace vireo::kvm
