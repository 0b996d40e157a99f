// The accelerator interface: what the VMM needs from KVM or from vireo's own emulator.
// An accelerator owns the guest's CPUs and the interrupt controllers they are wired to; the
// VMM owns memory and devices. Port and MMIO accesses a vCPU makes are handed to the VMM's
// IoHandler from inside Vcpu::run(), so both accelerators share one device dispatch path.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "bus/bus_device.h"
#include "x86/cpu_state.h"

namespace vireo {

class GuestMemory;

// Implemented by the VMM: dispatch of guest I/O to devices.
class IoHandler {
public:
    virtual ~IoHandler() = default;
    virtual void pio_read(uint16_t port, std::span<uint8_t> data) = 0;
    virtual void pio_write(uint16_t port, std::span<uint8_t const> data) = 0;
    virtual void mmio_read(uint64_t address, std::span<uint8_t> data) = 0;
    virtual void mmio_write(uint64_t address, std::span<uint8_t const> data) = 0;
};

// Why Vcpu::run() returned.
enum class VcpuExitReason {
    Kicked,        // another thread asked this vCPU to stop (pause, VM shutdown)
    TripleFault,   // the guest shut the processor down (Intel SDM Vol. 3A 6.15, #DF)
    InternalError, // the accelerator could not continue (emulation failure, failed entry)
};

struct VcpuExit {
    VcpuExitReason reason;
    std::string detail; // human-readable, for crash reports
};

class Vcpu {
public:
    virtual ~Vcpu() = default;

    virtual unsigned index() const = 0;

    // Runs guest code on the calling thread until an exit the VMM must decide on.
    virtual Result<VcpuExit> run() = 0;

    // Safe from any thread: makes a current or the next run() return Kicked promptly.
    virtual void kick() = 0;

    virtual Result<x86::CpuState> get_state() = 0;
    virtual Result<void> set_state(x86::CpuState const& state) = 0;
};

// Interrupt delivery into the guest's interrupt controllers.
class InterruptController {
public:
    virtual ~InterruptController() = default;
    // Sets the level of a global system interrupt line (an IOAPIC pin; GSIs 0-15 are the ISA
    // IRQs, also wired to the legacy PIC).
    virtual void set_irq(uint32_t gsi, bool level) = 0;
    // Delivers a message-signalled interrupt (Intel SDM Vol. 3A 11.11).
    virtual void signal_msi(uint64_t address, uint32_t data) = 0;
};

// A device the accelerator itself provides and the VMM must place on a bus: the emulator's
// interrupt controllers and timers (KVM keeps these in the kernel and provides none).
struct PlatformDevice {
    enum class Space { Pio, Mmio };
    Space space;
    uint64_t base;
    uint64_t length;
    std::shared_ptr<BusDevice> device;
};

struct AccelConfig {
    unsigned vcpu_count = 1;
    std::string cpu_profile = "baseline";
};

class Accelerator {
public:
    virtual ~Accelerator() = default;
    virtual std::string_view name() const = 0;

    // Makes guest RAM visible to the guest's CPUs. Called once, before vCPUs are created.
    virtual Result<void> map_memory(GuestMemory& memory) = 0;

    // Creates vCPU `index`; vCPU 0 is the bootstrap processor, the others wait for
    // INIT/SIPI from it (Intel SDM Vol. 3A 9.4).
    virtual Result<std::unique_ptr<Vcpu>> create_vcpu(unsigned index, IoHandler& io) = 0;

    virtual InterruptController& interrupts() = 0;

    virtual std::vector<PlatformDevice> platform_devices() { return {}; }

    // Optional doorbells (virtio queue notifications): the accelerator itself signals
    // eventfd `fd` when a vCPU writes `length` bytes equal to `value` at guest-physical
    // `address`, without returning to the VMM (KVM_IOEVENTFD). Returns false when it does not
    // (the emulator); the write then reaches the MMIO bus as any other.
    virtual bool add_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) {
        (void)address, (void)length, (void)value, (void)fd;
        return false;
    }
    virtual void remove_doorbell(uint64_t address, uint32_t length, uint64_t value, int fd) {
        (void)address, (void)length, (void)value, (void)fd;
    }
};

} // namespace vireo
