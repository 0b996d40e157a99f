// A virtual machine: guest memory, an accelerator with its vCPUs, the buses and devices, and
// the threads that run them. One Vm per `vireo run` process (restarted in place on reboot
// when asked to).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "accel/accel.h"
#include "bus/bus.h"
#include "devices/machine.h"
#include "memory/guest_memory.h"
#include "vmm/vm_config.h"
#include "vmm/vm_outcome.h"

namespace vireo {

class Console;
class EventLoop;
class VmDevices;
namespace virtio {
class VirtioBalloon;
}

enum class VmState { Created, Running, Paused, Stopped };

// What outlives the machine when the guest reboots and vireo rebuilds the VM
// (--on-reboot restart): on a PC, the battery-backed CMOS RAM.
struct RebootState {
    std::optional<std::array<uint8_t, 128>> cmos_nvram;
};
std::string_view vm_state_name(VmState state);

class Vm final : public MachineControl, private IoHandler {
public:
    // Builds the whole machine; nothing runs until run().
    static Result<std::unique_ptr<Vm>> create(VmConfig const& config,
                                              std::unique_ptr<Accelerator> accelerator,
                                              Console& console, EventLoop& loop,
                                              RebootState const& carried = {});
    ~Vm() override;
    Vm(Vm const&) = delete;
    Vm& operator=(Vm const&) = delete;

    // Starts one thread per vCPU and blocks until the VM ends.
    VmOutcome run();

    // Ends the VM from outside (a signal, the console's quit key, the control API).
    void stop(int signal);

    // Parks every vCPU outside guest mode and waits until all are parked; resume() lets them
    // go on. Later features (snapshots, migration) build on this.
    void pause();
    void resume();
    VmState state() const;
    RebootState reboot_state() const;
    // How long the VM has been running (paused time included): zero before run().
    std::chrono::steady_clock::duration uptime() const;

    // The control API's power button: a press of the ACPI fixed-feature power button
    // (ACPI 6.5 4.8.2.2.1), which the guest handles as it likes (Linux powers off).
    void press_power_button();
    // The balloon device (--balloon), or nullptr.
    virtio::VirtioBalloon* balloon();

    // MachineControl: requests from devices, taking effect asynchronously.
    void request_poweroff() override;
    void request_reset() override;
    void request_exit(uint32_t guest_value) override;

    GuestMemory& memory() { return *memory_; }
    Accelerator& accelerator() { return *accelerator_; }
    Bus& pio_bus() { return pio_bus_; }
    Bus& mmio_bus() { return mmio_bus_; }
    VmConfig const& config() const { return config_; }

private:
    Vm(VmConfig config, std::unique_ptr<GuestMemory> memory,
       std::unique_ptr<Accelerator> accelerator);
    Result<void> build(Console& console, EventLoop& loop, RebootState const& carried);
    Result<void> load_guest();

    // IoHandler: vCPU threads dispatch guest port and MMIO accesses here.
    void pio_read(uint16_t port, std::span<uint8_t> data) override;
    void pio_write(uint16_t port, std::span<uint8_t const> data) override;
    void mmio_read(uint64_t address, std::span<uint8_t> data) override;
    void mmio_write(uint64_t address, std::span<uint8_t const> data) override;

    void vcpu_thread(Vcpu& vcpu);
    void wait_while_paused();
    // Records how the VM ended (the first report wins) and stops every vCPU.
    void finish(VmOutcome outcome);
    void kick_all();

    VmConfig config_;
    std::unique_ptr<GuestMemory> memory_;
    std::unique_ptr<Accelerator> accelerator_;
    Bus pio_bus_{"port bus"};
    Bus mmio_bus_{"MMIO bus"};
    std::unique_ptr<VmDevices> devices_;
    std::vector<std::unique_ptr<Vcpu>> vcpus_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::optional<VmOutcome> outcome_;
    std::atomic<bool> stopping_{false};
    bool pause_requested_ = false;
    unsigned parked_vcpus_ = 0;
    VmState state_ = VmState::Created;
    std::optional<std::chrono::steady_clock::time_point> started_;
};

} // namespace vireo
