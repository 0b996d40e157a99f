// PVH direct boot of an ELF kernel (Linux's vmlinux with CONFIG_PVH): the kernel names a 32-bit
// entry point in a Xen ELF note and reads everything else from an hvm_start_info structure.
// Layouts from Xen's xen/include/public/arch-x86/hvm/start_info.h, register state from Xen's
// docs/misc/pvh.pandoc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "base/result.h"
#include "boot/loader.h"

namespace vireo::boot {

class ElfImage;
class ImageFile;

namespace pvh {

// xen/include/public/elfnote.h: XEN_ELFNOTE_PHYS32_ENTRY, in a note named "Xen".
inline constexpr uint32_t kNotePhys32Entry = 18;
inline constexpr char const* kNoteName = "Xen";
// start_info.h: XEN_HVM_START_MAGIC_VALUE ("xEn3" with the 0x80 bit of the "E" set).
inline constexpr uint32_t kStartInfoMagic = 0x336ec578;
// Version 1 adds the memory map, which is how the kernel learns about RAM.
inline constexpr uint32_t kStartInfoVersion = 1;

#pragma pack(push, 1)

struct StartInfo {
    uint32_t magic;
    uint32_t version;
    uint32_t flags;
    uint32_t nr_modules;
    uint64_t modlist_paddr;
    uint64_t cmdline_paddr;
    uint64_t rsdp_paddr;
    uint64_t memmap_paddr; // version 1 and newer
    uint32_t memmap_entries;
    uint32_t reserved;
};
// start_info.h, the offsets in its layout diagram.
static_assert(offsetof(StartInfo, nr_modules) == 12);
static_assert(offsetof(StartInfo, modlist_paddr) == 16);
static_assert(offsetof(StartInfo, cmdline_paddr) == 24);
static_assert(offsetof(StartInfo, rsdp_paddr) == 32);
static_assert(offsetof(StartInfo, memmap_paddr) == 40);
static_assert(offsetof(StartInfo, memmap_entries) == 48);
static_assert(sizeof(StartInfo) == 56);

struct ModlistEntry {
    uint64_t paddr;
    uint64_t size;
    uint64_t cmdline_paddr;
    uint64_t reserved;
};
static_assert(sizeof(ModlistEntry) == 32);

struct MemmapEntry {
    uint64_t addr;
    uint64_t size;
    uint32_t type; // XEN_HVM_MEMMAP_TYPE_*, numbered like the e820 types
    uint32_t reserved;
};
static_assert(sizeof(MemmapEntry) == 24);

#pragma pack(pop)

} // namespace pvh

// The PVH entry point if the ELF carries the note, else nullopt.
Result<std::optional<uint64_t>> find_pvh_entry(ImageFile const& file, ElfImage const& elf);

Result<LoadedKernel> load_pvh(GuestMemory& memory, ImageFile const& file, ElfImage const& elf,
                              uint64_t entry, BootSpec const& spec);

} // namespace vireo::boot
