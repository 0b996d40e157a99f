#include "boot/pvh.h"

#include <cstring>

#include "base/trace.h"
#include "boot/elf.h"
#include "boot/entry_state.h"
#include "boot/guest_layout.h"
#include "boot/image_file.h"
#include "memory/guest_memory.h"

namespace vireo::boot {

using namespace pvh;

namespace {

constexpr uint64_t k4GiB = 1ULL << 32;

struct StartInfoInputs {
    uint64_t cmdline_address;
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    uint64_t rsdp_address;
};

Result<uint64_t> write_start_info(GuestMemory& memory, std::span<E820Entry const> map,
                                  StartInfoInputs const& in) {
    BootInfoArea area(pc::kPvhStartInfoAddress, kBootInfoAreaSize);
    uint64_t const address = TRY(area.allocate(sizeof(StartInfo), 8, "PVH start info"));
    StartInfo info{};
    info.magic = kStartInfoMagic;
    info.version = kStartInfoVersion;
    info.cmdline_paddr = in.cmdline_address;
    info.rsdp_paddr = in.rsdp_address; // start_info.h: "A 0 value ... means not present"
    if (in.initrd) {
        info.modlist_paddr = TRY(area.allocate(sizeof(ModlistEntry), 8, "PVH module list"));
        info.nr_modules = 1;
        ModlistEntry const module{in.initrd->first, in.initrd->second, 0, 0};
        TRY(memory.write_object(info.modlist_paddr, module));
    }
    info.memmap_paddr = TRY(area.allocate(map.size() * sizeof(MemmapEntry), 8, "PVH memory map"));
    info.memmap_entries = static_cast<uint32_t>(map.size());
    for (size_t i = 0; i < map.size(); ++i) {
        MemmapEntry const entry{map[i].address, map[i].size, map[i].type, 0};
        TRY(memory.write_object(info.memmap_paddr + i * sizeof(MemmapEntry), entry));
    }
    TRY(memory.write_object(address, info));
    return address;
}

} // namespace

Result<std::optional<uint64_t>> find_pvh_entry(ImageFile const& file, ElfImage const& elf) {
    auto const desc = TRY(elf.find_note(file, kNoteName, kNotePhys32Entry));
    if (!desc)
        return std::nullopt;
    // Linux writes the entry with _ASM_PTR: 4 bytes in a 32-bit image, 8 in a 64-bit one.
    uint64_t entry = 0;
    if (desc->size() != 4 && desc->size() != 8)
        return make_error("PVH entry note has a {}-byte descriptor (expected 4 or 8)",
                          desc->size());
    std::memcpy(&entry, desc->data(), desc->size());
    if (entry >= k4GiB) // pvh.pandoc: the entry runs in 32-bit protected mode
        return make_error("PVH entry point {:#x} is above 4 GiB", entry);
    return entry;
}

Result<LoadedKernel> load_pvh(GuestMemory& memory, ImageFile const& file, ElfImage const& elf,
                              uint64_t entry, BootSpec const& spec) {
    auto const map = build_e820(memory);
    uint64_t const kernel_end = TRY(elf.load_segments(memory, file, map));
    if (!elf.contains_physical(entry))
        return make_error("PVH entry point {:#x} lies outside the loaded segments", entry);
    VIREO_TRACE(Boot, "PVH ELF: entry {:#x}, image ends at {:#x}", entry, kernel_end);

    uint64_t const cmdline = TRY(write_cmdline(memory, spec.cmdline, pc::kCmdlineMaxSize - 1));
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    if (spec.initrd_path)
        initrd = TRY(load_initrd(memory, *spec.initrd_path, kernel_end, low_ram_end(map)));
    uint64_t const start_info =
        TRY(write_start_info(memory, map, {cmdline, initrd, spec.acpi_rsdp_address}));

    LoadedKernel loaded{KernelFormat::PvhElf, {}, kernel_end, initrd};
    loaded.bsp = TRY(prepare_entry_state(memory, EntryMode::ProtectedMode32, entry));
    // pvh.pandoc: "ebx: contains the physical memory address where the loader has placed the
    // boot start info structure."
    loaded.bsp.reg(x86::Gpr::Rbx) = start_info;
    return loaded;
}

} // namespace vireo::boot
