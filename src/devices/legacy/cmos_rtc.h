// The Motorola MC146818A real-time clock and CMOS RAM at ports 0x70/0x71 (index, data).
//
// The clock is the host's UTC time at the moment of each read; a guest that sets the clock
// moves an offset, never the host's time. The update-in-progress bit is set in the 244 us
// before each second boundary, as on the real part, so Linux's mc146818_get_time() waits a
// moment at most. Periodic, alarm and update-ended flags are computed from the clock when
// the guest looks; an EventLoop timer raises the interrupt (IRQ 8) when one is enabled.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "base/event_loop.h"
#include "base/fd.h"
#include "base/result.h"
#include "bus/bus_device.h"
#include "devices/legacy/irq_forwarder.h"
#include "devices/legacy/rtc_time.h"
#include "devices/machine.h"

namespace vireo {

class CmosRtc final : public BusDevice, public std::enable_shared_from_this<CmosRtc> {
public:
    using WallClock = std::function<std::chrono::system_clock::time_point()>;
    static constexpr uint64_t kPortCount = 2;

    // `irq` and `loop` must outlive the device. Without a loop (nullptr), the interrupt
    // flags still appear in register C when the guest polls it, but no interrupt fires.
    // `clock` replaces the host clock in tests.
    static Result<std::shared_ptr<CmosRtc>> create(IrqLine& irq, EventLoop* loop,
                                                   WallClock clock = nullptr);
    ~CmosRtc() override;

    std::string_view name() const override { return "cmos-rtc"; }
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<uint8_t const> data) override;

    // Lets the VMM fill CMOS RAM before boot (memory sizes for firmware, for example).
    void set_nvram(uint8_t index, uint8_t value);
    // The battery-backed NVRAM bytes (everything above register D but the century), which
    // survive a machine reset: the VMM carries them into the VM it rebuilds on reboot.
    using Nvram = std::array<uint8_t, 128>;
    Nvram nvram();
    void restore_nvram(Nvram const& bytes);
    // Bit 7 of the index port masks NMIs on PCs; the VMM may honour it.
    bool nmi_disabled();

private:
    CmosRtc(IrqLine& irq, EventLoop* loop, UniqueFd timer, WallClock clock);
    Result<void> start_timer();
    void on_timer();

    uint8_t read_data();
    void write_data(uint8_t value);
    uint8_t read_clock_register(uint8_t index, std::chrono::system_clock::time_point now);
    void write_clock_register(uint8_t index, uint8_t value);
    void write_register_b(uint8_t value);
    uint8_t read_register_c();
    bool update_in_progress(std::chrono::system_clock::time_point now) const;
    rtc::DateTime current_time(std::chrono::system_clock::time_point now) const;
    void set_time(rtc::DateTime const& time);
    void update_flags(std::chrono::system_clock::time_point now);
    bool alarm_matches(rtc::DateTime const& time) const;
    bool irq_level() const;
    void reprogram_timer();
    rtc::DataMode data_mode() const;
    rtc::HourMode hour_mode() const;

    IrqForwarder irq_;
    EventLoop* loop_;
    UniqueFd timer_;
    WallClock clock_;

    std::mutex mutex_;
    uint8_t index_ = 0;
    bool nmi_disabled_ = false;
    std::array<uint8_t, 128> cmos_{}; // alarm, A-D and NVRAM bytes, indexed by register
    int64_t offset_seconds_ = 0;      // guest clock minus host clock
    rtc::DateTime frozen_;            // the clock while register B's SET bit holds it
    int64_t last_update_second_ = 0;  // the guest second of the last update cycle seen
    int64_t last_period_ = 0;         // the periodic-interrupt period last seen
};

} // namespace vireo
