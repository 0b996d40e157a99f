// Multiboot v1 (Multiboot Specification version 0.6.96), for small purpose-built test kernels:
// a header in the image's first 8 KiB, an ELF32 image or explicit load addresses, and a
// multiboot_info structure handed over in EBX.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/result.h"
#include "boot/loader.h"

namespace vireo::boot {

class ElfImage;
class ImageFile;

namespace multiboot {

// 3.1.1: "The Multiboot header must be contained completely within the first 8192 bytes of
// the OS image, and must be longword (32-bit) aligned."
inline constexpr uint32_t kHeaderMagic = 0x1badb002;
inline constexpr uint64_t kHeaderSearchLimit = 8192;
inline constexpr uint64_t kHeaderAlignment = 4;

// 3.1.2, header flags. Bits 0-15 are requirements a loader must refuse to ignore.
inline constexpr uint32_t kHeaderPageAlignModules = 1U << 0;
inline constexpr uint32_t kHeaderMemoryInfo = 1U << 1;
inline constexpr uint32_t kHeaderVideoMode = 1U << 2;
inline constexpr uint32_t kHeaderRequirementMask = 0xffff;
inline constexpr uint32_t kHeaderAddressFields = 1U << 16; // the "a.out kludge"

// 3.2: EAX at entry.
inline constexpr uint32_t kBootloaderMagic = 0x2badb002;

// 3.3, multiboot_info flags.
inline constexpr uint32_t kInfoMemory = 1U << 0;
inline constexpr uint32_t kInfoCmdline = 1U << 2;
inline constexpr uint32_t kInfoModules = 1U << 3;
inline constexpr uint32_t kInfoMemoryMap = 1U << 6;
inline constexpr uint32_t kInfoBootLoaderName = 1U << 9;

#pragma pack(push, 1)

// 3.1.1, "The layout of Multiboot header" (the video fields at 32-44 are not used).
struct alignas(4) Header {
    uint32_t magic;
    uint32_t flags;
    uint32_t checksum;
    uint32_t header_addr; // fields 12-28 are valid if flags bit 16 is set
    uint32_t load_addr;
    uint32_t load_end_addr;
    uint32_t bss_end_addr;
    uint32_t entry_addr;
};
static_assert(offsetof(Header, header_addr) == 12 && offsetof(Header, entry_addr) == 28);

// 3.3, "Boot information format".
struct Info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
    uint32_t apm_table;
    uint32_t vbe_control_info;
    uint32_t vbe_mode_info;
    uint16_t vbe_mode;
    uint16_t vbe_interface_seg;
    uint16_t vbe_interface_off;
    uint16_t vbe_interface_len;
    uint64_t framebuffer_addr;
    uint32_t framebuffer_pitch;
    uint32_t framebuffer_width;
    uint32_t framebuffer_height;
    uint8_t framebuffer_bpp;
    uint8_t framebuffer_type;
    uint8_t color_info[6];
};
static_assert(offsetof(Info, cmdline) == 16);
static_assert(offsetof(Info, mods_count) == 20 && offsetof(Info, mods_addr) == 24);
static_assert(offsetof(Info, mmap_length) == 44 && offsetof(Info, mmap_addr) == 48);
static_assert(offsetof(Info, boot_loader_name) == 64);
static_assert(offsetof(Info, framebuffer_addr) == 88);
static_assert(sizeof(Info) == 116);

// 3.3, modules: "mod_start ... mod_end ... string ... reserved".
struct Module {
    uint32_t mod_start;
    uint32_t mod_end; // one past the last byte, as GRUB reports it
    uint32_t string;
    uint32_t reserved;
};
static_assert(sizeof(Module) == 16);

// 3.3, memory map: `size` counts the bytes after itself, so the kernel can step over entries.
struct MmapEntry {
    uint32_t size;
    uint64_t base_addr;
    uint64_t length;
    uint32_t type;
};
static_assert(sizeof(MmapEntry) == 24);
inline constexpr uint32_t kMmapEntrySize = sizeof(MmapEntry) - sizeof(uint32_t);

#pragma pack(pop)

} // namespace multiboot

struct MultibootHeader {
    uint64_t file_offset;
    multiboot::Header fields;
};

// The first valid header (magic and checksum) in the first 8 KiB, or nullopt.
Result<std::optional<MultibootHeader>> find_multiboot_header(ImageFile const& file);

// `elf` is the parsed image if the file is an ELF, else nullptr (then the header's address
// fields must say where the image goes).
Result<LoadedKernel> load_multiboot(GuestMemory& memory, ImageFile const& file, ElfImage const* elf,
                                    MultibootHeader const& header, BootSpec const& spec);

} // namespace vireo::boot
