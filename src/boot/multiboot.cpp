#include "boot/multiboot.h"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "base/trace.h"
#include "base/units.h"
#include "boot/elf.h"
#include "boot/entry_state.h"
#include "boot/guest_layout.h"
#include "boot/image_file.h"
#include "memory/guest_memory.h"

namespace vireo::boot {

using namespace multiboot;

namespace {

constexpr std::string_view kBootLoaderName = "vireo";

// Where the image went: its entry point and the first byte above it.
struct LoadedImage {
    uint64_t entry;
    uint64_t end;
};

// 3.1.2: a loader that cannot satisfy a requirement bit "must notify the user and fail".
// Modules are always page-aligned and memory information is always given; video is not.
Result<void> check_requirements(uint32_t flags) {
    uint32_t const supported = kHeaderPageAlignModules | kHeaderMemoryInfo;
    uint32_t const unsupported = flags & kHeaderRequirementMask & ~supported;
    if ((unsupported & kHeaderVideoMode) != 0)
        return make_error("multiboot kernel requires a video mode (header flag 2), which vireo "
                          "cannot set");
    if (unsupported != 0)
        return make_error("multiboot kernel requires unknown features (header flags {:#x})",
                          unsupported);
    return {};
}

// 3.1.3: the address fields place the file's bytes from (header offset - (header_addr -
// load_addr)) at load_addr, up to load_end_addr (0: the end of the file), then zero up to
// bss_end_addr (0: no bss), and enter at entry_addr.
Result<LoadedImage> load_with_address_fields(GuestMemory& memory, ImageFile const& file,
                                             MultibootHeader const& header,
                                             std::span<E820Entry const> map) {
    Header const& h = header.fields;
    if (h.load_addr > h.header_addr)
        return make_error("multiboot load_addr {:#x} is above header_addr {:#x}", h.load_addr,
                          h.header_addr);
    uint64_t const lead = h.header_addr - h.load_addr;
    if (lead > header.file_offset)
        return make_error("multiboot header_addr - load_addr ({:#x}) reaches before the start "
                          "of the file",
                          lead);
    uint64_t const offset = header.file_offset - lead;
    uint64_t const load_end =
        h.load_end_addr != 0 ? h.load_end_addr : h.load_addr + (file.size() - offset);
    uint64_t const bss_end = h.bss_end_addr != 0 ? h.bss_end_addr : load_end;
    if (load_end <= h.load_addr || bss_end < load_end)
        return make_error("multiboot addresses are out of order (load {:#x}, load_end {:#x}, "
                          "bss_end {:#x})",
                          h.load_addr, load_end, bss_end);
    TRY(check_image_placement(map, h.load_addr, bss_end - h.load_addr, "multiboot image"));
    TRY(file.copy_to_guest(memory, h.load_addr, offset, load_end - h.load_addr, "multiboot image"));
    TRY(zero_guest(memory, load_end, bss_end - load_end));
    if (h.entry_addr < h.load_addr || h.entry_addr >= load_end)
        return make_error("multiboot entry_addr {:#x} lies outside the loaded image", h.entry_addr);
    return LoadedImage{h.entry_addr, bss_end};
}

Result<LoadedImage> load_elf(GuestMemory& memory, ImageFile const& file, ElfImage const* elf,
                             std::span<E820Entry const> map) {
    if (elf == nullptr)
        return make_error("multiboot kernel is not an ELF and its header has no address fields "
                          "(flag 16)");
    if (elf->is_64bit())
        return make_error("multiboot v1 loads 32-bit ELF kernels; this one is 64-bit");
    uint64_t const end = TRY(elf->load_segments(memory, file, map));
    // The ELF entry is a virtual address; like GRUB, translate it through its segment.
    auto const entry = elf->virtual_to_physical(elf->entry());
    if (!entry)
        return make_error("ELF entry point {:#x} lies outside the loaded segments", elf->entry());
    return LoadedImage{*entry, end};
}

Result<uint32_t> write_string(GuestMemory& memory, BootInfoArea& area, std::string_view text,
                              std::string_view what) {
    uint64_t const address = TRY(area.allocate(text.size() + 1, 1, what));
    auto const* bytes = reinterpret_cast<uint8_t const*>(text.data());
    TRY(memory.write(address, std::span(bytes, text.size())));
    TRY(memory.write_object<uint8_t>(address + text.size(), 0));
    return static_cast<uint32_t>(address);
}

Result<void> write_mmap(GuestMemory& memory, BootInfoArea& area, std::span<E820Entry const> map,
                        Info& info) {
    uint64_t const length = map.size() * sizeof(MmapEntry);
    uint64_t const address = TRY(area.allocate(length, 4, "multiboot memory map"));
    for (size_t i = 0; i < map.size(); ++i) {
        MmapEntry const entry{kMmapEntrySize, map[i].address, map[i].size, map[i].type};
        TRY(memory.write_object(address + i * sizeof(MmapEntry), entry));
    }
    info.flags |= kInfoMemoryMap;
    info.mmap_addr = static_cast<uint32_t>(address);
    info.mmap_length = static_cast<uint32_t>(length);
    return {};
}

Result<void> write_module(GuestMemory& memory, BootInfoArea& area, std::string const& path,
                          std::pair<uint64_t, uint64_t> initrd, Info& info) {
    // The module's string is its command line; a loader passes the file name there.
    uint32_t const string = TRY(write_string(memory, area, path, "multiboot module string"));
    uint64_t const address = TRY(area.allocate(sizeof(Module), 4, "multiboot module list"));
    Module const module{static_cast<uint32_t>(initrd.first),
                        static_cast<uint32_t>(initrd.first + initrd.second), string, 0};
    TRY(memory.write_object(address, module));
    info.flags |= kInfoModules;
    info.mods_count = 1;
    info.mods_addr = static_cast<uint32_t>(address);
    return {};
}

Result<uint64_t> write_info(GuestMemory& memory, std::span<E820Entry const> map, uint64_t cmdline,
                            BootSpec const& spec,
                            std::optional<std::pair<uint64_t, uint64_t>> initrd) {
    BootInfoArea area(pc::kMultibootInfoAddress, kBootInfoAreaSize);
    uint64_t const address = TRY(area.allocate(sizeof(Info), 4, "multiboot information"));
    Info info{};
    // 3.3: mem_lower counts KiB from 0 (at most 640), mem_upper KiB from 1 MiB to the first
    // hole above it.
    info.flags = kInfoMemory | kInfoCmdline | kInfoBootLoaderName;
    info.mem_lower = static_cast<uint32_t>(pc::kEbdaStart / KiB);
    info.mem_upper = static_cast<uint32_t>((low_ram_end(map) - pc::kBiosHoleEnd) / KiB);
    info.cmdline = static_cast<uint32_t>(cmdline);
    TRY(write_mmap(memory, area, map, info));
    if (initrd)
        TRY(write_module(memory, area, *spec.initrd_path, *initrd, info));
    info.boot_loader_name = TRY(write_string(memory, area, kBootLoaderName, "boot loader name"));
    TRY(memory.write_object(address, info));
    return address;
}

} // namespace

Result<std::optional<MultibootHeader>> find_multiboot_header(ImageFile const& file) {
    uint64_t const window = std::min(file.size(), kHeaderSearchLimit);
    auto const bytes = TRY(file.read_bytes(0, window, "multiboot header search window"));
    for (uint64_t offset = 0; offset + 3 * sizeof(uint32_t) <= window; offset += kHeaderAlignment) {
        MultibootHeader found{offset, {}};
        // The address fields may be cut off by the window; they are zero then and only read
        // if flag 16 says they exist, which the check below makes sure they do.
        std::memcpy(&found.fields, bytes.data() + offset,
                    std::min<uint64_t>(sizeof(Header), window - offset));
        Header const& h = found.fields;
        // 3.1.2: "checksum ... when added to the other magic fields (i.e. magic and flags),
        // must have a 32-bit unsigned sum of zero."
        if (h.magic != kHeaderMagic || static_cast<uint32_t>(h.magic + h.flags + h.checksum) != 0)
            continue;
        if ((h.flags & kHeaderAddressFields) != 0 && window - offset < sizeof(Header))
            return make_error("multiboot header at {:#x} is cut off by the end of the first {} "
                              "bytes",
                              offset, kHeaderSearchLimit);
        return found;
    }
    return std::nullopt;
}

Result<LoadedKernel> load_multiboot(GuestMemory& memory, ImageFile const& file, ElfImage const* elf,
                                    MultibootHeader const& header, BootSpec const& spec) {
    TRY(check_requirements(header.fields.flags));
    auto const map = build_e820(memory);
    // 3.1.3: with flag 16 the address fields take precedence over the ELF headers.
    auto const image = TRY((header.fields.flags & kHeaderAddressFields) != 0
                               ? load_with_address_fields(memory, file, header, map)
                               : load_elf(memory, file, elf, map));
    VIREO_TRACE(Boot, "multiboot: entry {:#x}, image ends at {:#x}", image.entry, image.end);

    uint64_t const cmdline = TRY(write_cmdline(memory, spec.cmdline, pc::kCmdlineMaxSize - 1));
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    if (spec.initrd_path)
        initrd = TRY(load_initrd(memory, *spec.initrd_path, image.end, low_ram_end(map)));
    uint64_t const info = TRY(write_info(memory, map, cmdline, spec, initrd));

    LoadedKernel loaded{KernelFormat::MultibootElf, {}, image.end, initrd};
    loaded.bsp = TRY(prepare_entry_state(memory, EntryMode::ProtectedMode32, image.entry));
    // 3.2: EAX holds the magic, EBX the physical address of the information structure. A20 is
    // always enabled: vireo's memory has no A20 gate.
    loaded.bsp.reg(x86::Gpr::Rax) = kBootloaderMagic;
    loaded.bsp.reg(x86::Gpr::Rbx) = info;
    return loaded;
}

} // namespace vireo::boot
