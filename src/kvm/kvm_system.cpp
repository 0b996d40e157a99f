#include "kvm/kvm_system.h"

#include <sys/ioctl.h>

#include <fcntl.h>

#include "kvm/flex_array.h"
#include "kvm/kvm_uapi.h"

namespace vireo::kvm {

std::vector<RequiredCapability> const& required_capabilities() {
    static std::vector<RequiredCapability> const capabilities = {
        {KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY", "guest RAM from vireo's memfd"},
        {KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "in-kernel LAPIC, IOAPIC and PIC"},
        {KVM_CAP_PIT2, "KVM_CAP_PIT2", "in-kernel i8254 timer"},
        {KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING", "ISA IRQ 0 routed to IOAPIC pin 2"},
        {KVM_CAP_SET_TSS_ADDR, "KVM_CAP_SET_TSS_ADDR", "real-mode support on Intel VMX"},
        {KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID", "KVM_GET_SUPPORTED_CPUID for CPU profiles"},
        {KVM_CAP_MP_STATE, "KVM_CAP_MP_STATE", "application processors started by INIT/SIPI"},
        {KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT", "kicking vCPUs without races"},
        {KVM_CAP_SIGNAL_MSI, "KVM_CAP_SIGNAL_MSI", "MSI-X interrupts from virtio devices"},
        {KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "interrupts from device threads without a vCPU exit"},
        {KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD",
         "virtqueue notifications without a userspace exit"},
        {KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ", "the guest's TSC frequency"},
    };
    return capabilities;
}

Result<KvmSystem> KvmSystem::open() {
    UniqueFd fd(::open(kDevicePath, O_RDWR | O_CLOEXEC));
    if (!fd.valid())
        return errno_error("cannot open {}", kDevicePath);
    return KvmSystem(std::move(fd));
}

int KvmSystem::api_version() const {
    return ioctl(fd_.get(), KVM_GET_API_VERSION, 0);
}

int KvmSystem::check_extension(int capability) const {
    int const result = ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
    return result < 0 ? 0 : result;
}

int KvmSystem::vcpu_mmap_size() const {
    return ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
}

Result<std::vector<x86::CpuidEntry>> KvmSystem::supported_cpuid() const {
    // The kernel says E2BIG until the buffer is large enough (api.rst 4.46).
    for (uint32_t capacity = 64; capacity <= 4096; capacity *= 2) {
        FlexArray<kvm_cpuid2, kvm_cpuid_entry2> cpuid(capacity);
        cpuid->nent = capacity;
        if (ioctl(fd_.get(), KVM_GET_SUPPORTED_CPUID, cpuid.get()) < 0) {
            if (errno == E2BIG)
                continue;
            return errno_error("KVM_GET_SUPPORTED_CPUID");
        }
        std::vector<x86::CpuidEntry> entries;
        for (uint32_t i = 0; i < cpuid->nent; ++i) {
            auto const& e = cpuid->entries[i];
            entries.push_back({e.function, e.index,
                               (e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) != 0, e.eax, e.ebx,
                               e.ecx, e.edx});
        }
        return entries;
    }
    return make_error("KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
}

Result<UniqueFd> KvmSystem::create_vm() const {
    // Retry on EINTR: creating a VM can be interrupted on a busy host.
    int fd = -1;
    do {
        fd = ioctl(fd_.get(), KVM_CREATE_VM, 0);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return errno_error("KVM_CREATE_VM");
    return UniqueFd(fd);
}

Result<void> KvmSystem::verify() const {
    int const version = api_version();
    if (version != kStableApiVersion)
        return make_error("KVM API version {} (vireo needs {})", version, kStableApiVersion);
    for (auto const& capability : required_capabilities()) {
        if (check_extension(capability.id) == 0)
            return make_error("KVM lacks {} (needed for {})", capability.name, capability.why);
    }
    return {};
}

} // namespace vireo::kvm
