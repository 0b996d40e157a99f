#include "boot/bzimage.h"

#include <algorithm>
#include <bit>

#include "base/trace.h"
#include "boot/entry_state.h"
#include "boot/guest_layout.h"
#include "boot/image_file.h"
#include "boot/linux_boot_params.h"
#include "memory/guest_memory.h"

namespace vireo::boot {

using namespace linuxboot;

namespace {

// boot.rst (initrd_addr_max): a kernel that leaves the field 0 accepts initrds up to this.
constexpr uint64_t kDefaultInitrdAddrMax = 0x37ffffff;
constexpr uint64_t k4GiB = 1ULL << 32;

// Where the protected-mode kernel goes and how much memory it needs there.
struct KernelPlacement {
    uint64_t payload_offset; // in the file: after the real-mode setup sectors
    uint64_t payload_size;
    uint64_t load_address;
    uint64_t window_start; // the memory the kernel uses before it reads the e820 map
    uint64_t window_end;
};

// Reads `length` bytes of the image's setup header into a zeroed zero page, at the offset it
// has there. boot.rst lays the fields out naturally aligned relative to the zero page, so in
// this 8-aligned object every field can be read without a misaligned access.
Result<BootParams> read_header_into_zero_page(ImageFile const& file, uint64_t length) {
    BootParams params{};
    auto* target = reinterpret_cast<uint8_t*>(&params) + kSetupHeaderOffset;
    TRY(file.read(kSetupHeaderOffset, std::span(target, length), "bzImage setup header"));
    return params;
}

Result<void> check_header(SetupHeader const& hdr) {
    unsigned const major = hdr.version >> 8;
    unsigned const minor = hdr.version & 0xff;
    if (hdr.boot_flag != kBootFlag)
        return make_error("bzImage boot_flag is {:#x}, not {:#x}", hdr.boot_flag, kBootFlag);
    // boot.rst "64-bit BOOT PROTOCOL": the 64-bit entry exists from protocol 2.12, when the
    // kernel sets XLF_KERNEL_64.
    if (hdr.version < kProtocol2_12)
        return make_error("kernel too old: boot protocol {}.{} lacks 64-bit entry", major, minor);
    if ((hdr.xloadflags & kXlfKernel64) == 0)
        return make_error("kernel has no 64-bit entry point (boot protocol {}.{}, XLF_KERNEL_64 "
                          "clear): a 32-bit kernel?",
                          major, minor);
    if ((hdr.loadflags & kLoadedHigh) == 0)
        return make_error("not a bzImage: loadflags LOADED_HIGH is clear (a zImage)");
    return {};
}

// boot.rst (init_size): the runtime start address is the load address raised to pref_address
// and aligned to kernel_alignment for a relocatable kernel, and pref_address otherwise; from
// there the kernel needs init_size bytes before it looks at the memory map.
Result<KernelPlacement> place_kernel(SetupHeader const& hdr, uint64_t file_size) {
    KernelPlacement place{};
    uint8_t const setup_sects = hdr.setup_sects == 0 ? kDefaultSetupSects : hdr.setup_sects;
    place.payload_offset = (uint64_t{setup_sects} + 1) * kSectorSize;
    if (place.payload_offset >= file_size)
        return make_error("bzImage is truncated: the setup code ends at {:#x} but the file has "
                          "{:#x} bytes",
                          place.payload_offset, file_size);
    place.payload_size = file_size - place.payload_offset;
    // boot.rst (syssize): the protected-mode code's size in 16-byte paragraphs.
    if (uint64_t{hdr.syssize} * 16 > place.payload_size)
        return make_error("bzImage is truncated: the header promises {} bytes of kernel, the "
                          "file holds {}",
                          uint64_t{hdr.syssize} * 16, place.payload_size);
    // Checked first so that no address computed below can wrap around.
    if (hdr.pref_address > pc::kMaxRamBytes)
        return make_error("bzImage pref_address {:#x} lies beyond any guest RAM", hdr.pref_address);
    if (hdr.relocatable_kernel != 0) {
        if (!std::has_single_bit(hdr.kernel_alignment))
            return make_error("bzImage kernel_alignment {:#x} is not a power of two",
                              hdr.kernel_alignment);
        // Loading straight at the runtime start spares the decompressor a move.
        place.load_address =
            align_up(std::max(hdr.pref_address, pc::kKernelLoadAddress), hdr.kernel_alignment);
        place.window_start = place.load_address;
    } else {
        place.load_address = pc::kKernelLoadAddress;
        place.window_start = hdr.pref_address != 0 ? hdr.pref_address : pc::kKernelLoadAddress;
    }
    uint64_t const window_size = std::max<uint64_t>(hdr.init_size, place.payload_size);
    place.window_end =
        std::max(place.window_start + window_size, place.load_address + place.payload_size);
    place.window_start = std::min(place.window_start, place.load_address);
    return place;
}

// The zero page starts with the setup header copied from the image as boot.rst prescribes: it
// ends at 0x202 plus the displacement of the jump at 0x200.
Result<BootParams> zero_page_from_image(ImageFile const& file) {
    auto const jump = TRY(file.read_object<uint8_t>(kJumpDisplacementOffset, "bzImage jump"));
    uint64_t const end =
        std::min<uint64_t>(kHeaderMagicOffset + jump, offsetof(BootParams, e820_table));
    return read_header_into_zero_page(file, end - kSetupHeaderOffset);
}

Result<void> fill_e820(BootParams& params, std::span<E820Entry const> map) {
    if (map.size() > kMaxE820Entries)
        return make_error("the memory map has {} entries; the zero page holds {}", map.size(),
                          kMaxE820Entries);
    for (size_t i = 0; i < map.size(); ++i)
        params.e820_table[i] = {map[i].address, map[i].size, map[i].type};
    params.e820_entries = static_cast<uint8_t>(map.size());
    return {};
}

struct ZeroPageInputs {
    KernelPlacement const& place;
    uint64_t cmdline_address;
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    uint64_t rsdp_address;
};

Result<void> write_zero_page(GuestMemory& memory, ImageFile const& file,
                             std::span<E820Entry const> map, ZeroPageInputs const& in) {
    BootParams params = TRY(zero_page_from_image(file));
    SetupHeader& hdr = params.hdr;
    hdr.type_of_loader = kLoaderTypeUndefined;
    hdr.loadflags |= kCanUseHeap; // LOADED_HIGH stays as the kernel set it
    hdr.heap_end_ptr = kHeapEndPtr;
    hdr.code32_start = static_cast<uint32_t>(in.place.load_address);
    hdr.cmd_line_ptr = static_cast<uint32_t>(in.cmdline_address);
    params.ext_cmd_line_ptr = static_cast<uint32_t>(in.cmdline_address >> 32);
    if (in.initrd) {
        hdr.ramdisk_image = static_cast<uint32_t>(in.initrd->first);
        hdr.ramdisk_size = static_cast<uint32_t>(in.initrd->second);
        params.ext_ramdisk_image = static_cast<uint32_t>(in.initrd->first >> 32);
        params.ext_ramdisk_size = static_cast<uint32_t>(in.initrd->second >> 32);
    }
    // zero-page.rst: acpi_rsdp_addr at 0x070. (Protocol 2.14 briefly put it in the setup
    // header; boot.rst marks that version burned, so the zero page field is the one to use.)
    params.acpi_rsdp_addr = in.rsdp_address;
    TRY(fill_e820(params, map));
    return memory.write_object(pc::kBootParamsAddress, params);
}

uint64_t initrd_limit(SetupHeader const& hdr, std::span<E820Entry const> map) {
    uint64_t const addr_max =
        hdr.initrd_addr_max != 0 ? hdr.initrd_addr_max : kDefaultInitrdAddrMax;
    return std::min({addr_max + 1, low_ram_end(map), k4GiB});
}

} // namespace

Result<bool> is_bzimage(ImageFile const& file) {
    if (file.size() < kHeaderMagicOffset + sizeof(uint32_t))
        return false;
    return TRY(file.read_object<uint32_t>(kHeaderMagicOffset, "bzImage signature")) == kHeaderMagic;
}

Result<LoadedKernel> load_bzimage(GuestMemory& memory, ImageFile const& file,
                                  BootSpec const& spec) {
    auto const image = TRY(read_header_into_zero_page(file, sizeof(SetupHeader)));
    SetupHeader const& hdr = image.hdr;
    TRY(check_header(hdr));
    auto const place = TRY(place_kernel(hdr, file.size()));
    auto const map = build_e820(memory);
    TRY(check_image_placement(map, place.window_start, place.window_end - place.window_start,
                              "bzImage kernel with its init_size working memory"));
    TRY(file.copy_to_guest(memory, place.load_address, place.payload_offset, place.payload_size,
                           "bzImage protected-mode kernel"));
    VIREO_TRACE(Boot, "bzImage protocol {:#x}: {:#x} bytes at {:#x}, needs {:#x}-{:#x}",
                hdr.version, place.payload_size, place.load_address, place.window_start,
                place.window_end);

    uint64_t const cmdline = TRY(write_cmdline(memory, spec.cmdline, hdr.cmdline_size));
    std::optional<std::pair<uint64_t, uint64_t>> initrd;
    if (spec.initrd_path)
        initrd =
            TRY(load_initrd(memory, *spec.initrd_path, place.window_end, initrd_limit(hdr, map)));
    TRY(write_zero_page(memory, file, map, {place, cmdline, initrd, spec.acpi_rsdp_address}));

    LoadedKernel loaded{KernelFormat::BzImage, {}, place.window_end, initrd};
    loaded.bsp = TRY(
        prepare_entry_state(memory, EntryMode::LongMode64, place.load_address + kEntry64Offset));
    // boot.rst (64-bit boot protocol): "%rsi must hold the base address of the struct
    // boot_params".
    loaded.bsp.reg(x86::Gpr::Rsi) = pc::kBootParamsAddress;
    return loaded;
}

} // namespace vireo::boot
