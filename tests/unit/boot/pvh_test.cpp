// PVH boot of an ELF with a XEN_ELFNOTE_PHYS32_ENTRY note. hvm_start_info offsets from Xen's
// xen/include/public/arch-x86/hvm/start_info.h.
#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "test_images.h"
#include "x86/registers.h"

namespace vireo::boot {
namespace {

using namespace test;

constexpr uint64_t kStartInfo = 0x6000;
constexpr uint32_t kPhys32EntryNote = 18;
constexpr uint64_t kKernelAddress = 0x200000;
constexpr uint64_t kEntry = kKernelAddress + 0x40;

Bytes le_bytes(uint64_t value, size_t size) {
    Bytes bytes;
    for (size_t i = 0; i < size; ++i)
        bytes.push_back(static_cast<uint8_t>(value >> (8 * i)));
    return bytes;
}

ElfSpec pvh_elf(bool is_64bit) {
    ElfSpec spec;
    spec.is_64bit = is_64bit;
    spec.entry = 0xffffffff81000000; // the virtual entry, which PVH ignores
    ElfSegmentSpec text{.paddr = kKernelAddress,
                        .vaddr = 0xffffffff81000000,
                        .data = pattern(0x2000, 5),
                        .memsz = 0x5000};
    ElfSegmentSpec note{.type = 4, .data = make_note("GNU", 3, Bytes(20, 0xab))};
    Bytes const xen = make_note("Xen", kPhys32EntryNote, le_bytes(kEntry, is_64bit ? 8 : 4));
    note.data.insert(note.data.end(), xen.begin(), xen.end());
    spec.segments = {text, note};
    return spec;
}

using PvhTest = LoaderTest;

TEST_F(PvhTest, LoadsSegmentsAtPhysicalAddressesAndZeroesBss) {
    // Dirty the bss first: the loader must clear it, not rely on fresh RAM.
    ASSERT_TRUE(memory_->write(kKernelAddress + 0x3000, Bytes(16, 0xff)));
    auto loaded = load(make_elf(pvh_elf(true)));
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->format, KernelFormat::PvhElf);
    Bytes const text = pattern(0x2000, 5);
    EXPECT_EQ(peek<uint8_t>(*memory_, kKernelAddress + 0x123), text[0x123]);
    EXPECT_EQ(peek<uint8_t>(*memory_, kKernelAddress + 0x1fff), text[0x1fff]);
    EXPECT_EQ(peek<uint64_t>(*memory_, kKernelAddress + 0x3000), 0U);
    EXPECT_EQ(loaded->kernel_end, kKernelAddress + 0x5000);
}

TEST_F(PvhTest, EntersFlatProtectedModeWithStartInfoInEbx) {
    auto loaded = load(make_elf(pvh_elf(true)));
    ASSERT_TRUE(loaded) << loaded.error().message();
    auto const& cpu = loaded->bsp;
    EXPECT_EQ(cpu.rip, kEntry);
    EXPECT_EQ(cpu.reg(x86::Gpr::Rbx), kStartInfo);
    // pvh.pandoc: CR0.PE set, paging off, CR4 clear, 32-bit flat CS/DS/ES/SS, TR a busy TSS
    // with base 0 and limit 0x67, IF clear.
    EXPECT_EQ(cpu.cr0 & x86::kCr0Pe, x86::kCr0Pe);
    EXPECT_EQ(cpu.cr0 & x86::kCr0Pg, 0U);
    EXPECT_EQ(cpu.cr4, 0U);
    EXPECT_EQ(cpu.efer, 0U);
    EXPECT_TRUE(cpu.cs.db);
    EXPECT_FALSE(cpu.cs.long_mode);
    EXPECT_EQ(cpu.cs.limit, 0xffffffffU);
    EXPECT_EQ(cpu.cs.type & 0x8, 0x8); // code
    for (auto const* segment : {&cpu.ds, &cpu.es, &cpu.ss}) {
        EXPECT_EQ(segment->limit, 0xffffffffU);
        EXPECT_TRUE(segment->db);
        EXPECT_EQ(segment->type & 0xa, 0x2); // writable data
    }
    EXPECT_EQ(cpu.tr.type, 0xb);
    EXPECT_EQ(cpu.tr.limit, 0x67U);
    EXPECT_EQ(cpu.rflags & x86::kFlagIf, 0U);
}

TEST_F(PvhTest, WritesStartInfoWithModuleCmdlineRsdpAndMemmap) {
    Bytes const initrd = pattern(0x3456, 7);
    auto loaded = load(make_elf(pvh_elf(true)), "root=/dev/vda", initrd, 0xe0000);
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(peek<uint32_t>(*memory_, kStartInfo + 0), 0x336ec578U);
    EXPECT_EQ(peek<uint32_t>(*memory_, kStartInfo + 4), 1U);
    EXPECT_EQ(peek<uint32_t>(*memory_, kStartInfo + 12), 1U); // nr_modules
    EXPECT_EQ(peek_string(*memory_, peek<uint64_t>(*memory_, kStartInfo + 24)), "root=/dev/vda");
    EXPECT_EQ(peek<uint64_t>(*memory_, kStartInfo + 32), 0xe0000U);

    uint64_t const module = peek<uint64_t>(*memory_, kStartInfo + 16);
    ASSERT_TRUE(loaded->initrd);
    EXPECT_EQ(peek<uint64_t>(*memory_, module), loaded->initrd->first);
    EXPECT_EQ(peek<uint64_t>(*memory_, module + 8), initrd.size());
    EXPECT_EQ(loaded->initrd->first % 4096, 0U);
    EXPECT_EQ(peek<uint8_t>(*memory_, loaded->initrd->first + 0x3455), initrd.back());

    auto const map = build_e820(*memory_);
    uint64_t const memmap = peek<uint64_t>(*memory_, kStartInfo + 40);
    ASSERT_EQ(peek<uint32_t>(*memory_, kStartInfo + 48), map.size());
    for (size_t i = 0; i < map.size(); ++i) {
        EXPECT_EQ(peek<uint64_t>(*memory_, memmap + i * 24), map[i].address);
        EXPECT_EQ(peek<uint64_t>(*memory_, memmap + i * 24 + 8), map[i].size);
        EXPECT_EQ(peek<uint32_t>(*memory_, memmap + i * 24 + 16), map[i].type);
    }
}

TEST_F(PvhTest, Elf32WithFourByteNoteWorks) {
    auto loaded = load(make_elf(pvh_elf(false)));
    ASSERT_TRUE(loaded) << loaded.error().message();
    EXPECT_EQ(loaded->bsp.rip, kEntry);
    EXPECT_EQ(peek<uint32_t>(*memory_, kStartInfo + 12), 0U); // no initrd, no module
}

TEST_F(PvhTest, RejectsEntryOutsideTheImage) {
    ElfSpec elf = pvh_elf(true);
    elf.segments[1].data = make_note("Xen", kPhys32EntryNote, le_bytes(0x900000, 8));
    auto loaded = load(make_elf(elf));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("outside the loaded segments"), std::string::npos);
}

TEST_F(PvhTest, RejectsNoteRunningPastItsSegment) {
    ElfSpec elf = pvh_elf(true);
    Bytes note = make_note("Xen", kPhys32EntryNote, le_bytes(kEntry, 8));
    put32(note, 4, 0x100); // descsz far beyond the segment
    elf.segments[1].data = note;
    auto loaded = load(make_elf(elf));
    ASSERT_FALSE(loaded);
    EXPECT_NE(loaded.error().message().find("runs past the end"), std::string::npos);
}

} // namespace
} // namespace vireo::boot
