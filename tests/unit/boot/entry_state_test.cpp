// The boot GDT and identity page tables, read back as the processor would walk them.
#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/entry_state.h"
#include "memory/guest_memory.h"
#include "test_images.h"

namespace vireo::boot {
namespace {

using test::peek;

constexpr uint64_t kGdt = 0x500;
constexpr uint64_t kPml4 = 0x9000;

class EntryStateTest : public test::LoaderTest {
protected:
    // A 4-level walk (Intel SDM Vol. 3A 4.5) that stops at a 2 MiB page; 0 if not present.
    uint64_t translate(uint64_t cr3, uint64_t linear) {
        uint64_t const pml4e = peek<uint64_t>(*memory_, cr3 + ((linear >> 39) & 511) * 8);
        if ((pml4e & 1) == 0)
            return 0;
        uint64_t const pdpte =
            peek<uint64_t>(*memory_, (pml4e & ~0xfffULL) + ((linear >> 30) & 511) * 8);
        if ((pdpte & 1) == 0)
            return 0;
        uint64_t const pde =
            peek<uint64_t>(*memory_, (pdpte & ~0xfffULL) + ((linear >> 21) & 511) * 8);
        if ((pde & 1) == 0 || (pde & 0x80) == 0)
            return 0;
        return (pde & ~0x1fffffULL) | (linear & 0x1fffff);
    }
};

TEST_F(EntryStateTest, GdtHoldsFlatCodeAndDataDescriptors) {
    auto state = prepare_entry_state(*memory_, EntryMode::LongMode64, 0x1000200);
    ASSERT_TRUE(state) << state.error().message();
    // Intel SDM Vol. 3A 3.4.5: base 0, limit 0xFFFFF, G; P, S, type 0xB (code) or 0x3 (data);
    // D for 32-bit code and data, L for 64-bit code.
    EXPECT_EQ(peek<uint64_t>(*memory_, kGdt + 0x08), 0x00cf9b000000ffffULL);
    EXPECT_EQ(peek<uint64_t>(*memory_, kGdt + 0x10), 0x00af9b000000ffffULL);
    EXPECT_EQ(peek<uint64_t>(*memory_, kGdt + 0x18), 0x00cf93000000ffffULL);
    EXPECT_EQ(state->gdt.base, kGdt);
    EXPECT_EQ(state->gdt.limit, 0x1f);
}

TEST_F(EntryStateTest, SegmentCachesMatchTheGdt) {
    for (auto mode : {EntryMode::LongMode64, EntryMode::ProtectedMode32}) {
        auto state = prepare_entry_state(*memory_, mode, 0x100000);
        ASSERT_TRUE(state) << state.error().message();
        for (auto const* segment : {&state->cs, &state->ds, &state->ss}) {
            auto const descriptor = peek<uint64_t>(*memory_, kGdt + segment->selector);
            auto const expected = x86::Segment::from_descriptor(segment->selector, descriptor);
            EXPECT_EQ(segment->access_rights(), expected.access_rights());
            EXPECT_EQ(segment->limit, expected.limit);
            EXPECT_EQ(segment->base, expected.base);
        }
        EXPECT_TRUE(state->ldt.unusable);
        EXPECT_TRUE(state->tr.present);
        EXPECT_EQ(state->apic_base, 0xfee00900U); // enabled BSP at the default base
    }
}

TEST_F(EntryStateTest, PageTablesIdentityMapFourGigabytes) {
    auto state = prepare_entry_state(*memory_, EntryMode::LongMode64, 0x1000200);
    ASSERT_TRUE(state) << state.error().message();
    EXPECT_EQ(state->cr3, kPml4);
    for (uint64_t address : {0x0ULL, 0x7000ULL, 0x1000200ULL, 0x40000000ULL, 0x12345678ULL,
                             0xbfffffffULL, 0xfee00000ULL, 0xffffffffULL})
        EXPECT_EQ(translate(state->cr3, address), address) << std::hex << address;
    EXPECT_EQ(translate(state->cr3, 0x100000000ULL), 0U); // nothing above 4 GiB
}

TEST_F(EntryStateTest, ProtectedModeEntryLeavesPagingOff) {
    auto state = prepare_entry_state(*memory_, EntryMode::ProtectedMode32, 0x100000);
    ASSERT_TRUE(state) << state.error().message();
    EXPECT_EQ(state->rip, 0x100000U);
    EXPECT_EQ(state->cs.selector, kBootCode32Selector);
    EXPECT_EQ(state->cr0 & (1ULL << 31), 0U);
    EXPECT_EQ(state->efer, 0U);
    EXPECT_EQ(peek<uint64_t>(*memory_, kPml4), 0U); // no page tables written
}

} // namespace
} // namespace vireo::boot
