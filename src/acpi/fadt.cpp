#include "acpi/fadt.h"

#include <cstring>

#include "acpi/sdt.h"
#include "x86/pc_layout.h"

namespace vireo::acpi {

namespace {

// ACPI 6.5 5.2.9: the full revision 6 layout (276 bytes), not hardware-reduced.
struct [[gnu::packed]] Fadt {
    TableHeader header;
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    GenericAddress reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t fadt_minor_version;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    GenericAddress x_pm1a_evt_blk;
    GenericAddress x_pm1b_evt_blk;
    GenericAddress x_pm1a_cnt_blk;
    GenericAddress x_pm1b_cnt_blk;
    GenericAddress x_pm2_cnt_blk;
    GenericAddress x_pm_tmr_blk;
    GenericAddress x_gpe0_blk;
    GenericAddress x_gpe1_blk;
    GenericAddress sleep_control_reg;
    GenericAddress sleep_status_reg;
    uint64_t hypervisor_vendor_identity;
};
static_assert(sizeof(Fadt) == 276);

// ACPI 6.5 is FADT major version 6, minor version 5 (ACPI 6.5 5.2.9).
constexpr uint8_t kFadtRevision = 6;
constexpr uint8_t kFadtMinorVersion = 5;

// Register block lengths in bytes (ACPI 6.5 4.8.3): PM1 event = status + enable (2 each),
// PM1 control 2, the 32-bit PM timer 4, GPE0 = 2 status + 2 enable bytes.
constexpr uint8_t kPm1EventLength = 4;
constexpr uint8_t kPm1ControlLength = 2;
constexpr uint8_t kPmTimerLength = 4;
constexpr uint8_t kGpe0Length = 4;
constexpr uint8_t kResetRegisterLength = 1;

// P_LVL2_LAT > 100 and P_LVL3_LAT > 1000 say "no C2" and "no C3" (ACPI 6.5 5.2.9).
constexpr uint16_t kNoC2Latency = 101;
constexpr uint16_t kNoC3Latency = 1001;

// The CMOS register holding the century (MC146818 extended RAM, as PC firmware uses it).
constexpr uint8_t kCmosCenturyRegister = 0x32;

// Fixed feature flags (ACPI 6.5 5.2.9).
enum FixedFeature : uint32_t {
    kWbinvd = 1U << 0,       // WBINVD works: the guest may flush caches with it
    kProcC1 = 1U << 2,       // C1 (HLT) works on every CPU
    kPwrButton = 1U << 4,    // set = no fixed power button; vireo keeps it CLEAR
    kSlpButton = 1U << 5,    // set = no fixed sleep button: vireo has none
    kFixRtc = 1U << 6,       // set = RTC wake status is not in PM1 (no RTC_STS/RTC_EN)
    kTmrValExt = 1U << 8,    // the PM timer counts 32 bits, not 24
    kResetRegSup = 1U << 10, // RESET_REG works
};
// vireo has no sleep state but S5, so no RTC alarm wakes anything: with FIX_RTC the PM1 block
// need not implement RTC_STS/RTC_EN. The power button is the fixed-feature one in PM1
// (PWRBTN_STS/PWRBTN_EN), which is how the VMM asks the guest to shut down.
constexpr uint32_t kFixedFeatures =
    kWbinvd | kProcC1 | kSlpButton | kFixRtc | kTmrValExt | kResetRegSup;

// IA-PC boot architecture flags (ACPI 6.5 5.2.9.3).
enum BootArchitecture : uint16_t {
    kLegacyDevices = 1U << 0, // ISA-style devices exist (COM1, RTC, PIT, PIC)
    k8042 = 1U << 1,
    kVgaNotPresent = 1U << 2,
    kMsiNotSupported = 1U << 3,
    kCmosRtcNotPresent = 1U << 5,
};
// 8042 is deliberately clear: vireo's i8042 only implements the reset line. With the flag set
// and no PNP0303 device, Linux probes the controller's ports directly and waits out its
// timeouts; clear, Linux leaves the i8042 alone (arch/x86/kernel/acpi/boot.c,
// acpi_parse_fadt). Reset still works through RESET_REG and Linux's keyboard-controller
// fallback. MSI is supported and the CMOS RTC is present, so those bits stay clear too.
constexpr uint16_t kBootArchitecture = kLegacyDevices | kVgaNotPresent;

uint32_t low32_or_zero(uint64_t address) {
    return address <= UINT32_MAX ? static_cast<uint32_t>(address) : 0;
}

void fill_pointers(Fadt& fadt, FadtPointers pointers) {
    // At most one of FIRMWARE_CTRL and X_FIRMWARE_CTRL may be non-zero (ACPI 6.5 5.2.9).
    fadt.firmware_ctrl = low32_or_zero(pointers.facs);
    fadt.x_firmware_ctrl = fadt.firmware_ctrl != 0 ? 0 : pointers.facs;
    // OSPM uses X_DSDT when it is non-zero; the 32-bit copy serves older readers.
    fadt.dsdt = low32_or_zero(pointers.dsdt);
    fadt.x_dsdt = pointers.dsdt;
}

// ACPI is always on: SMI_CMD = 0 means there is no SMM handshake and no legacy mode
// (ACPI 6.5 5.2.9, SMI_CMD, ACPI_ENABLE), so OSPM finds SCI_EN already set in PM1_CNT and
// never writes ACPI_ENABLE anywhere. The device model must report SCI_EN = 1.
void fill_fixed_hardware(Fadt& fadt) {
    fadt.sci_int = pc::kAcpiSciIrq;
    fadt.smi_cmd = 0;
    fadt.pm1a_evt_blk = pc::kAcpiPm1aEvent;
    fadt.pm1a_cnt_blk = pc::kAcpiPm1aControl;
    fadt.pm_tmr_blk = pc::kAcpiPmTimer;
    fadt.gpe0_blk = pc::kAcpiGpe0;
    fadt.pm1_evt_len = kPm1EventLength;
    fadt.pm1_cnt_len = kPm1ControlLength;
    fadt.pm_tmr_len = kPmTimerLength;
    fadt.gpe0_blk_len = kGpe0Length;
    // The same registers as Generic Address Structures. The bit widths equal the lengths
    // above (ACPICA warns on a mismatch); PM1 registers are 16 bits wide, the timer is read
    // as a DWORD and GPE registers byte by byte (ACPI 6.5 4.8.3.1, 4.8.3.3, 4.8.4.1).
    fadt.x_pm1a_evt_blk = io_register(pc::kAcpiPm1aEvent, kPm1EventLength, AccessSize::Word);
    fadt.x_pm1a_cnt_blk = io_register(pc::kAcpiPm1aControl, kPm1ControlLength, AccessSize::Word);
    fadt.x_pm_tmr_blk = io_register(pc::kAcpiPmTimer, kPmTimerLength, AccessSize::DWord);
    fadt.x_gpe0_blk = io_register(pc::kAcpiGpe0, kGpe0Length, AccessSize::Byte);
}

void fill_platform(Fadt& fadt) {
    fadt.p_lvl2_lat = kNoC2Latency;
    fadt.p_lvl3_lat = kNoC3Latency;
    fadt.century = kCmosCenturyRegister;
    fadt.iapc_boot_arch = kBootArchitecture;
    fadt.flags = kFixedFeatures;
    // RESET_REG must be 8 bits wide at offset 0 (ACPI 6.5 5.2.9, RESET_REG; 4.8.3.6).
    fadt.reset_reg = io_register(pc::kAcpiReset, kResetRegisterLength, AccessSize::Byte);
    fadt.reset_value = pc::kAcpiResetValue;
}

} // namespace

Bytes build_fadt(FadtPointers pointers) {
    Fadt fadt{};
    // The FADT's signature is "FACP" (ACPI 6.5 5.2.9).
    fadt.header = make_header("FACP", kFadtRevision);
    fadt.fadt_minor_version = kFadtMinorVersion;
    fill_pointers(fadt, pointers);
    fill_fixed_hardware(fadt);
    fill_platform(fadt);
    return sealed_table(fadt);
}

namespace {
// ACPI 6.5 5.2.10. The FACS has no checksum.
struct [[gnu::packed]] Facs {
    char signature[4];
    uint32_t length;
    uint32_t hardware_signature;
    uint32_t firmware_waking_vector;
    uint32_t global_lock;
    uint32_t flags;
    uint64_t x_firmware_waking_vector;
    uint8_t version;
    uint8_t reserved0[3];
    uint32_t ospm_flags;
    uint8_t reserved1[24];
};
static_assert(sizeof(Facs) == 64);
constexpr uint8_t kFacsVersion = 2;
} // namespace

// vireo supports no sleep state the guest wakes from, so the waking vectors stay 0 and the
// flags advertise neither S4BIOS nor 64-bit wake. The global lock starts free.
Bytes build_facs() {
    Facs facs{};
    std::memcpy(facs.signature, "FACS", sizeof(facs.signature));
    facs.length = sizeof(Facs);
    facs.version = kFacsVersion;
    Bytes bytes;
    append_struct(bytes, facs);
    return bytes;
}

} // namespace vireo::acpi
