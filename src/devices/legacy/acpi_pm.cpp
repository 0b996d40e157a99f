#include "devices/legacy/acpi_pm.h"

#include <array>

#include "base/trace.h"
#include "x86/pc_layout.h"

namespace vireo {

namespace {

// Register offsets in the block, from the layout in pc_layout.h.
constexpr uint64_t kPm1Status = pc::kAcpiPm1aEvent - pc::kAcpiPmBase; // 2 bytes
constexpr uint64_t kPm1Enable = kPm1Status + 2;                       // 2 bytes
constexpr uint64_t kPm1Control = pc::kAcpiPm1aControl - pc::kAcpiPmBase;
constexpr uint64_t kPmTimer = pc::kAcpiPmTimer - pc::kAcpiPmBase;
// GPE0_BLK is half status, half enable registers (ACPI 6.5 4.8.4.1).
constexpr uint64_t kGpe0Status = pc::kAcpiGpe0 - pc::kAcpiPmBase;
constexpr uint64_t kGpe0Enable = kGpe0Status + 2;
constexpr uint64_t kReset = pc::kAcpiReset - pc::kAcpiPmBase;

// PM1 status bits (ACPI 6.5 4.8.3.1.1).
constexpr uint16_t kTmrSts = 1 << 0;
constexpr uint16_t kPwrbtnSts = 1 << 8;
constexpr uint16_t kWakSts = 1 << 15;
// PM1 enable bits (ACPI 6.5 4.8.3.1.2): TMR_EN, GBL_EN, PWRBTN_EN, SLPBTN_EN, RTC_EN and
// PCIEXP_WAKE_DIS; the others are reserved.
constexpr uint16_t kPm1EnableWritable =
    (1 << 0) | (1 << 5) | (1 << 8) | (1 << 9) | (1 << 10) | (1 << 14);
// PM1 control bits (ACPI 6.5 4.8.3.2.1).
constexpr uint16_t kSciEn = 1 << 0;
constexpr uint16_t kGblRls = 1 << 2; // write-only
constexpr unsigned kSlpTypShift = 10;
constexpr uint16_t kSlpTypMask = 0x7;
constexpr uint16_t kSlpEn = 1 << 13; // write-only

// The PM timer runs at 3.579545 MHz (ACPI 6.5 4.8.3.3).
constexpr uint64_t kTimerHz = 3579545;
constexpr uint64_t kNanosPerSecond = 1000000000;

// The bytes of a write that fall in register [reg, reg + width), with a mask of which.
struct Slice {
    uint32_t value = 0;
    uint32_t mask = 0;
};

Slice slice(uint64_t offset, std::span<uint8_t const> data, uint64_t reg, unsigned width) {
    Slice result;
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t const address = offset + i;
        if (address < reg || address >= reg + width)
            continue;
        auto const shift = static_cast<unsigned>(8 * (address - reg));
        result.value |= uint32_t{data[i]} << shift;
        result.mask |= 0xffU << shift;
    }
    return result;
}

template <typename T>
void put(std::array<uint8_t, pc::kAcpiPmSize>& image, uint64_t reg, T value) {
    std::memcpy(image.data() + reg, &value, sizeof(value));
}

} // namespace

AcpiPm::AcpiPm(IrqLine& sci, MachineControl& machine, TimerWidth width)
    : sci_(sci)
    , machine_(machine)
    , timer_bits_(width == TimerWidth::Bits24 ? 24 : 32) {
    pm1_control_ = kSciEn;
}

// Ticks since the device was created; 128-bit arithmetic because nanoseconds times the
// timer's rate overflow 64 bits after about 85 minutes.
uint64_t AcpiPm::ticks_at(Clock::time_point now) const {
    auto const nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
    return static_cast<uint64_t>(static_cast<unsigned __int128>(nanos) * kTimerHz /
                                 kNanosPerSecond);
}

uint32_t AcpiPm::timer_at(Clock::time_point now) const {
    return static_cast<uint32_t>(ticks_at(now) & ((uint64_t{1} << timer_bits_) - 1));
}

// TMR_STS is set whenever the timer's top bit changes (ACPI 6.5 4.8.3.3). Rather than run a
// timer, the device counts top-bit changes since start and compares with the count when the
// guest last cleared TMR_STS. (A TMR_EN SCI is therefore noticed at the next access to the
// block, not when the bit flips; no guest vireo targets enables it.)
uint16_t AcpiPm::status_at(Clock::time_point now) const {
    bool const carry = (ticks_at(now) >> (timer_bits_ - 1)) != timer_carry_seen_;
    return static_cast<uint16_t>(pm1_status_ | (carry ? kTmrSts : 0));
}

