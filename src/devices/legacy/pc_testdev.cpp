#include "devices/legacy/pc_testdev.h"

#include <sys/mman.h>

#include "base/trace.h"
#include "x86/pc_layout.h"

namespace vireo {

namespace {

constexpr uint64_t kPageSize = 4096;     // Intel SDM Vol. 3A 4.3: 4-KByte pages
constexpr uint64_t kFlushAccessSize = 4; // QEMU accepts only 32-bit writes to 0xe4

// Ports 0x2000-0x2017: a byte write sets one line (QEMU accepts only byte accesses here).
class TestDevIrqPorts final : public BusDevice {
public:
    explicit TestDevIrqPorts(std::array<IrqLine*, PcTestDev::kIrqLineCount> lines)
        : lines_(lines) {}

    std::string_view name() const override { return "pc-testdev-irq"; }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        if (data.size() != 1 || offset >= lines_.size())
            return;
        VIREO_TRACE(Irq, "pc-testdev: line {} = {}", offset, data[0] != 0);
        lines_[offset]->set_level(data[0] != 0);
    }

private:
    std::array<IrqLine*, PcTestDev::kIrqLineCount> lines_;
};

// 64 KiB at 0xff000000 that reads back what was written, at every width.
class TestDevMemory final : public BusDevice {
public:
    std::string_view name() const override { return "pc-testdev-iomem"; }
    void read(uint64_t offset, std::span<uint8_t> data) override {
        std::lock_guard lock(mutex_);
        if (in_range(offset, data.size()))
            std::memcpy(data.data(), bytes_.data() + offset, data.size());
    }
    void write(uint64_t offset, std::span<uint8_t const> data) override {
        std::lock_guard lock(mutex_);
        if (in_range(offset, data.size()))
            std::memcpy(bytes_.data() + offset, data.data(), data.size());
    }

private:
    bool in_range(uint64_t offset, size_t size) const {
        return offset <= bytes_.size() && size <= bytes_.size() - offset;
    }

    std::mutex mutex_;
    std::vector<uint8_t> bytes_ = std::vector<uint8_t>(pc::kTestDevMmioSize);
};

} // namespace

Result<std::shared_ptr<PcTestDev>> PcTestDev::create(GuestMemory& memory,
                                                     std::span<IrqLine* const> lines) {
    if (lines.size() != kIrqLineCount)
        return make_error("pc-testdev needs {} IRQ lines, got {}", kIrqLineCount, lines.size());
    std::array<IrqLine*, kIrqLineCount> table{};
    for (size_t i = 0; i < kIrqLineCount; ++i) {
        if (lines[i] == nullptr)
            return make_error("pc-testdev: IRQ line {} is missing", i);
        table[i] = lines[i];
    }
    return std::shared_ptr<PcTestDev>(new PcTestDev(memory, table));
}

PcTestDev::PcTestDev(GuestMemory& memory, std::array<IrqLine*, kIrqLineCount> lines)
    : memory_(memory)
    , irq_ports_(std::make_shared<TestDevIrqPorts>(lines))
    , iomem_(std::make_shared<TestDevMemory>()) {}

std::vector<DeviceRange> PcTestDev::port_ranges(std::shared_ptr<PcTestDev> const& device) {
    uint64_t const base = pc::kTestDevPort;
    return {
        device_window(device, base + kScratchOffset, kScratchOffset, kWindowSize),
        device_window(device, base + kFlushOffset, kFlushOffset, kWindowSize),
        device_window(device, base + kByteScratchOffset, kByteScratchOffset, kWindowSize),
        DeviceRange{pc::kTestDevIrqPort, kIrqLineCount, device->irq_ports_},
    };
}

DeviceRange PcTestDev::mmio_range() const {
    return DeviceRange{pc::kTestDevMmioAddress, pc::kTestDevMmioSize, iomem_};
}

uint32_t PcTestDev::scratch() {
    std::lock_guard lock(mutex_);
    return scratch_;
}

// Both windows onto the scratch register address its bytes by (port & 3). QEMU implements
// 0xe8 with byte-sized accesses that its memory core splits wider ones into; the result is
// the same bytes as one access at 0xe0, which is what this does for both.
void PcTestDev::read(uint64_t offset, std::span<uint8_t> data) {
    if (offset >= kFlushOffset && offset < kFlushOffset + kWindowSize) {
        BusDevice::read(offset, data); // the flush port is write-only
        return;
    }
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i)
        data[i] = static_cast<uint8_t>(scratch_ >> (8 * ((offset + i) % kWindowSize)));
}

void PcTestDev::write(uint64_t offset, std::span<uint8_t const> data) {
    if (offset >= kFlushOffset && offset < kFlushOffset + kWindowSize) {
        if (data.size() == kFlushAccessSize)
            flush_page(load_le(data));
        return;
    }
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        unsigned const shift = 8 * ((offset + i) % kWindowSize);
        scratch_ = (scratch_ & ~(0xffU << shift)) | (uint32_t{data[i]} << shift);
    }
}

// Removing all access to the host page and restoring it makes the host kernel drop the page's
// mappings, KVM's shadow/EPT entries for it included (KVM follows the host MMU notifier), so
// the guest's next access takes a fresh fault: what kvm-unit-tests use this port for. QEMU does
// the same, and shares this known race: a vCPU touching the page between the two calls faults
// (KVM_RUN fails with EFAULT; vireo's emulator would take SIGSEGV).
void PcTestDev::flush_page(uint64_t guest_address) {
    uint64_t const page = guest_address & ~(kPageSize - 1);
    uint8_t* host = memory_.host_pointer(page, kPageSize);
    if (host == nullptr) {
        VIREO_TRACE(Vmm, "pc-testdev: flush of non-RAM page {:#x} ignored", page);
        return;
    }
    if (mprotect(host, kPageSize, PROT_NONE) != 0) {
        log_warn("{}", Error::from_errno("pc-testdev: flushing guest page {:#x}", page).message());
        return;
    }
    if (mprotect(host, kPageSize, PROT_READ | PROT_WRITE) != 0)
        log_error("{}",
                  Error::from_errno("pc-testdev: restoring guest page {:#x}", page).message());
}

} // namespace vireo
