// The MADT's interrupt controller structures (ACPI 6.5 5.2.12).
#include <gtest/gtest.h>

#include "fixtures.h"

namespace vireo::acpi {
namespace {

using namespace testing;

Madt madt_for(AcpiConfig const& config) {
    auto const blob = build_or_fail(config);
    auto const set = walk_tables(GuestImage(blob));
    EXPECT_TRUE(set) << set.error().message();
    if (!set)
        return {};
    auto madt = decode_madt(set->tables.at("APIC"));
    EXPECT_TRUE(madt) << madt.error().message();
    return madt ? *madt : Madt{};
}

TEST(Madt, OneEnabledLocalApicPerCpu) {
    for (unsigned cpus : {1U, 4U, 255U}) {
        Madt const madt = madt_for(legacy_config(cpus));
        ASSERT_EQ(madt.cpus.size(), cpus);
        for (unsigned i = 0; i < cpus; ++i) {
            EXPECT_EQ(madt.cpus[i].uid, i);
            EXPECT_EQ(madt.cpus[i].apic_id, i);
            EXPECT_EQ(madt.cpus[i].flags, 1U); // Enabled
        }
    }
}

TEST(Madt, ControllersAndPcatCompat) {
    AcpiConfig config = legacy_config();
    config.ioapic_id = 3;
    Madt const madt = madt_for(config);
    EXPECT_EQ(madt.local_apic_address, pc::kLocalApicAddress);
    EXPECT_EQ(madt.flags, 1U); // PCAT_COMPAT
    ASSERT_EQ(madt.ioapics.size(), 1U);
    EXPECT_EQ(madt.ioapics[0].id, 3);
    EXPECT_EQ(madt.ioapics[0].address, pc::kIoApicAddress);
    EXPECT_EQ(madt.ioapics[0].gsi_base, 0U);

    config.legacy_pic = false;
    EXPECT_EQ(madt_for(config).flags, 0U);
}

TEST(Madt, IsaOverridesForThePitAndTheSci) {
    Madt const madt = madt_for(legacy_config());
    ASSERT_EQ(madt.overrides.size(), 2U);
    auto const& pit = madt.overrides[0];
    EXPECT_EQ(pit.bus, 0);
    EXPECT_EQ(pit.source, pc::kPitIrq);
    EXPECT_EQ(pit.gsi, 2U);
    EXPECT_EQ(pit.flags & 0x3, 0x1);        // active high
    EXPECT_EQ((pit.flags >> 2) & 0x3, 0x1); // edge
    auto const& sci = madt.overrides[1];
    EXPECT_EQ(sci.bus, 0);
    EXPECT_EQ(sci.source, pc::kAcpiSciIrq);
    EXPECT_EQ(sci.gsi, pc::kAcpiSciIrq);
    EXPECT_EQ(sci.flags & 0x3, 0x1);        // active high
    EXPECT_EQ((sci.flags >> 2) & 0x3, 0x3); // level
}

TEST(Madt, OverridesFollowTheGsiBase) {
    AcpiConfig config = legacy_config();
    config.ioapic_gsi_base = 24;
    Madt const madt = madt_for(config);
    ASSERT_EQ(madt.overrides.size(), 2U);
    EXPECT_EQ(madt.ioapics.at(0).gsi_base, 24U);
    EXPECT_EQ(madt.overrides[0].gsi, 26U);
    EXPECT_EQ(madt.overrides[1].gsi, 24U + pc::kAcpiSciIrq);
}

TEST(Madt, NmiOnLint1OfEveryProcessor) {
    Madt const madt = madt_for(legacy_config(4));
    ASSERT_EQ(madt.nmis.size(), 1U);
    EXPECT_EQ(madt.nmis[0].uid, 0xff);
    EXPECT_EQ(madt.nmis[0].lint, 1);
}

} // namespace
} // namespace vireo::acpi
