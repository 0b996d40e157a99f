// Synthetic kernel images for the loader tests, built byte by byte from the documents' layouts
// (not from vireo's structs, so a wrong offset in vireo shows up as a failing test).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "boot/loader.h"
#include "memory/guest_memory.h"

namespace vireo::boot::test {

using Bytes = std::vector<uint8_t>;

// A scratch directory, removed with its files when the object goes away.
class TempFiles {
public:
    TempFiles();
    ~TempFiles();
    TempFiles(TempFiles const&) = delete;
    TempFiles& operator=(TempFiles const&) = delete;

    std::string write(std::string const& name, Bytes const& bytes);
    std::string const& directory() const { return directory_; }

private:
    std::string directory_;
    std::vector<std::string> files_;
};

// Little-endian stores that grow the buffer as needed.
void put8(Bytes& bytes, size_t offset, uint8_t value);
void put16(Bytes& bytes, size_t offset, uint16_t value);
void put32(Bytes& bytes, size_t offset, uint32_t value);
void put64(Bytes& bytes, size_t offset, uint64_t value);
void put_bytes(Bytes& bytes, size_t offset, Bytes const& data);

// A recognisable byte pattern, so a test can tell which bytes landed where.
Bytes pattern(size_t size, uint8_t seed);

// A bzImage: real-mode setup sectors with the setup header, then a fake protected-mode payload.
struct BzImageSpec {
    uint16_t version = 0x020f;
    uint8_t setup_sects = 4;
    uint8_t loadflags = 0x01;   // LOADED_HIGH
    uint16_t xloadflags = 0x01; // XLF_KERNEL_64
    uint8_t relocatable = 1;
    uint32_t kernel_alignment = 0x200000;
    uint64_t pref_address = 0x1000000;
    uint32_t init_size = 0x800000;
    uint32_t cmdline_size = 2047;
    uint32_t initrd_addr_max = 0x7fffffff;
    size_t payload_size = 0x3000;
    std::optional<uint32_t> syssize; // default: the payload size in 16-byte units
};
Bytes make_bzimage(BzImageSpec const& spec);
// Where the payload starts in the file.
size_t bzimage_payload_offset(BzImageSpec const& spec);

struct ElfSegmentSpec {
    uint32_t type = 1; // PT_LOAD
    uint64_t paddr = 0;
    uint64_t vaddr = 0;
    Bytes data;
    uint64_t memsz = 0; // 0: the data's size
    uint64_t align = 4;
};

struct ElfSpec {
    bool is_64bit = true;
    uint64_t entry = 0;
    std::vector<ElfSegmentSpec> segments;
};
// ELF header, then the program headers, then each segment's data at a 16-byte aligned offset.
Bytes make_elf(ElfSpec const& spec);
// File offset of segment `index`'s data in make_elf's layout.
size_t elf_segment_offset(ElfSpec const& spec, size_t index);

// One ELF note: namesz, descsz, type, name and descriptor padded to 4 bytes.
Bytes make_note(std::string_view name, uint32_t type, Bytes const& desc);

// A multiboot v1 header with a correct checksum; address fields appended if given.
struct MultibootAddresses {
    uint32_t header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};
Bytes make_multiboot_header(uint32_t flags, std::optional<MultibootAddresses> addresses = {});

// What the guest reads at `address`; a read outside RAM fails the test.
template <typename T>
T peek(GuestMemory const& memory, uint64_t address) {
    auto const value = memory.read_object<T>(address);
    EXPECT_TRUE(value) << value.error().message();
    return value ? *value : T{};
}
std::string peek_string(GuestMemory const& memory, uint64_t address);

// A 64 MiB guest and a scratch directory; load() writes the images to files and boots them.
class LoaderTest : public ::testing::Test {
protected:
    static constexpr uint64_t kRamSize = 64ULL << 20;

    void SetUp() override;
    Result<LoadedKernel> load(Bytes const& kernel, std::string cmdline = "",
                              std::optional<Bytes> initrd = {}, uint64_t rsdp = 0);
    std::string initrd_path() const { return files_.directory() + "/initrd"; }

    TempFiles files_;
    std::unique_ptr<GuestMemory> memory_;
};

// Where the test suite finds Debian's kernel, produced by the guest image builder.
std::string default_guest_file(std::string_view name);

} // namespace vireo::boot::test
