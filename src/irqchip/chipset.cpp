#include "irqchip/chipset.h"

#include "base/trace.h"
#include "devices/legacy/device_range.h"
#include "x86/pc_layout.h"

namespace vireo::irqchip {

namespace {

// Register block sizes of the legacy devices (IBM PC/AT port map; PIIX4 ELCR).
constexpr uint64_t kPicPorts = 2;
constexpr uint64_t kElcrPorts = 2;
constexpr uint64_t kPitPorts = 4;
constexpr uint64_t kPortBPorts = 1;
// The GSI the MADT's override gives ISA IRQ 0.
constexpr unsigned kPitGsi = 2;

} // namespace

// An ISA interrupt line a platform device drives into the chipset.
class Chipset::IsaLine final : public IrqLine {
public:
    IsaLine(Chipset& chipset, uint32_t irq)
        : chipset_(chipset)
        , irq_(irq) {}
    void set_level(bool level) override { chipset_.set_irq(irq_, level); }

private:
    Chipset& chipset_;
    uint32_t irq_;
};

Chipset::Chipset(Clock const& clock)
    : clock_(clock) {}

Chipset::~Chipset() = default;

Result<std::unique_ptr<Chipset>> Chipset::create(ChipsetConfig const& config, Clock const& clock) {
    if (config.vcpu_count == 0 || config.vcpu_count > pc::kMaxVcpus)
        return make_error("{} vCPUs requested; vireo's emulator supports 1 to {}",
                          config.vcpu_count, pc::kMaxVcpus);
    auto chipset = std::unique_ptr<Chipset>(new Chipset(clock));
    TRY(chipset->build(config));
    return chipset;
}

Result<void> Chipset::build(ChipsetConfig const& config) {
    for (unsigned index = 0; index < config.vcpu_count; ++index) {
        auto apic = TRY(LocalApic::create(index, bus_, clock_, config.apic));
        TRY(bus_.attach(*apic));
        lapics_.push_back(std::move(apic));
    }
    ioapic_ = std::make_shared<IoApic>(bus_);
    bus_.set_eoi_listener(ioapic_.get());

    // The 8259's INTR is wired to the BSP's LINT0 only (MP spec 1.4 3.6.2.2, virtual wire).
    pic_ = std::make_shared<Pic8259Pair>();
    LocalApic* bsp = lapics_.front().get();
    pic_->set_output([bsp](bool level) { bsp->set_lint(LintPin::Lint0, level); });
    bsp->set_extint_controller(pic_.get());

    pit_irq_ = std::make_unique<IsaLine>(*this, pc::kPitIrq);
    pit_ = std::make_shared<Pit8254>(clock_, pit_irq_.get());
    return {};
}

unsigned Chipset::isa_irq_to_ioapic_pin(unsigned irq) {
    return irq == pc::kPitIrq ? kPitGsi : irq;
}

void Chipset::set_irq(uint32_t gsi, bool level) {
    if (gsi < kIsaIrqs) {
        // IRQ 2 is the PIC cascade; no ISA device can drive it.
        if (gsi == Pic8259Pair::kCascadeIrq) {
            VIREO_TRACE(Irq, "chipset: ignoring ISA IRQ 2 (the cascade)");
            return;
        }
        pic_->set_irq(gsi, level);
        ioapic_->set_irq(isa_irq_to_ioapic_pin(gsi), level);
        return;
    }
    if (gsi < IoApic::kPins) {
        ioapic_->set_irq(gsi, level);
        return;
    }
    VIREO_TRACE(Irq, "chipset: ignoring GSI {} (the IOAPIC has {} pins)", gsi, IoApic::kPins);
}

void Chipset::signal_msi(uint64_t address, uint32_t data) {
    bus_.signal_msi(address, data);
}

std::vector<PlatformDevice> Chipset::platform_devices() const {
    // The PIC and PIT decode absolute port numbers: each port range is a window whose
    // offset 0 is its own base port.
    auto const window = [](std::shared_ptr<BusDevice> owner, uint64_t base, uint64_t length) {
        DeviceRange range = device_window(std::move(owner), base, base, length);
        return PlatformDevice{PlatformDevice::Space::Pio, range.base, range.length,
                              std::move(range.device)};
    };
    return {
        window(pic_, pc::kPicMasterPort, kPicPorts),
        window(pic_, pc::kPicSlavePort, kPicPorts),
        window(pic_, pc::kElcrPort, kElcrPorts),
        window(pit_, pc::kPitPort, kPitPorts),
        window(pit_, pc::kSystemControlPortB, kPortBPorts),
        PlatformDevice{PlatformDevice::Space::Mmio, pc::kIoApicAddress, IoApic::kMmioSize, ioapic_},
    };
}

} // namespace vireo::irqchip
