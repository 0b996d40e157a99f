#include <gtest/gtest.h>

#include "x86/cpuid.h"

namespace vireo::x86 {
namespace {

using namespace cpuid;

std::vector<CpuidEntry> synthetic_host() {
    return {
        {0, 0, false, 0xd, 0x756e6547, 0x6c65746e, 0x49656e69},
        {1, 0, false, 0x000806f8, 0x00000800,
         kLeaf1EcxSse3 | kLeaf1EcxCx16 | kLeaf1EcxXsave | kLeaf1EcxAvx | kLeaf1EcxPopcnt |
             kLeaf1EcxX2Apic | kLeaf1EcxRdrand,
         0x178bfbff},
        {4, 0, true, 0x1c004121, 0, 0, 0},
        {4, 3, true, 0x1c03c163, 0, 0, 0},
        {7, 0, true, 0, kLeaf7EbxAvx2 | kLeaf7EbxFsgsbase | (1U << 16), kLeaf7EcxLa57, 0},
        {0xb, 0, true, 1, 2, 0x100, 7},
        {0xb, 1, true, 4, 16, 0x201, 7},
        {0xd, 0, true, 0x2e7, 0xa88, 0xa88, 0},
        {0x80000001, 0, false, 0, 0, kExt1EcxSvm, 0x2c100800},
    };
}

TEST(CpuidProfile, BaselineHidesXsaveAvxAndCx16) {
    auto host = synthetic_host();
    auto out = apply_cpu_profile(host, CpuProfile::Baseline, {0, 1});
    auto const* leaf1 = find_cpuid(out, 1);
    ASSERT_NE(leaf1, nullptr);
    EXPECT_EQ(leaf1->ecx & (kLeaf1EcxXsave | kLeaf1EcxAvx | kLeaf1EcxCx16 | kLeaf1EcxRdrand), 0U);
    EXPECT_NE(leaf1->ecx & kLeaf1EcxPopcnt, 0U);
    EXPECT_NE(leaf1->ecx & kLeaf1EcxHypervisor, 0U);
    EXPECT_EQ(find_cpuid(out, 0xd), nullptr);
    auto const* leaf7 = find_cpuid(out, 7, 0);
    ASSERT_NE(leaf7, nullptr);
    EXPECT_EQ(leaf7->ebx, kLeaf7EbxFsgsbase);
    EXPECT_EQ(leaf7->ecx & kLeaf7EcxLa57, 0U);
    EXPECT_EQ(find_cpuid(out, 0x80000001)->ecx & kExt1EcxSvm, 0U);
}

TEST(CpuidProfile, HostKeepsFeatures) {
    auto host = synthetic_host();
    auto out = apply_cpu_profile(host, CpuProfile::Host, {0, 1});
    EXPECT_NE(find_cpuid(out, 1)->ecx & kLeaf1EcxAvx, 0U);
    EXPECT_NE(find_cpuid(out, 0xd), nullptr);
}

TEST(CpuidProfile, TopologyNumbersEachVcpu) {
    auto host = synthetic_host();
    auto out = apply_cpu_profile(host, CpuProfile::Baseline, {3, 4});
    auto const* leaf1 = find_cpuid(out, 1);
    EXPECT_EQ(leaf1->ebx >> 24, 3U);
    EXPECT_EQ((leaf1->ebx >> 16) & 0xff, 4U);
    EXPECT_NE(leaf1->edx & kLeaf1EdxHtt, 0U);
    auto const* smt = find_cpuid(out, 0xb, 0);
    auto const* core = find_cpuid(out, 0xb, 1);
    EXPECT_EQ(smt->ebx, 1U);
    EXPECT_EQ(core->ebx, 4U);
    EXPECT_EQ(core->eax, 2U); // two APIC ID bits number four cores
    EXPECT_EQ(core->edx, 3U);
    auto const* l1 = find_cpuid(out, 4, 0);
    auto const* l3 = find_cpuid(out, 4, 3);
    EXPECT_EQ(l1->eax >> 26, 3U);
    EXPECT_EQ((l1->eax >> 14) & 0xfff, 0U);
    EXPECT_EQ((l3->eax >> 14) & 0xfff, 3U);
}

TEST(CpuidProfile, ParsesNames) {
    EXPECT_EQ(*parse_cpu_profile("host"), CpuProfile::Host);
    EXPECT_EQ(*parse_cpu_profile("baseline"), CpuProfile::Baseline);
    ASSERT_FALSE(parse_cpu_profile("skylake"));
    EXPECT_NE(parse_cpu_profile("skylake").error().message().find("skylake"), std::string::npos);
}

} // namespace
} // namespace vireo::x86
