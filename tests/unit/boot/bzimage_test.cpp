// A bzImage through the Linux 64-bit boot protocol: what the kernel finds in RAM and registers.
// Zero-page offsets are those of Documentation/arch/x86/zero-page.rst and boot.rst.
#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "test_images.h"
#include "x86/registers.h"

namespace vireo::boot {
namespace {

using namespace test;

constexpr uint64_t kZeroPage = 0x7000;

using BzImageTest = LoaderTest;

TEST_F(BzImageTest, LoadsPayloadAtPreferredAddressOfRelocatableKernel) {
    BzImageSpec image;
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::BzImage);
    Bytes const payload = pattern(image.payload_size, 0x42);
    for (size_t i = 0; i < payload.size(); i += 0x3ff)
        EXPECT_EQ(peek<uint8_t>(*memory_, image.pref_address + i), payload[i]) << i;
    EXPECT_EQ(loaded->kernel_end, image.pref_address + image.init_size);
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x214), image.pref_address); // code32_start
}

TEST_F(BzImageTest, EntersLongModeAtLoadAddressPlus0x200WithBootParamsInRsi) {
    auto loaded = load(make_bzimage({}), "console=ttyS0");
    ASSERT_TRUE(loaded) << loaded.error().message();
    auto const& cpu = loaded->bsp;
    EXPECT_EQ(cpu.rip, 0x1000200U);
    EXPECT_EQ(cpu.reg(x86::Gpr::Rsi), kZeroPage);
    EXPECT_EQ(cpu.cr0 & (x86::kCr0Pe | x86::kCr0Pg), x86::kCr0Pe | x86::kCr0Pg);
    EXPECT_EQ(cpu.cr4 & x86::kCr4Pae, x86::kCr4Pae);
    EXPECT_EQ(cpu.efer & (x86::kEferLme | x86::kEferLma), x86::kEferLme | x86::kEferLma);
    EXPECT_EQ(cpu.rflags & x86::kFlagIf, 0U);
    // boot.rst: "CS must be __BOOT_CS and DS, ES, SS must be __BOOT_DS".
    EXPECT_EQ(cpu.cs.selector, 0x10);
    EXPECT_TRUE(cpu.cs.long_mode);
    EXPECT_FALSE(cpu.cs.db);
    for (auto const* segment : {&cpu.ds, &cpu.es, &cpu.ss}) {
        EXPECT_EQ(segment->selector, 0x18);
        EXPECT_EQ(segment->limit, 0xffffffffU);
        EXPECT_EQ(segment->base, 0U);
    }
    EXPECT_NE(cpu.reg(x86::Gpr::Rsp), 0U);
}

TEST_F(BzImageTest, FillsZeroPageForTheKernel) {
    auto loaded = load(make_bzimage({}), "console=ttyS0 quiet", {}, 0xf0000);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x202), 0x53726448U); // header copied
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x268), 0x1234U);     // ... to its end
    EXPECT_EQ(peek<uint8_t>(*memory_, kZeroPage + 0x210), 0xff);         // type_of_loader
    EXPECT_EQ(peek<uint8_t>(*memory_, kZeroPage + 0x211), 0x81);         // LOADED_HIGH|CAN_USE_HEAP
    EXPECT_EQ(peek<uint16_t>(*memory_, kZeroPage + 0x224), 0xfe00);      // heap_end_ptr
    uint32_t const cmdline = peek<uint32_t>(*memory_, kZeroPage + 0x228);
    EXPECT_EQ(peek_string(*memory_, cmdline), "console=ttyS0 quiet");
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x0c8), 0U);       // ext_cmd_line_ptr
    EXPECT_EQ(peek<uint64_t>(*memory_, kZeroPage + 0x070), 0xf0000U); // acpi_rsdp_addr
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x218), 0U);       // no initrd
}

TEST_F(BzImageTest, ZeroPageCarriesTheE820Map) {
    ASSERT_TRUE(load(make_bzimage({}), "console=ttyS0"));
    auto const map = build_e820(*memory_);
    ASSERT_EQ(peek<uint8_t>(*memory_, kZeroPage + 0x1e8), map.size());
    for (size_t i = 0; i < map.size(); ++i) {
        uint64_t const entry = kZeroPage + 0x2d0 + i * 20;
        EXPECT_EQ(peek<uint64_t>(*memory_, entry), map[i].address);
        EXPECT_EQ(peek<uint64_t>(*memory_, entry + 8), map[i].size);
        EXPECT_EQ(peek<uint32_t>(*memory_, entry + 16), map[i].type);
    }
}

