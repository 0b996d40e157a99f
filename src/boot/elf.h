// The parts of an ELF executable a kernel loader needs: program headers, PT_LOAD segments and
// notes (System V ABI gABI, "Program Header" and "Note Section"), for 32- and 64-bit x86.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"
#include "boot/loader.h"

namespace vireo::boot {

class ImageFile;

struct ElfSegment {
    uint32_t type;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t file_size;
    uint64_t memory_size;
    uint64_t align;
};

class ElfImage {
public:
    static Result<bool> has_magic(ImageFile const& file);
    static Result<ElfImage> parse(ImageFile const& file);

    bool is_64bit() const { return is_64bit_; }
    uint64_t entry() const { return entry_; }
    std::vector<ElfSegment> const& segments() const { return segments_; }

    // The descriptor of the first note with this name and type in the PT_NOTE segments.
    Result<std::optional<std::vector<uint8_t>>>
    find_note(ImageFile const& file, std::string_view name, uint32_t type) const;

    // Loads every PT_LOAD segment at its physical address (p_paddr), zeroing the part past its
    // file contents, after checking each against the memory map. Returns the end of the
    // highest segment.
    Result<uint64_t> load_segments(GuestMemory& memory, ImageFile const& file,
                                   std::span<E820Entry const> map) const;

    // True if the physical address lies inside a loaded (PT_LOAD) segment.
    bool contains_physical(uint64_t address) const;

    // The physical address of a virtual one inside a PT_LOAD segment (p_vaddr to p_paddr).
    std::optional<uint64_t> virtual_to_physical(uint64_t vaddr) const;

private:
    ElfImage(bool is_64bit, uint64_t entry, std::vector<ElfSegment> segments)
        : is_64bit_(is_64bit)
        , entry_(entry)
        , segments_(std::move(segments)) {}

    bool is_64bit_;
    uint64_t entry_;
    std::vector<ElfSegment> segments_;
};

inline constexpr uint32_t kElfPtLoad = 1; // gABI "Segment Types"
inline constexpr uint32_t kElfPtNote = 4;

} // namespace vireo::boot
