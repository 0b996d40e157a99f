#include "boot/elf.h"

#include <algorithm>
#include <array>
#include <cstring>

#include <elf.h>
#include <fmt/format.h>

#include "base/units.h"
#include "boot/guest_layout.h"
#include "boot/image_file.h"
#include "memory/guest_memory.h"

namespace vireo::boot {

namespace {

// Note segments of real kernels are a few hundred bytes; this bounds what a corrupt header
// can make vireo allocate.
constexpr uint64_t kMaxNoteSegmentSize = 1 * MiB;

struct ElfHeaders {
    uint64_t entry;
    std::vector<ElfSegment> segments;
};

template <typename Ehdr, typename Phdr>
Result<ElfHeaders> parse_headers(ImageFile const& file, uint16_t machine, bool is_64bit) {
    auto const header = TRY(file.read_object<Ehdr>(0, "ELF header"));
    if (header.e_type != ET_EXEC)
        return make_error("ELF type {} is not an executable (ET_EXEC)", header.e_type);
    if (header.e_machine != machine)
        return make_error("ELF machine {} is not x86 (expected {} for a {}-bit ELF)",
                          header.e_machine, machine, is_64bit ? 64 : 32);
    if (header.e_phentsize != sizeof(Phdr))
        return make_error("ELF program header size {} is not {}", header.e_phentsize, sizeof(Phdr));
    // gABI: PN_XNUM means the real count is in section header 0; no kernel needs that many.
    if (header.e_phnum == 0 || header.e_phnum == PN_XNUM)
        return make_error("ELF has {} program headers", header.e_phnum);
    auto const table = TRY(file.read_bytes(header.e_phoff, uint64_t{header.e_phnum} * sizeof(Phdr),
                                           "ELF program headers"));
    std::vector<ElfSegment> segments;
    for (size_t i = 0; i < header.e_phnum; ++i) {
        Phdr ph;
        std::memcpy(&ph, table.data() + i * sizeof(Phdr), sizeof(Phdr));
        segments.push_back(
            {ph.p_type, ph.p_offset, ph.p_vaddr, ph.p_paddr, ph.p_filesz, ph.p_memsz, ph.p_align});
    }
    return ElfHeaders{header.e_entry, std::move(segments)};
}

// Walks the notes of one PT_NOTE segment (gABI "Note Section": namesz, descsz, type, then
// the name and the descriptor, each padded to the segment's alignment).
Result<std::optional<std::vector<uint8_t>>> find_in_notes(std::span<uint8_t const> bytes,
                                                          uint64_t alignment, std::string_view name,
                                                          uint32_t type) {
    uint64_t position = 0;
    while (bytes.size() - position >= sizeof(Elf32_Nhdr)) {
        Elf32_Nhdr note; // Elf64_Nhdr has the same 32-bit fields
        std::memcpy(&note, bytes.data() + position, sizeof(note));
        uint64_t const name_at = position + sizeof(note);
        uint64_t const desc_at = name_at + align_up(note.n_namesz, alignment);
        if (desc_at + note.n_descsz > bytes.size())
            return make_error("ELF note at offset {:#x} runs past the end of its segment",
                              position);
        std::string_view note_name(reinterpret_cast<char const*>(bytes.data() + name_at),
                                   note.n_namesz);
        if (!note_name.empty() && note_name.back() == '\0')
            note_name.remove_suffix(1);
        if (note.n_type == type && note_name == name)
            return std::vector<uint8_t>(bytes.begin() + static_cast<ptrdiff_t>(desc_at),
                                        bytes.begin() +
                                            static_cast<ptrdiff_t>(desc_at + note.n_descsz));
        position = desc_at + align_up(note.n_descsz, alignment);
        if (position > bytes.size())
            break;
    }
    return std::nullopt;
}

} // namespace

Result<bool> ElfImage::has_magic(ImageFile const& file) {
    if (file.size() < SELFMAG)
        return false;
    auto const magic = TRY((file.read_object<std::array<char, SELFMAG>>(0, "ELF magic")));
    return std::memcmp(magic.data(), ELFMAG, SELFMAG) == 0;
}

Result<ElfImage> ElfImage::parse(ImageFile const& file) {
    auto const ident =
        TRY((file.read_object<std::array<uint8_t, EI_NIDENT>>(0, "ELF identification")));
    if (ident[EI_DATA] != ELFDATA2LSB)
        return make_error("ELF is not little-endian, so not an x86 kernel");
    if (ident[EI_VERSION] != EV_CURRENT)
        return make_error("ELF version {} is unknown", ident[EI_VERSION]);
    if (ident[EI_CLASS] == ELFCLASS32) {
        auto headers = TRY((parse_headers<Elf32_Ehdr, Elf32_Phdr>(file, EM_386, false)));
        return ElfImage(false, headers.entry, std::move(headers.segments));
    }
    if (ident[EI_CLASS] == ELFCLASS64) {
        auto headers = TRY((parse_headers<Elf64_Ehdr, Elf64_Phdr>(file, EM_X86_64, true)));
        return ElfImage(true, headers.entry, std::move(headers.segments));
    }
    return make_error("ELF class {} is neither 32- nor 64-bit", ident[EI_CLASS]);
}

Result<std::optional<std::vector<uint8_t>>>
ElfImage::find_note(ImageFile const& file, std::string_view name, uint32_t type) const {
    for (auto const& segment : segments_) {
        if (segment.type != kElfPtNote)
            continue;
        if (segment.file_size > kMaxNoteSegmentSize)
            return make_error("ELF note segment of {} bytes is implausibly large",
                              segment.file_size);
        auto const bytes = TRY(file.read_bytes(segment.offset, segment.file_size, "ELF notes"));
        // gABI: notes are 4-byte aligned; a segment aligned to 8 holds 8-byte aligned notes.
        auto found = TRY(find_in_notes(bytes, segment.align == 8 ? 8 : 4, name, type));
        if (found)
            return found;
    }
    return std::nullopt;
}

Result<uint64_t> ElfImage::load_segments(GuestMemory& memory, ImageFile const& file,
                                         std::span<E820Entry const> map) const {
    uint64_t end = 0;
    for (size_t i = 0; i < segments_.size(); ++i) {
        auto const& segment = segments_[i];
        if (segment.type != kElfPtLoad || segment.memory_size == 0)
            continue;
        auto const what = fmt::format("ELF segment {}", i);
        if (segment.file_size > segment.memory_size)
            return make_error("{}: file size {:#x} exceeds memory size {:#x}", what,
                              segment.file_size, segment.memory_size);
        TRY(check_image_placement(map, segment.paddr, segment.memory_size, what));
        TRY(file.copy_to_guest(memory, segment.paddr, segment.offset, segment.file_size, what));
        TRY(zero_guest(memory, segment.paddr + segment.file_size,
                       segment.memory_size - segment.file_size));
        end = std::max(end, segment.paddr + segment.memory_size);
    }
    if (end == 0)
        return make_error("ELF has no loadable segments");
    return end;
}

bool ElfImage::contains_physical(uint64_t address) const {
    return std::any_of(segments_.begin(), segments_.end(), [&](ElfSegment const& s) {
        return s.type == kElfPtLoad && address >= s.paddr && address - s.paddr < s.memory_size;
    });
}

std::optional<uint64_t> ElfImage::virtual_to_physical(uint64_t vaddr) const {
    for (auto const& s : segments_) {
        if (s.type == kElfPtLoad && vaddr >= s.vaddr && vaddr - s.vaddr < s.memory_size)
            return s.paddr + (vaddr - s.vaddr);
    }
    return std::nullopt;
}

} // namespace vireo::boot
