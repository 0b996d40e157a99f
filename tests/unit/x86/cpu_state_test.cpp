#include <gtest/gtest.h>

#include "x86/cpu_state.h"

namespace vireo::x86 {
namespace {

TEST(Segment, DecodesFlat64BitCodeDescriptor) {
    // 0x00af9b000000ffff: base 0, limit 0xfffff, G=1, L=1, P=1, DPL 0, type 0xb (code, read,
    // accessed).
    auto s = Segment::from_descriptor(0x10, 0x00af9b000000ffffULL);
    EXPECT_EQ(s.base, 0U);
    EXPECT_EQ(s.limit, 0xffffffffU);
    EXPECT_TRUE(s.long_mode);
    EXPECT_FALSE(s.db);
    EXPECT_TRUE(s.present);
    EXPECT_FALSE(s.system);
    EXPECT_EQ(s.type, 0xb);
    EXPECT_EQ(s.access_rights(), 0xa09bU);
}

TEST(Segment, DecodesBaseSplitAcrossTheDescriptor) {
    // base 0x12345678, limit 0x00fff, byte granular, 32-bit data, DPL 3.
    uint64_t const descriptor = 0x12405634'56780fffULL | (0xf3ULL << 40);
    auto s = Segment::from_descriptor(0x2b, descriptor);
    EXPECT_EQ(s.base, 0x12345678U);
    EXPECT_EQ(s.limit, 0xfffU);
    EXPECT_EQ(s.dpl, 3);
    EXPECT_TRUE(s.db);
}

TEST(CpuState, DumpNamesRegisters) {
    CpuState state;
    state.reg(Gpr::Rsi) = 0x7000;
    state.rip = 0x100200;
    auto text = format_cpu_state(state);
    EXPECT_NE(text.find("RSI=0000000000007000"), std::string::npos);
    EXPECT_NE(text.find("RIP=0000000000100200"), std::string::npos);
}

} // namespace
} // namespace vireo::x86
