// Debian's own kernel, if the guest image builder has put it in the default guest cache.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "test_images.h"

namespace vireo::boot {
namespace {

using namespace test;

constexpr uint64_t kZeroPage = 0x7000;

bool exists(std::string const& path) {
    struct stat info {};
    return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::unique_ptr<GuestMemory> guest_memory() {
    auto memory = GuestMemory::create(512 * MiB);
    EXPECT_TRUE(memory) << memory.error().message();
    return memory ? std::move(*memory) : nullptr;
}

TEST(RealKernel, DebianBzImageLoadsThrough64BitProtocol) {
    std::string const path = default_guest_file("vmlinuz");
    if (!exists(path))
        GTEST_SKIP() << path << " is absent (the guest image builder produces it)";
    auto memory = guest_memory();
    ASSERT_TRUE(memory);
    auto loaded = load_kernel(*memory, {path, {}, "console=ttyS0", 0});
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::BzImage);
    EXPECT_EQ(peek<uint32_t>(*memory, kZeroPage + 0x202), 0x53726448U);
    EXPECT_GE(peek<uint16_t>(*memory, kZeroPage + 0x206), 0x020c); // protocol 2.12+
    EXPECT_NE(peek<uint16_t>(*memory, kZeroPage + 0x236) & 1, 0);  // XLF_KERNEL_64
    EXPECT_NE(peek<uint8_t>(*memory, kZeroPage + 0x234), 0);       // relocatable
    uint32_t const load_address = peek<uint32_t>(*memory, kZeroPage + 0x214);
    uint32_t const alignment = peek<uint32_t>(*memory, kZeroPage + 0x230);
    ASSERT_NE(alignment, 0U);
    EXPECT_EQ(load_address % alignment, 0U);
    EXPECT_EQ(loaded->bsp.rip, load_address + 0x200U);
    EXPECT_EQ(loaded->kernel_end, load_address + peek<uint32_t>(*memory, kZeroPage + 0x260));
    EXPECT_EQ(peek_string(*memory, peek<uint32_t>(*memory, kZeroPage + 0x228)), "console=ttyS0");
}

TEST(RealKernel, DebianVmlinuxLoadsThroughPvh) {
    std::string const path = default_guest_file("vmlinux");
    if (!exists(path))
        GTEST_SKIP() << path << " is absent (the guest image builder produces it)";
    auto memory = guest_memory();
    ASSERT_TRUE(memory);
    auto loaded = load_kernel(*memory, {path, {}, "console=ttyS0", 0});
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::PvhElf);
    EXPECT_LT(loaded->bsp.rip, loaded->kernel_end);
    EXPECT_GE(loaded->bsp.rip, MiB);
    EXPECT_EQ(peek<uint32_t>(*memory, loaded->bsp.reg(x86::Gpr::Rbx)), 0x336ec578U);
}

} // namespace
} // namespace vireo::boot
