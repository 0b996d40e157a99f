#include "emu/emu_accelerator.h"

#include <vector>

#include "emu/code_pages.h"
#include "emu/cpuid.h"
#include "emu/emu_vcpu.h"
#include "irqchip/chipset.h"
#include "irqchip/clock.h"
#include "memory/guest_memory.h"

namespace vireo {

namespace {

class EmuAccelerator final : public Accelerator {
public:
    static Result<std::unique_ptr<EmuAccelerator>> create(AccelConfig const& config) {
        std::unique_ptr<EmuAccelerator> accelerator(new EmuAccelerator(config));
        irqchip::ChipsetConfig chipset;
        chipset.vcpu_count = config.vcpu_count;
        // The LAPIC timer runs on CPUID 15H's crystal and the TSC at the rate the CPUID
        // profile advertises (emu/cpuid.h), so Linux calibrates neither.
        chipset.apic = {.crystal_hz = emu::kCrystalHz, .tsc_hz = emu::kTscHz, .tsc_deadline = true};
        accelerator->chipset_ = TRY(irqchip::Chipset::create(chipset, accelerator->clock_));
        return accelerator;
    }

    std::string_view name() const override { return "emu"; }

    Result<void> map_memory(GuestMemory& memory) override {
        code_pages_ = std::make_unique<emu::CodePages>(memory);
        machine_.memory = &memory;
        machine_.code_pages = code_pages_.get();
        code_pages_->add_listener([this] {
            for (emu::EmuVcpu* vcpu : vcpus_)
                vcpu->flush_write_tlb();
        });
        // Devices and loaders that write guest RAM directly (DMA) report it to the memory;
        // decoded code in those pages must go.
        memory.add_write_observer(
            [this](uint64_t address, uint64_t length) { invalidate_code(address, length); });
        return {};
    }

    Result<std::unique_ptr<Vcpu>> create_vcpu(unsigned index, IoHandler& io) override {
        if (machine_.memory == nullptr)
            return make_error("emu: create_vcpu before map_memory");
        if (index >= machine_.vcpu_count)
            return make_error("emu: vCPU {} of {}", index, machine_.vcpu_count);
        if (index == 0)
            chipset_->local_apic(0).enable_virtual_wire(); // as firmware leaves the BSP
        auto vcpu = std::make_unique<emu::EmuVcpu>(index, machine_, io, *chipset_, clock_);
        vcpus_.push_back(vcpu.get());
        return std::unique_ptr<Vcpu>(std::move(vcpu));
    }

    InterruptController& interrupts() override { return *chipset_; }

    std::vector<PlatformDevice> platform_devices() override { return chipset_->platform_devices(); }

    void invalidate_code(uint64_t guest_address, uint64_t length) {
        if (code_pages_)
            code_pages_->invalidate_range(guest_address, length);
    }

private:
    explicit EmuAccelerator(AccelConfig const& config) { machine_.vcpu_count = config.vcpu_count; }

    irqchip::MonotonicClock clock_;
    std::unique_ptr<irqchip::Chipset> chipset_;
    std::unique_ptr<emu::CodePages> code_pages_;
    emu::Machine machine_;
    // vCPUs are owned by the VMM and outlive any guest execution that marks code pages.
    std::vector<emu::EmuVcpu*> vcpus_;
};

} // namespace

Result<std::unique_ptr<Accelerator>> create_emu_accelerator(AccelConfig const& config) {
    if (config.vcpu_count == 0 || config.vcpu_count > 255)
        return make_error("emu: {} vCPUs is not supported (1 to 255)", config.vcpu_count);
    return std::unique_ptr<Accelerator>(TRY(EmuAccelerator::create(config)));
}

} // namespace vireo