TEST_F(BzImageTest, PlacesInitrdAsHighAsPossibleAndPageAligned) {
    Bytes const initrd = pattern(0x12345, 9);
    auto loaded = load(make_bzimage({}), "", initrd);
    ASSERT_TRUE(loaded) << loaded.error().message();
    ASSERT_TRUE(loaded->initrd);
    auto const [address, size] = *loaded->initrd;
    EXPECT_EQ(size, initrd.size());
    EXPECT_EQ(address % 4096, 0U);
    EXPECT_LE(address + size, kRamSize);
    EXPECT_GT(address + size + 4096, kRamSize); // no page left above it
    EXPECT_GE(address, loaded->kernel_end);
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x218), address);
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x21c), size);
    EXPECT_EQ(peek<uint32_t>(*memory_, kZeroPage + 0x0c0), 0U); // ext_ramdisk_image
    EXPECT_EQ(peek<uint8_t>(*memory_, address + 0x1000), initrd[0x1000]);
    EXPECT_EQ(peek<uint8_t>(*memory_, address + size - 1), initrd.back());
}

TEST_F(BzImageTest, InitrdStaysBelowInitrdAddrMax) {
    BzImageSpec image;
    image.initrd_addr_max = 0x2ffffff; // 48 MiB - 1
    auto loaded = load(make_bzimage(image), "", pattern(0x5000, 1));
    ASSERT_TRUE(loaded) << loaded.error().message();
    ASSERT_TRUE(loaded->initrd);
    EXPECT_EQ(loaded->initrd->first, 0x3000000U - 0x5000);
}

TEST_F(BzImageTest, NonRelocatableKernelLoadsAtOneMegabyte) {
    BzImageSpec image;
    image.relocatable = 0;
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->bsp.rip, 0x100200U);
    EXPECT_EQ(peek<uint8_t>(*memory_, 0x100000), pattern(1, 0x42)[0]);
    // It moves itself to pref_address and needs init_size bytes there.
    EXPECT_EQ(loaded->kernel_end, image.pref_address + image.init_size);
}

TEST_F(BzImageTest, SetupSectsZeroMeansFour) {
    BzImageSpec image;
    image.setup_sects = 0;
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_TRUE(loaded) << loaded.error().message();
    Bytes const payload = pattern(image.payload_size, 0x42);
    EXPECT_EQ(peek<uint8_t>(*memory_, image.pref_address + 1), payload[1]);
    EXPECT_EQ(peek<uint8_t>(*memory_, image.pref_address + 0x2fff), payload[0x2fff]);
}

TEST_F(BzImageTest, RejectsProtocolWithout64BitEntry) {
    BzImageSpec image;
    image.version = 0x020b;
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_FALSE(loaded);
    EXPECT_NE(
        loaded.error().message().find("kernel too old: boot protocol 2.11 lacks 64-bit entry"),
        std::string::npos)
        << loaded.error().message();

    image.version = 0x020f;
    image.xloadflags = 0;
    loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("XLF_KERNEL_64"), std::string::npos);
}

TEST_F(BzImageTest, RejectsZImage) {
    BzImageSpec image;
    image.loadflags = 0;
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("LOADED_HIGH"), std::string::npos);
}

TEST_F(BzImageTest, RejectsCommandLineLongerThanCmdlineSize) {
    BzImageSpec image;
    image.cmdline_size = 16;
    EXPECT_TRUE(load(make_bzimage(image), std::string(16, 'x')));
    auto loaded = load(make_bzimage(image), std::string(17, 'x'));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("17 bytes long"), std::string::npos);
}

TEST_F(BzImageTest, RejectsTruncatedPayload) {
    BzImageSpec image;
    image.syssize = 0x400; // promises 16 KiB, the file holds 12 KiB
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("truncated"), std::string::npos);
}

TEST_F(BzImageTest, RejectsHeaderCutOff) {
    Bytes image = make_bzimage({});
    image.resize(0x240);
    auto loaded = load(image);
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("beyond the end of the file"), std::string::npos)
        << loaded.error().message();
}

TEST_F(BzImageTest, RejectsKernelWhoseWorkingMemoryExceedsRam) {
    BzImageSpec image;
    image.init_size = 0x4000000; // 64 MiB from 16 MiB: past the end of a 64 MiB guest
    auto loaded = load(make_bzimage(image), "console=ttyS0");
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("is not in guest RAM"), std::string::npos)
        << loaded.error().message();
}

TEST_F(BzImageTest, RejectsPreferredAddressBeyondAnyRam) {
    BzImageSpec image;
    image.pref_address = 1ULL << 62; // aligning this up must not wrap around to low memory
    auto loaded = load(make_bzimage(image));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("beyond any guest RAM"), std::string::npos)
        << loaded.error().message();
}

TEST_F(BzImageTest, RejectsInitrdThatDoesNotFitAndNamesSizes) {
    auto loaded = load(make_bzimage({}), "", pattern(41 * MiB, 3));
    ASSERT_FALSE(loaded);
    auto const& message = loaded.error().message();
    EXPECT_NE(message.find("initrd " + initrd_path() + ": too large"), std::string::npos)
        << message;
    EXPECT_NE(message.find(std::to_string(41 * MiB)), std::string::npos) << message;
}

} // namespace
} // namespace vireo::boot
