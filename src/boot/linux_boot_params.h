// The Linux x86 boot protocol's structures as a boot loader sees them: the setup header a
// bzImage carries at offset 0x1f1, and the boot_params ("zero page") the loader hands the kernel.
// Layouts from Documentation/arch/x86/boot.rst ("The real-mode kernel header") and
// Documentation/arch/x86/zero-page.rst; each offset is checked below.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vireo::boot::linuxboot {

// boot.rst: "HdrS" at 0x202, boot_flag 0xAA55 at 0x1fe.
inline constexpr uint32_t kHeaderMagic = 0x53726448;
inline constexpr uint16_t kBootFlag = 0xaa55;
inline constexpr uint64_t kSetupHeaderOffset = 0x1f1;
inline constexpr uint64_t kHeaderMagicOffset = 0x202;
// boot.rst (64-bit boot protocol): the setup header ends at 0x202 + the byte at 0x201, the
// displacement of the jump instruction at 0x200.
inline constexpr uint64_t kJumpDisplacementOffset = 0x201;
inline constexpr uint64_t kSectorSize = 512;
// boot.rst (setup_sects): "If this field is 0, the real value is 4."
inline constexpr uint8_t kDefaultSetupSects = 4;

// Protocol versions (boot.rst "Details of header fields"), as major << 8 | minor.
inline constexpr uint16_t kProtocol2_12 = 0x020c; // xloadflags, XLF_KERNEL_64

// loadflags (boot.rst, offset 0x211).
inline constexpr uint8_t kLoadedHigh = 1 << 0;
inline constexpr uint8_t kCanUseHeap = 1 << 7;
// xloadflags (boot.rst, offset 0x236).
inline constexpr uint16_t kXlfKernel64 = 1 << 0;
// type_of_loader (boot.rst): 0xFF means "undefined" (no assigned boot loader ID).
inline constexpr uint8_t kLoaderTypeUndefined = 0xff;
// boot.rst (64-bit boot protocol): "the 64-bit entry point ... is at load address + 0x200".
inline constexpr uint64_t kEntry64Offset = 0x200;
// boot.rst (heap_end_ptr): the offset of the end of the setup heap from the start of the
// real-mode code, minus 0x200. vireo enters at 64 bits and runs no setup code; it reports the
// largest heap a real-mode segment can hold, as a 16-bit loader would.
inline constexpr uint16_t kHeapEndPtr = 0xfe00;

// arch/x86/include/uapi/asm/setup_data.h: E820_MAX_ENTRIES_ZEROPAGE.
inline constexpr size_t kMaxE820Entries = 128;

#pragma pack(push, 1)

struct SetupHeader {
    uint8_t setup_sects;
    uint16_t root_flags;
    uint32_t syssize;
    uint16_t ram_size;
    uint16_t vid_mode;
    uint16_t root_dev;
    uint16_t boot_flag;
    uint16_t jump;
    uint32_t header;
    uint16_t version;
    uint32_t realmode_swtch;
    uint16_t start_sys_seg;
    uint16_t kernel_version;
    uint8_t type_of_loader;
    uint8_t loadflags;
    uint16_t setup_move_size;
    uint32_t code32_start;
    uint32_t ramdisk_image;
    uint32_t ramdisk_size;
    uint32_t bootsect_kludge;
    uint16_t heap_end_ptr;
    uint8_t ext_loader_ver;
    uint8_t ext_loader_type;
    uint32_t cmd_line_ptr;
    uint32_t initrd_addr_max;
    uint32_t kernel_alignment;
    uint8_t relocatable_kernel;
    uint8_t min_alignment;
    uint16_t xloadflags;
    uint32_t cmdline_size;
    uint32_t hardware_subarch;
    uint64_t hardware_subarch_data;
    uint32_t payload_offset;
    uint32_t payload_length;
    uint64_t setup_data;
    uint64_t pref_address;
    uint32_t init_size;
    uint32_t handover_offset;
    uint32_t kernel_info_offset;
};

