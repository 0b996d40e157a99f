#include "devices/legacy/i8042.h"

#include "base/trace.h"
#include "x86/pc_layout.h"

namespace vireo {

namespace {

// Status register bits (IBM PS/2 Hardware Interface Technical Reference, keyboard/auxiliary
// device controller, status register).
constexpr uint8_t kStatusOutputFull = 1 << 0;
constexpr uint8_t kStatusSystemFlag = 1 << 2; // the controller passed its self-test
constexpr uint8_t kStatusLastWasCommand = 1 << 3;
constexpr uint8_t kStatusNotInhibited = 1 << 4;

// Controller commands written to port 0x64 (same reference, "commands").
constexpr uint8_t kCmdReadCommandByte = 0x20;
constexpr uint8_t kCmdWriteCommandByte = 0x60;
constexpr uint8_t kCmdDisableAux = 0xa7;
constexpr uint8_t kCmdEnableAux = 0xa8;
constexpr uint8_t kCmdTestAux = 0xa9;
constexpr uint8_t kCmdSelfTest = 0xaa;
constexpr uint8_t kCmdTestKeyboard = 0xab;
constexpr uint8_t kCmdDisableKeyboard = 0xad;
constexpr uint8_t kCmdEnableKeyboard = 0xae;
constexpr uint8_t kCmdReadOutputPort = 0xd0;
constexpr uint8_t kCmdWriteOutputPort = 0xd1;
// 0xF0-0xFF pulse the output port lines whose bits are 0 in the low nibble; bit 0 of the
// output port drives the CPU reset line, so 0xFE is "pulse reset".
constexpr uint8_t kCmdPulseFirst = 0xf0;
constexpr uint8_t kOutputPortReset = 1 << 0;

constexpr uint8_t kSelfTestPassed = 0x55;
constexpr uint8_t kInterfaceTestPassed = 0x00;
// Command byte bits 4 and 5 disable the keyboard and auxiliary interfaces.
constexpr uint8_t kCommandByteKeyboardOff = 1 << 4;
constexpr uint8_t kCommandByteAuxOff = 1 << 5;
// The output port as command 0xD0 reads it: reset line not asserted, A20 enabled.
constexpr uint8_t kOutputPortIdle = 0x03;

} // namespace

std::vector<DeviceRange> I8042::ranges(std::shared_ptr<I8042> const& controller) {
    return {
        device_window(controller, pc::kI8042DataPort, kDataOffset, 1),
        device_window(controller, pc::kI8042CommandPort, kCommandOffset, 1),
    };
}

void I8042::read(uint64_t offset, std::span<uint8_t> data) {
    uint8_t value = 0xff;
    if (offset == kDataOffset)
        value = read_data();
    else if (offset == kCommandOffset)
        value = read_status();
    std::memset(data.data(), value, data.size());
}

void I8042::write(uint64_t offset, std::span<uint8_t const> data) {
    bool reset = false;
    if (offset == kDataOffset)
        reset = write_data(data[0]);
    else if (offset == kCommandOffset)
        reset = write_command(data[0]);
    if (reset) {
        VIREO_TRACE(Vmm, "i8042: guest pulsed the reset line");
        machine_.request_reset();
    }
}

// "No data": the output buffer is empty unless a command just produced a reply. The input
// buffer is never full, so Linux's kb_wait() before the reset command returns at once.
uint8_t I8042::read_status() {
    std::lock_guard lock(mutex_);
    uint8_t status = kStatusSystemFlag | kStatusNotInhibited | kStatusLastWasCommand;
    if (output_)
        status |= kStatusOutputFull;
    return status;
}

uint8_t I8042::read_data() {
    std::lock_guard lock(mutex_);
    if (output_) {
        last_output_ = *output_;
        output_.reset();
    }
    return last_output_;
}

// Returns whether the write pulls the reset line. Bytes meant for the keyboard itself go
// nowhere: there is no keyboard.
bool I8042::write_data(uint8_t value) {
    std::lock_guard lock(mutex_);
    auto const command = std::exchange(data_command_, std::nullopt);
    if (command == kCmdWriteCommandByte)
        command_byte_ = value;
    return command == kCmdWriteOutputPort && (value & kOutputPortReset) == 0;
}

bool I8042::write_command(uint8_t command) {
    if (command >= kCmdPulseFirst)
        return (command & kOutputPortReset) == 0;
    std::lock_guard lock(mutex_);
    switch (command) {
    case kCmdReadCommandByte:
        output_ = command_byte_;
        break;
    case kCmdWriteCommandByte:
    case kCmdWriteOutputPort:
        data_command_ = command;
        break;
    case kCmdSelfTest:
        output_ = kSelfTestPassed;
        break;
    case kCmdTestKeyboard:
    case kCmdTestAux:
        output_ = kInterfaceTestPassed;
        break;
    case kCmdReadOutputPort:
        output_ = kOutputPortIdle;
        break;
    case kCmdDisableKeyboard:
        command_byte_ |= kCommandByteKeyboardOff;
        break;
    case kCmdEnableKeyboard:
        command_byte_ &= static_cast<uint8_t>(~kCommandByteKeyboardOff);
        break;
    case kCmdDisableAux:
        command_byte_ |= kCommandByteAuxOff;
        break;
    case kCmdEnableAux:
        command_byte_ &= static_cast<uint8_t>(~kCommandByteAuxOff);
        break;
    default:
        VIREO_TRACE(Vmm, "i8042: ignored command {:#x}", command);
        break;
    }
    return false;
}

} // namespace vireo
