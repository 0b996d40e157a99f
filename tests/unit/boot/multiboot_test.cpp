// Multiboot v1: offsets of multiboot_info from Multiboot Specification 0.6.96 3.3.
#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "test_images.h"
#include "x86/registers.h"

namespace vireo::boot {
namespace {

using namespace test;

constexpr uint64_t kInfo = 0x6000;
constexpr uint64_t kLoad = 0x100000;

// Flags: bit 0 page-aligned modules, bit 1 memory information.
constexpr uint32_t kTypicalFlags = 0x3;

// A 32-bit ELF whose only segment starts with the multiboot header, linked at a higher-half
// virtual address but loaded at 1 MiB, as small kernels are.
ElfSpec multiboot_elf(uint32_t flags = kTypicalFlags) {
    Bytes text = make_multiboot_header(flags);
    put_bytes(text, 0x20, pattern(0x1000, 3));
    return {.is_64bit = false,
            .entry = 0xc0100020,
            .segments = {{.paddr = kLoad, .vaddr = 0xc0100000, .data = text, .memsz = 0x3000}}};
}

using MultibootTest = LoaderTest;

TEST_F(MultibootTest, EntersProtectedModeWithMagicAndInfo) {
    auto loaded = load(make_elf(multiboot_elf()));
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::MultibootElf);
    auto const& cpu = loaded->bsp;
    EXPECT_EQ(cpu.rip, kLoad + 0x20); // the virtual entry translated through its segment
    EXPECT_EQ(cpu.reg(x86::Gpr::Rax), 0x2badb002U);
    EXPECT_EQ(cpu.reg(x86::Gpr::Rbx), kInfo);
    EXPECT_EQ(cpu.cr0 & (x86::kCr0Pe | x86::kCr0Pg), x86::kCr0Pe);
    EXPECT_TRUE(cpu.cs.db);
    EXPECT_EQ(cpu.cs.base, 0U);
    EXPECT_EQ(cpu.ss.limit, 0xffffffffU);
    EXPECT_EQ(cpu.rflags & (x86::kFlagIf | x86::kFlagVm), 0U);
    EXPECT_EQ(loaded->kernel_end, kLoad + 0x3000);
}

TEST_F(MultibootTest, InfoHasMemoryCmdlineModuleMmapAndName) {
    Bytes const module = pattern(0x2100, 8);
    auto loaded = load(make_elf(multiboot_elf()), "test=1", module);
    ASSERT_TRUE(loaded) << loaded.error().message();
    uint32_t const flags = peek<uint32_t>(*memory_, kInfo);
    for (uint32_t bit : {0, 2, 3, 6, 9})
        EXPECT_NE(flags & (1U << bit), 0U) << "flag bit " << bit;
    EXPECT_EQ(peek<uint32_t>(*memory_, kInfo + 4), 639U); // mem_lower, KiB below the EBDA
    EXPECT_EQ(peek<uint32_t>(*memory_, kInfo + 8), (kRamSize - MiB) / KiB);
    EXPECT_EQ(peek_string(*memory_, peek<uint32_t>(*memory_, kInfo + 16)), "test=1");
    EXPECT_EQ(peek_string(*memory_, peek<uint32_t>(*memory_, kInfo + 64)), "vireo");

    ASSERT_EQ(peek<uint32_t>(*memory_, kInfo + 20), 1U);
    uint32_t const mod = peek<uint32_t>(*memory_, kInfo + 24);
    uint32_t const start = peek<uint32_t>(*memory_, mod);
    EXPECT_EQ(start % 4096, 0U);
    EXPECT_EQ(peek<uint32_t>(*memory_, mod + 4), start + module.size());
    EXPECT_EQ(peek_string(*memory_, peek<uint32_t>(*memory_, mod + 8)), initrd_path());
    EXPECT_EQ(peek<uint8_t>(*memory_, start + 0x20ff), module.back());
}

TEST_F(MultibootTest, MmapMirrorsTheE820Map) {
    ASSERT_TRUE(load(make_elf(multiboot_elf())));
    auto const map = build_e820(*memory_);
    uint32_t const length = peek<uint32_t>(*memory_, kInfo + 44);
    uint32_t const address = peek<uint32_t>(*memory_, kInfo + 48);
    size_t count = 0;
    // The kernel walks the map by each entry's size field, which excludes itself.
    for (uint64_t at = address; at < address + length; at += peek<uint32_t>(*memory_, at) + 4) {
        ASSERT_LT(count, map.size());
        EXPECT_EQ(peek<uint32_t>(*memory_, at), 20U);
        EXPECT_EQ(peek<uint64_t>(*memory_, at + 4), map[count].address);
        EXPECT_EQ(peek<uint64_t>(*memory_, at + 12), map[count].size);
        EXPECT_EQ(peek<uint32_t>(*memory_, at + 20), map[count].type);
        ++count;
    }
    EXPECT_EQ(count, map.size());
}

TEST_F(MultibootTest, AddressFieldsLoadARawBinary) {
    // Flag 16: the header at file offset 0x40 is to be loaded at 0x100040, so the file's
    // first byte goes to 0x100000; 0x1800 bytes are loaded and zeroed up to 0x104000.
    Bytes image = pattern(0x1800, 4);
    put_bytes(image, 0x40,
              make_multiboot_header(
                  kTypicalFlags | (1U << 16),
                  MultibootAddresses{0x100040, 0x100000, 0x101800, 0x104000, 0x100060}));
    ASSERT_TRUE(memory_->write(0x102000, Bytes(8, 0xff)));
    auto loaded = load(image);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->bsp.rip, 0x100060U);
    EXPECT_EQ(loaded->kernel_end, 0x104000U);
    EXPECT_EQ(peek<uint8_t>(*memory_, 0x100001), image[1]);
    EXPECT_EQ(peek<uint8_t>(*memory_, 0x1017ff), image[0x17ff]);
    EXPECT_EQ(peek<uint64_t>(*memory_, 0x102000), 0U); // bss
}

TEST_F(MultibootTest, RejectsSixtyFourBitElfWithoutAddressFields) {
    ElfSpec elf = multiboot_elf();
    elf.is_64bit = true;
    auto loaded = load(make_elf(elf));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("64-bit"), std::string::npos);
}

TEST_F(MultibootTest, RejectsVideoModeRequirement) {
    auto loaded = load(make_elf(multiboot_elf(kTypicalFlags | (1U << 2))));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("video mode"), std::string::npos);
}

TEST_F(MultibootTest, IgnoresHeaderWithBadChecksum) {
    ElfSpec elf = multiboot_elf();
    put32(elf.segments[0].data, 8, 0); // checksum no longer sums to zero
    auto loaded = load(make_elf(elf));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("neither a PVH entry note"), std::string::npos)
        << loaded.error().message();
}

TEST_F(MultibootTest, RejectsAddressFieldsReachingBeforeTheFile) {
    Bytes image = make_multiboot_header(kTypicalFlags | (1U << 16),
                                        MultibootAddresses{0x100100, 0x100000, 0, 0, 0x100100});
    image.resize(0x200);
    auto loaded = load(image);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("before the start of the file"), std::string::npos);
}

} // namespace
} // namespace vireo::boot
