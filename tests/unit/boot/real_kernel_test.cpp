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

class RealKernel : public ::testing::Test {
protected:
    // Loads the cached kernel `name` into a fresh 512 MiB guest; skips the test if the
    // file is absent.
    void load(std::string_view name) {
        std::string const path = default_guest_file(name);
        if (!exists(path))
            GTEST_SKIP() << path << " is absent (the guest image builder produces it)";
        auto memory = GuestMemory::create(512 * MiB);
        ASSERT_TRUE(memory) << memory.error().message();
        memory_ = std::move(*memory);
        BootSpec spec{path, {}, "console=ttyS0", 0};
        if (std::string const initrd = default_guest_file("initramfs.cpio.gz"); exists(initrd))
            spec.initrd_path = initrd;
        auto loaded = load_kernel(*memory_, spec);
        ASSERT_TRUE(loaded) << loaded.error().message();
        loaded_ = std::move(*loaded);
    }

    bool loaded() const { return loaded_.has_value(); }

    std::unique_ptr<GuestMemory> memory_;
    std::optional<LoadedKernel> loaded_;
};

TEST_F(RealKernel, DebianBzImageLoadsThrough64BitProtocol) {
    load("vmlinuz");
    if (!loaded())
        return;
    auto& memory = *memory_;
    EXPECT_EQ(loaded_->format, KernelFormat::BzImage);
    EXPECT_EQ(peek<uint32_t>(memory, kZeroPage + 0x202), 0x53726448U);
    EXPECT_GE(peek<uint16_t>(memory, kZeroPage + 0x206), 0x020c); // protocol 2.12+
    EXPECT_NE(peek<uint16_t>(memory, kZeroPage + 0x236) & 1, 0);  // XLF_KERNEL_64
    EXPECT_NE(peek<uint8_t>(memory, kZeroPage + 0x234), 0);       // relocatable
    uint32_t const load_address = peek<uint32_t>(memory, kZeroPage + 0x214);
    uint32_t const alignment = peek<uint32_t>(memory, kZeroPage + 0x230);
    ASSERT_NE(alignment, 0U);
    EXPECT_EQ(load_address % alignment, 0U);
    EXPECT_EQ(loaded_->bsp.rip, load_address + 0x200U);
    EXPECT_EQ(loaded_->kernel_end, load_address + peek<uint32_t>(memory, kZeroPage + 0x260));
    EXPECT_EQ(peek_string(memory, peek<uint32_t>(memory, kZeroPage + 0x228)), "console=ttyS0");
    if (loaded_->initrd) {
        EXPECT_EQ(peek<uint32_t>(memory, kZeroPage + 0x218), loaded_->initrd->first);
        EXPECT_EQ(peek<uint32_t>(memory, kZeroPage + 0x21c), loaded_->initrd->second);
        EXPECT_GE(loaded_->initrd->first, loaded_->kernel_end);
        // gzip magic (RFC 1952 2.3.1) at the start of the initramfs in guest RAM.
        EXPECT_EQ(peek<uint16_t>(memory, loaded_->initrd->first), 0x8b1f);
    }
}

TEST_F(RealKernel, DebianVmlinuxLoadsThroughPvh) {
    load("vmlinux");
    if (!loaded())
        return;
    EXPECT_EQ(loaded_->format, KernelFormat::PvhElf);
    EXPECT_LT(loaded_->bsp.rip, loaded_->kernel_end);
    EXPECT_GE(loaded_->bsp.rip, MiB);
    EXPECT_EQ(peek<uint32_t>(*memory_, loaded_->bsp.reg(x86::Gpr::Rbx)), 0x336ec578U);
}

} // namespace
} // namespace vireo::boot
