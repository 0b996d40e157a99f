#include <gtest/gtest.h>

#include "devices/pci/slot_irq.h"
#include "pci_fakes.h"

namespace vireo::pci {
namespace {

using test::Message;
using test::TestBus;
using test::TestFunction;

constexpr unsigned kSlot = 2;
constexpr uint16_t kMessageControl = 2;
constexpr uint16_t kEnable = 1U << 15;
constexpr uint16_t kFunctionMask = 1U << 14;
constexpr uint64_t kApicAddress = 0xfee00000;

class MsixTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(bus_.bus.plug(kSlot, function_));
        table_ = function_->bars()[1].address + TestFunction::kTableOffset;
        pba_ = function_->bars()[1].address + TestFunction::kPbaOffset;
    }

    void set_control(uint16_t bits) {
        uint8_t bytes[2] = {};
        store_le(bytes, bits);
        bus_.bus.config_write({0, kSlot, 0}, function_->msix_capability + kMessageControl, bytes);
    }
    void write_entry(uint16_t vector, uint64_t address, uint32_t data, bool masked) {
        write32(table_ + vector * 16, static_cast<uint32_t>(address));
        write32(table_ + vector * 16 + 4, static_cast<uint32_t>(address >> 32));
        write32(table_ + vector * 16 + 8, data);
        write32(table_ + vector * 16 + 12, masked ? 1 : 0);
    }
    void write32(uint64_t address, uint32_t value) {
        uint8_t bytes[4] = {};
        store_le(bytes, value);
        bus_.mmio.write(address, bytes);
    }
    uint64_t read64(uint64_t address) {
        uint8_t bytes[8] = {};
        bus_.mmio.read(address, bytes);
        return load_le(bytes);
    }
    MsixTable& table() { return *function_->msix(); }

    TestBus bus_;
    std::shared_ptr<TestFunction> function_ = std::make_shared<TestFunction>();
    uint64_t table_ = 0;
    uint64_t pba_ = 0;
};

TEST_F(MsixTest, DisabledMsixLeavesTheDeviceOnIntx) {
    write_entry(0, kApicAddress, 0x41, false);
    EXPECT_FALSE(table().signal(0));
    EXPECT_TRUE(bus_.msi.messages.empty());
}

TEST_F(MsixTest, UnmaskedVectorSendsItsMessage) {
    write_entry(1, kApicAddress | 0x1000, 0x4031, false);
    set_control(kEnable);
    EXPECT_TRUE(table().signal(1));
    ASSERT_EQ(bus_.msi.messages.size(), 1U);
    EXPECT_EQ(bus_.msi.messages[0], (Message{kApicAddress | 0x1000, 0x4031}));
}

TEST_F(MsixTest, EntriesStartMaskedAndReadBack) {
    EXPECT_EQ(read64(table_ + 8) >> 32, 1U); // Vector Control: masked after reset
    write_entry(3, 0x1'fee0'0004, 0x55, true);
    EXPECT_EQ(read64(table_ + 3 * 16), 0x1'fee0'0004U);
    EXPECT_EQ(read64(table_ + 3 * 16 + 8), 0x1'0000'0055U);
}

TEST_F(MsixTest, MaskedVectorBecomesPendingAndFiresOnUnmask) {
    write_entry(2, kApicAddress, 0x42, true);
    set_control(kEnable);
    EXPECT_TRUE(table().signal(2));
    EXPECT_TRUE(bus_.msi.messages.empty());
    EXPECT_EQ(read64(pba_), 1U << 2);
    write32(table_ + 2 * 16 + 12, 0); // unmask
    ASSERT_EQ(bus_.msi.messages.size(), 1U);
    EXPECT_EQ(bus_.msi.messages[0].data, 0x42U);
    EXPECT_EQ(read64(pba_), 0U);
}

TEST_F(MsixTest, FunctionMaskHoldsEveryVector) {
    write_entry(0, kApicAddress, 0x40, false);
    write_entry(1, kApicAddress, 0x41, false);
    set_control(kEnable | kFunctionMask);
    table().signal(0);
    table().signal(1);
    table().signal(1); // pending is one bit: one message later
    EXPECT_TRUE(bus_.msi.messages.empty());
    EXPECT_EQ(read64(pba_), 0b11U);
    set_control(kEnable);
    ASSERT_EQ(bus_.msi.messages.size(), 2U);
    EXPECT_EQ(bus_.msi.messages[0].data, 0x40U);
    EXPECT_EQ(bus_.msi.messages[1].data, 0x41U);
}

TEST_F(MsixTest, PendingStaysWhileTheVectorIsStillMasked) {
    write_entry(0, kApicAddress, 0x40, true);
    set_control(kEnable | kFunctionMask);
    table().signal(0);
    set_control(kEnable); // function unmasked, vector still masked
    EXPECT_TRUE(bus_.msi.messages.empty());
    EXPECT_EQ(read64(pba_), 1U);
}

TEST_F(MsixTest, OddSizedTableWritesAreIgnored) {
    write_entry(0, kApicAddress, 0x40, true);
    uint8_t byte = 0x99;
    bus_.mmio.write(table_ + 8, std::span(&byte, 1));
    uint8_t word[2] = {0x77, 0x77};
    bus_.mmio.write(table_ + 9, word);
    EXPECT_EQ(read64(table_ + 8) & 0xffffffff, 0x40U);
}

TEST_F(MsixTest, EnablingMsixReleasesIntx) {
    function_->set_intx(true);
    auto& line = *bus_.lines[intx_gsi(kSlot, 0)];
    EXPECT_TRUE(line.level);
    set_control(kEnable);
    EXPECT_FALSE(line.level);
    set_control(0);
    EXPECT_TRUE(line.level);
}

TEST_F(MsixTest, VectorsBeyondTheTableSendNothing) {
    set_control(kEnable);
    EXPECT_TRUE(table().signal(TestFunction::kVectors));
    EXPECT_TRUE(bus_.msi.messages.empty());
    EXPECT_EQ(read64(table_ + TestFunction::kVectors * 16), ~uint64_t{0}); // past the table
}

} // namespace
} // namespace vireo::pci