void AcpiPm::read(uint64_t offset, std::span<uint8_t> data) {
    std::array<uint8_t, pc::kAcpiPmSize> image{};
    auto const now = Clock::now();
    {
        std::lock_guard lock(mutex_);
        put(image, kPm1Status, status_at(now));
        put(image, kPm1Enable, pm1_enable_);
        put(image, kPm1Control, pm1_control_);
        put(image, kPmTimer, timer_at(now));
        put(image, kGpe0Status, gpe0_status_);
        put(image, kGpe0Enable, gpe0_enable_);
    }
    if (offset > image.size() || data.size() > image.size() - offset) {
        BusDevice::read(offset, data);
        return;
    }
    std::memcpy(data.data(), image.data() + offset, data.size());
}

void AcpiPm::write(uint64_t offset, std::span<uint8_t const> data) {
    Request request = Request::None;
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        request = write_registers(offset, data);
        sample = sci_.sample(sci_level());
    }
    sci_.apply(sample);
    finish(request);
}

AcpiPm::Request AcpiPm::write_registers(uint64_t offset, std::span<uint8_t const> data) {
    // Status registers are write-1-to-clear (ACPI 6.5 4.8.3.1.1, 4.8.4.1).
    auto const status = slice(offset, data, kPm1Status, 2);
    if (status.value & kTmrSts)
        timer_carry_seen_ = ticks_at(Clock::now()) >> (timer_bits_ - 1);
    pm1_status_ &= static_cast<uint16_t>(~status.value);

    auto const enable = slice(offset, data, kPm1Enable, 2);
    pm1_enable_ =
        static_cast<uint16_t>(((pm1_enable_ & ~enable.mask) | enable.value) & kPm1EnableWritable);

    gpe0_status_ &= static_cast<uint16_t>(~slice(offset, data, kGpe0Status, 2).value);
    auto const gpe_enable = slice(offset, data, kGpe0Enable, 2);
    gpe0_enable_ = static_cast<uint16_t>((gpe0_enable_ & ~gpe_enable.mask) | gpe_enable.value);

    // RESET_REG (ACPI 6.5 4.8.3.6): the FADT's RESET_VALUE resets the machine.
    auto const reset = slice(offset, data, kReset, 1);
    if (reset.mask != 0 && reset.value == pc::kAcpiResetValue)
        return Request::Reset;

    auto const control = slice(offset, data, kPm1Control, 2);
    if (control.mask != 0)
        return write_control(static_cast<uint16_t>(control.value),
                             static_cast<uint16_t>(control.mask));
    return Request::None;
}

// PM1 control (ACPI 6.5 4.8.3.2.1): SLP_EN starts the transition to the sleep state that
// SLP_TYP selects; SLP_EN and GBL_RLS are write-only and read as zero; SCI_EN stays set.
AcpiPm::Request AcpiPm::write_control(uint16_t value, uint16_t mask) {
    auto const merged = static_cast<uint16_t>((pm1_control_ & ~mask) | (value & mask));
    pm1_control_ = static_cast<uint16_t>((merged & ~(kSlpEn | kGblRls)) | kSciEn);
    if (!(value & mask & kSlpEn))
        return Request::None;
    auto const sleep_type = static_cast<uint8_t>((merged >> kSlpTypShift) & kSlpTypMask);
    if (sleep_type == pc::kAcpiS5SleepType)
        return Request::Poweroff;
    // A sleep state vireo's DSDT does not offer: wake at once rather than leave the guest
    // polling WAK_STS forever.
    VIREO_TRACE(Acpi, "sleep type {} is not supported; waking at once", sleep_type);
    pm1_status_ |= kWakSts;
    return Request::None;
}

void AcpiPm::press_power_button() {
    IrqSample sample;
    {
        std::lock_guard lock(mutex_);
        pm1_status_ |= kPwrbtnSts;
        sample = sci_.sample(sci_level());
    }
    VIREO_TRACE(Acpi, "power button pressed");
    sci_.apply(sample);
}

// The SCI is a level: asserted while an enabled event's status bit is set (ACPI 6.5 4.8.3.1,
// 4.8.4.1) and SCI_EN routes events to the SCI, which is always the case here.
bool AcpiPm::sci_level() const {
    if (!(pm1_control_ & kSciEn))
        return false;
    return (status_at(Clock::now()) & pm1_enable_) != 0 || (gpe0_status_ & gpe0_enable_) != 0;
}

void AcpiPm::finish(Request request) {
    switch (request) {
    case Request::Poweroff:
        VIREO_TRACE(Acpi, "guest entered S5: power off");
        machine_.request_poweroff();
        break;
    case Request::Reset:
        VIREO_TRACE(Acpi, "guest wrote RESET_REG");
        machine_.request_reset();
        break;
    case Request::None:
        break;
    }
}

} // namespace vireo