// boot.rst gives each field's offset in the image; the header itself starts at 0x1f1.
#define VIREO_HDR_AT(field, offset)                                                                \
    static_assert(offsetof(SetupHeader, field) + kSetupHeaderOffset == (offset))
VIREO_HDR_AT(setup_sects, 0x1f1);
VIREO_HDR_AT(syssize, 0x1f4);
VIREO_HDR_AT(boot_flag, 0x1fe);
VIREO_HDR_AT(header, 0x202);
VIREO_HDR_AT(version, 0x206);
VIREO_HDR_AT(type_of_loader, 0x210);
VIREO_HDR_AT(loadflags, 0x211);
VIREO_HDR_AT(code32_start, 0x214);
VIREO_HDR_AT(ramdisk_image, 0x218);
VIREO_HDR_AT(ramdisk_size, 0x21c);
VIREO_HDR_AT(heap_end_ptr, 0x224);
VIREO_HDR_AT(cmd_line_ptr, 0x228);
VIREO_HDR_AT(initrd_addr_max, 0x22c);
VIREO_HDR_AT(kernel_alignment, 0x230);
VIREO_HDR_AT(relocatable_kernel, 0x234);
VIREO_HDR_AT(xloadflags, 0x236);
VIREO_HDR_AT(cmdline_size, 0x238);
VIREO_HDR_AT(setup_data, 0x250);
VIREO_HDR_AT(pref_address, 0x258);
VIREO_HDR_AT(init_size, 0x260);
VIREO_HDR_AT(kernel_info_offset, 0x268);
#undef VIREO_HDR_AT
static_assert(sizeof(SetupHeader) == 0x26c - kSetupHeaderOffset);

struct E820TableEntry {
    uint64_t address;
    uint64_t size;
    uint32_t type;
};
static_assert(sizeof(E820TableEntry) == 20); // zero-page.rst: 0xa00 bytes for 128 entries

// boot_params: only the fields a boot loader fills are named; the rest is padding that stays 0.
// Aligned to 8 so that the setup header's fields, naturally aligned relative to the zero page,
// are aligned in memory too.
struct alignas(8) BootParams {
    uint8_t screen_info_to_rsdp[0x70];
    uint64_t acpi_rsdp_addr;
    uint8_t pad_78[0xc0 - 0x78];
    uint32_t ext_ramdisk_image;
    uint32_t ext_ramdisk_size;
    uint32_t ext_cmd_line_ptr;
    uint8_t pad_cc[0x1e8 - 0xcc];
    uint8_t e820_entries;
    uint8_t pad_1e9[0x1ef - 0x1e9];
    uint8_t sentinel; // boot.rst: a loader that copies the whole setup area overwrites this
    uint8_t pad_1f0;
    SetupHeader hdr;
    uint8_t pad_after_hdr[0x2d0 - 0x1f1 - sizeof(SetupHeader)];
    E820TableEntry e820_table[kMaxE820Entries];
    uint8_t pad_cd0[0x1000 - 0xcd0];
};

// zero-page.rst, "Offset/Size" column.
static_assert(offsetof(BootParams, acpi_rsdp_addr) == 0x070);
static_assert(offsetof(BootParams, ext_ramdisk_image) == 0x0c0);
static_assert(offsetof(BootParams, ext_ramdisk_size) == 0x0c4);
static_assert(offsetof(BootParams, ext_cmd_line_ptr) == 0x0c8);
static_assert(offsetof(BootParams, e820_entries) == 0x1e8);
static_assert(offsetof(BootParams, sentinel) == 0x1ef);
static_assert(offsetof(BootParams, hdr) == kSetupHeaderOffset);
static_assert(offsetof(BootParams, e820_table) == 0x2d0);
static_assert(sizeof(BootParams) == 0x1000);
static_assert(alignof(BootParams) == 8);

#pragma pack(pop)

} // namespace vireo::boot::linuxboot
