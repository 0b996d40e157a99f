// Bad kernels and bad files: each is a one-line error that names the problem, never a crash
// and never a write outside guest RAM.
#include <gtest/gtest.h>

#include "base/units.h"
#include "boot/loader.h"
#include "test_images.h"

namespace vireo::boot {
namespace {

using namespace test;

// The note comes first in the file, so cutting the file short cuts the loadable segment.
ElfSpec pvh_elf_at(uint64_t paddr, Bytes data, uint64_t memsz = 0) {
    Bytes entry(8, 0);
    put64(entry, 0, paddr);
    return {
        .is_64bit = true,
        .entry = paddr,
        .segments = {{.type = 4, .data = make_note("Xen", 18, entry)},
                     {.paddr = paddr, .vaddr = paddr, .data = std::move(data), .memsz = memsz}}};
}

class LoaderErrorTest : public LoaderTest {
protected:
    // Loads `kernel` and returns the error message ("" if it loaded).
    std::string error_for(Bytes const& kernel) {
        return error_for_path(files_.write("kernel", kernel));
    }

    std::string error_for_path(std::string const& path) {
        auto loaded = load_kernel(*memory_, {path, {}, "", 0});
        if (loaded)
            return "";
        std::string const message = loaded.error().message();
        EXPECT_EQ(message.find('\n'), std::string::npos) << "not one line: " << message;
        EXPECT_EQ(message.rfind("loading kernel " + path, 0), 0U) << message;
        return message;
    }
};

#define EXPECT_ERROR_MENTIONS(message, text)                                                       \
    EXPECT_NE((message).find(text), std::string::npos) << "error: \"" << (message) << "\""

TEST_F(LoaderErrorTest, MissingFile) {
    EXPECT_ERROR_MENTIONS(error_for_path(files_.directory() + "/absent"), "No such file");
}

TEST_F(LoaderErrorTest, DirectoryInsteadOfFile) {
    EXPECT_ERROR_MENTIONS(error_for_path(files_.directory()), "not a regular file");
}

TEST_F(LoaderErrorTest, EmptyFile) {
    EXPECT_ERROR_MENTIONS(error_for({}), "is empty");
}

TEST_F(LoaderErrorTest, UnknownFormat) {
    EXPECT_ERROR_MENTIONS(error_for(pattern(10000, 1)), "unknown kernel format");
}

TEST_F(LoaderErrorTest, ElfHeaderCutOff) {
    Bytes elf = make_elf(pvh_elf_at(0x200000, pattern(64, 1)));
    elf.resize(40);
    EXPECT_ERROR_MENTIONS(error_for(elf), "ELF header");
}

TEST_F(LoaderErrorTest, ProgramHeadersBeyondEndOfFile) {
    Bytes elf = make_elf(pvh_elf_at(0x200000, pattern(64, 1)));
    elf.resize(64 + 56 + 10); // the second program header is cut off
    EXPECT_ERROR_MENTIONS(error_for(elf), "ELF program headers");
}

TEST_F(LoaderErrorTest, SegmentBeyondEndOfFile) {
    ElfSpec spec = pvh_elf_at(0x200000, pattern(0x1000, 1));
    Bytes elf = make_elf(spec);
    elf.resize(elf_segment_offset(spec, 1) + 0x800);
    EXPECT_ERROR_MENTIONS(error_for(elf), "ELF segment 1");
    EXPECT_ERROR_MENTIONS(error_for(elf), "beyond the end of the file");
}

TEST_F(LoaderErrorTest, SegmentOutsideGuestRam) {
    EXPECT_ERROR_MENTIONS(error_for(make_elf(pvh_elf_at(0x8000000, pattern(64, 1)))),
                          "not in guest RAM");
    // Past the end of the address space: the size must not wrap around.
    EXPECT_ERROR_MENTIONS(
        error_for(make_elf(pvh_elf_at(0x200000, pattern(64, 1), 0xfffffffffff00000))), "wraps");
}

TEST_F(LoaderErrorTest, SegmentOverBootStructures) {
    EXPECT_ERROR_MENTIONS(error_for(make_elf(pvh_elf_at(0x7000, pattern(64, 1)))),
                          "overlaps vireo's boot structures");
}

TEST_F(LoaderErrorTest, SegmentInBiosHole) {
    EXPECT_ERROR_MENTIONS(error_for(make_elf(pvh_elf_at(0xe0000, pattern(64, 1)))),
                          "not in guest RAM");
}

TEST_F(LoaderErrorTest, FileSizeLargerThanMemorySize) {
    EXPECT_ERROR_MENTIONS(error_for(make_elf(pvh_elf_at(0x200000, pattern(64, 1), 32))),
                          "exceeds memory size");
}

TEST_F(LoaderErrorTest, ElfWithoutPvhNoteOrMultibootHeader) {
    ElfSpec spec = pvh_elf_at(0x200000, pattern(64, 1));
    spec.segments.erase(spec.segments.begin());
    EXPECT_ERROR_MENTIONS(error_for(make_elf(spec)), "neither a PVH entry note");
}

TEST_F(LoaderErrorTest, NonX86Elf) {
    Bytes elf = make_elf(pvh_elf_at(0x200000, pattern(64, 1)));
    put16(elf, 0x12, 183); // EM_AARCH64
    EXPECT_ERROR_MENTIONS(error_for(elf), "not x86");
}

TEST_F(LoaderErrorTest, MissingInitrd) {
    std::string const kernel = files_.write("kernel", make_elf(pvh_elf_at(0x200000, {1, 2})));
    auto loaded = load_kernel(*memory_, {kernel, files_.directory() + "/no-initrd", "", 0});
    ASSERT_FALSE(loaded);
    EXPECT_ERROR_MENTIONS(loaded.error().message(), "no-initrd");
}

TEST_F(LoaderErrorTest, CommandLineWithNul) {
    std::string const kernel = files_.write("kernel", make_elf(pvh_elf_at(0x200000, {1, 2})));
    auto loaded = load_kernel(*memory_, {kernel, {}, std::string("a\0b", 3), 0});
    ASSERT_FALSE(loaded);
    EXPECT_ERROR_MENTIONS(loaded.error().message(), "NUL");
}

} // namespace
} // namespace vireo::boot
