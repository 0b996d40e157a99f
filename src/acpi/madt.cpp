#include "acpi/madt.h"

#include "acpi/sdt.h"
#include "x86/pc_layout.h"

namespace vireo::acpi {

namespace {

// ACPI 6.5 is MADT revision 6 (ACPI 6.5 5.2.12).
constexpr uint8_t kMadtRevision = 6;
constexpr uint32_t kPcatCompat = 1U << 0; // the dual 8259s exist too (ACPI 6.5 5.2.12)

struct [[gnu::packed]] MadtFixedPart {
    TableHeader header;
    uint32_t local_apic_address;
    uint32_t flags;
};

// Interrupt controller structure types (ACPI 6.5 5.2.12).
enum EntryType : uint8_t {
    kProcessorLocalApic = 0,
    kIoApic = 1,
    kInterruptSourceOverride = 2,
    kLocalApicNmi = 4,
};

// ACPI 6.5 5.2.12.2.
struct [[gnu::packed]] ProcessorLocalApic {
    uint8_t type = kProcessorLocalApic;
    uint8_t length = sizeof(ProcessorLocalApic);
    uint8_t processor_uid;
    uint8_t apic_id;
    uint32_t flags;
};
constexpr uint32_t kLocalApicEnabled = 1U << 0;

// ACPI 6.5 5.2.12.3.
struct [[gnu::packed]] IoApic {
    uint8_t type = kIoApic;
    uint8_t length = sizeof(IoApic);
    uint8_t ioapic_id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
};

// ACPI 6.5 5.2.12.5.
struct [[gnu::packed]] InterruptSourceOverride {
    uint8_t type = kInterruptSourceOverride;
    uint8_t length = sizeof(InterruptSourceOverride);
    uint8_t bus;
    uint8_t source;
    uint32_t gsi;
    uint16_t flags;
};
constexpr uint8_t kIsaBus = 0;

// ACPI 6.5 5.2.12.7.
struct [[gnu::packed]] LocalApicNmi {
    uint8_t type = kLocalApicNmi;
    uint8_t length = sizeof(LocalApicNmi);
    uint8_t processor_uid;
    uint16_t flags;
    uint8_t lint;
};
constexpr uint8_t kAllProcessors = 0xff;
// LINT1 carries NMI on PC-compatible systems (Intel MultiProcessor Specification 1.4,
// chapter 5, default configurations).
constexpr uint8_t kLint1 = 1;

// MPS INTI flags (ACPI 6.5 5.2.12.5): polarity in bits 0-1, trigger mode in bits 2-3.
enum MpsIntiFlags : uint16_t {
    kActiveHigh = 0b01,
    kEdgeTriggered = 0b01 << 2,
    kLevelTriggered = 0b11 << 2,
};

// The PIT's IRQ 0 reaches I/O APIC pin 2, the PC wiring (Intel MultiProcessor Specification
// 1.4, chapter 5: the 8259 cascade takes pin 0). The SCI is a level-triggered interrupt
// (ACPI 6.5 5.2.9, SCI_INT); vireo's PM device drives it active-high, and the override says
// so because ISA's default is edge-triggered.
constexpr uint32_t kPitIoApicPin = 2;

void append_overrides(Bytes& madt, uint32_t gsi_base) {
    append_struct(madt, InterruptSourceOverride{
                            .bus = kIsaBus,
                            .source = pc::kPitIrq,
                            .gsi = gsi_base + kPitIoApicPin,
                            .flags = kActiveHigh | kEdgeTriggered,
                        });
    append_struct(madt, InterruptSourceOverride{
                            .bus = kIsaBus,
                            .source = pc::kAcpiSciIrq,
                            .gsi = gsi_base + pc::kAcpiSciIrq,
                            .flags = kActiveHigh | kLevelTriggered,
                        });
}

} // namespace

Bytes build_madt(AcpiConfig const& config) {
    MadtFixedPart fixed{};
    fixed.header = make_header("APIC", kMadtRevision); // the MADT's signature is "APIC"
    fixed.local_apic_address = static_cast<uint32_t>(config.local_apic_address);
    fixed.flags = config.legacy_pic ? kPcatCompat : 0;
    Bytes madt;
    append_struct(madt, fixed);
    // Processor UID = APIC ID = index: the boot CPU comes first, as ACPI 6.5 5.2.12.1 asks.
    for (unsigned cpu = 0; cpu < config.cpu_count; ++cpu) {
        append_struct(madt, ProcessorLocalApic{.processor_uid = static_cast<uint8_t>(cpu),
                                               .apic_id = static_cast<uint8_t>(cpu),
                                               .flags = kLocalApicEnabled});
    }
    append_struct(madt, IoApic{.ioapic_id = config.ioapic_id,
                               .reserved = 0,
                               .address = static_cast<uint32_t>(config.ioapic_address),
                               .gsi_base = config.ioapic_gsi_base});
    append_overrides(madt, config.ioapic_gsi_base);
    append_struct(madt, LocalApicNmi{.processor_uid = kAllProcessors,
                                     .flags = kActiveHigh | kEdgeTriggered,
                                     .lint = kLint1});
    seal_table(madt);
    return madt;
}

} // namespace vireo::acpi
