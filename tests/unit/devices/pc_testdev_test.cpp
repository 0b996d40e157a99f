#include <map>

#include <gtest/gtest.h>

#include "devices/legacy/pc_testdev.h"
#include "fakes.h"
#include "x86/pc_layout.h"

namespace vireo {
namespace {

using test::read_port;
using test::write_port;

class PcTestDevTest : public ::testing::Test {
protected:
    void SetUp() override {
        memory_ = std::move(*GuestMemory::create(4 * MiB));
        std::vector<IrqLine*> pointers;
        for (auto& line : lines_)
            pointers.push_back(&line);
        auto created = PcTestDev::create(*memory_, pointers);
        ASSERT_TRUE(created) << created.error().message();
        device_ = *created;
        for (auto const& range : PcTestDev::port_ranges(device_))
            ports_[range.base] = range;
    }
    BusDevice& port(uint64_t base) { return *ports_.at(base).device; }

    static constexpr uint64_t MiB = 1024 * 1024;
    std::unique_ptr<GuestMemory> memory_;
    std::array<test::FakeIrqLine, PcTestDev::kIrqLineCount> lines_;
    std::shared_ptr<PcTestDev> device_;
    std::map<uint64_t, DeviceRange> ports_;
};

TEST_F(PcTestDevTest, RangesMatchQemu) {
    ASSERT_EQ(ports_.size(), 4U);
    EXPECT_EQ(ports_.at(0xe0).length, 4U);
    EXPECT_EQ(ports_.at(0xe4).length, 4U);
    EXPECT_EQ(ports_.at(0xe8).length, 4U);
    EXPECT_EQ(ports_.at(0x2000).length, 24U);
    auto const mmio = device_->mmio_range();
    EXPECT_EQ(mmio.base, 0xff000000U);
    EXPECT_EQ(mmio.length, 0x10000U);
}

TEST_F(PcTestDevTest, ScratchRegisterKeepsBytesAtEveryWidth) {
    write_port(port(0xe0), 0, 0x11223344, 4);
    EXPECT_EQ(read_port(port(0xe0), 0, 4), 0x11223344U);
    EXPECT_EQ(read_port(port(0xe0), 1, 1), 0x33U);
    EXPECT_EQ(read_port(port(0xe0), 2, 2), 0x1122U);
    write_port(port(0xe0), 1, 0xaabb, 2);
    EXPECT_EQ(device_->scratch(), 0x11aabb44U);
}

// kvm-unit-tests' emulator test writes 0xe0 and reads the bytes back through 0xe8.
TEST_F(PcTestDevTest, BytePortSharesTheScratchRegister) {
    write_port(port(0xe0), 0, 0xdeadbeef, 4);
    EXPECT_EQ(read_port(port(0xe8), 0, 1), 0xefU);
    EXPECT_EQ(read_port(port(0xe8), 3, 1), 0xdeU);
    write_port(port(0xe8), 0, 0x01020304, 4);
    EXPECT_EQ(read_port(port(0xe0), 0, 4), 0x01020304U);
}

TEST_F(PcTestDevTest, IrqPortsSetLinesToNotNotValue) {
    write_port(port(0x2000), 10, 0x80);
    EXPECT_TRUE(lines_[10].level());
    write_port(port(0x2000), 10, 0);
    EXPECT_FALSE(lines_[10].level());
    write_port(port(0x2000), 23, 1);
    EXPECT_TRUE(lines_[23].level());
    write_port(port(0x2000), 3, 1, 2); // QEMU accepts byte writes only
    EXPECT_FALSE(lines_[3].level());
    for (size_t i = 0; i < 23; ++i)
        EXPECT_FALSE(lines_[i].level()) << i;
}

TEST_F(PcTestDevTest, MmioBehavesLikeRam) {
    auto& mem = *device_->mmio_range().device;
    write_port(mem, 0x100, 0x0123456789abcdefULL, 8);
    EXPECT_EQ(read_port(mem, 0x100, 8), 0x0123456789abcdefULL);
    EXPECT_EQ(read_port(mem, 0x102, 2), 0x89abU);
    write_port(mem, 0xffff, 0x5a, 1);
    EXPECT_EQ(read_port(mem, 0xffff, 1), 0x5aU);
    write_port(mem, 0x104, 0x77, 1);
    EXPECT_EQ(read_port(mem, 0x100, 4), 0x89abcdefU);
    EXPECT_EQ(read_port(mem, 0x104, 4), 0x01234577U);
}

// The flush must leave the page readable and writable with its contents intact.
TEST_F(PcTestDevTest, FlushPageKeepsContents) {
    ASSERT_TRUE(memory_->write_object<uint32_t>(0x201000, 0xcafe));
    write_port(port(0xe4), 0, 0x201234, 4);
    EXPECT_EQ(*memory_->read_object<uint32_t>(0x201000), 0xcafeU);
    ASSERT_TRUE(memory_->write_object<uint32_t>(0x201000, 0xbeef));
    EXPECT_EQ(*memory_->read_object<uint32_t>(0x201000), 0xbeefU);
    write_port(port(0xe4), 0, 0xfff00000, 4); // not RAM: ignored
    write_port(port(0xe4), 0, 0x201000, 2);   // wrong width: ignored
}

TEST(PcTestDevCreate, RejectsWrongLineCount) {
    auto memory = std::move(*GuestMemory::create(4 * 1024 * 1024));
    test::FakeIrqLine line;
    std::vector<IrqLine*> lines(3, &line);
    auto created = PcTestDev::create(*memory, lines);
    ASSERT_FALSE(created);
    EXPECT_EQ(created.error().message(), "pc-testdev needs 24 IRQ lines, got 3");
}

} // namespace
} // namespace vireo
