// Direct kernel boot: vireo has no firmware, so it puts the kernel, its initrd and command
// line into guest RAM itself, writes the boot information structure the kernel's format
// defines, and hands the VMM the state the bootstrap processor starts in.
//
// Three formats are understood, detected from the file's contents:
//   - a bzImage, entered through the Linux x86 64-bit boot protocol (bzimage.cpp);
//   - an ELF vmlinux with a PVH entry note (pvh.cpp);
//   - a multiboot v1 kernel, for small purpose-built test kernels (multiboot.cpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "x86/cpu_state.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::boot {

// Address range types of the system address map (ACPI 6.5 15, Table "Address Range Types").
// The PVH memmap and the multiboot mmap use the same numbers.
inline constexpr uint32_t kE820Ram = 1;
inline constexpr uint32_t kE820Reserved = 2;
inline constexpr uint32_t kE820Acpi = 3;
inline constexpr uint32_t kE820Nvs = 4;

struct E820Entry {
    uint64_t address;
    uint64_t size;
    uint32_t type;

    uint64_t end() const { return address + size; }
    bool operator==(E820Entry const&) const = default;
};

// The map for a PC: usable RAM [0, EBDA), the EBDA and BIOS hole up to 1 MiB reserved (vireo's
// ACPI tables live at 0xE0000-0xFFFFF), usable RAM from 1 MiB to the top of low RAM, usable
// RAM above 4 GiB if the guest has it, and the PCIe ECAM window reserved. Sorted by address.
std::vector<E820Entry> build_e820(GuestMemory const& memory);

struct BootSpec {
    std::string kernel_path;
    std::optional<std::string> initrd_path;
    std::string cmdline;
    uint64_t acpi_rsdp_address = 0; // where the VMM put the RSDP (0 = none)
};

enum class KernelFormat { BzImage, PvhElf, MultibootElf };

struct LoadedKernel {
    KernelFormat format;
    x86::CpuState bsp; // the bootstrap processor's state at the kernel's entry point
    // The first guest-physical byte above the loaded image; for a bzImage, above the memory
    // the kernel decompresses itself into (its runtime start address plus init_size).
    uint64_t kernel_end;
    std::optional<std::pair<uint64_t, uint64_t>> initrd; // where the initrd went (address, size)
};

// Detects the format from the file's contents and loads it, its initrd and command line into
// guest RAM, writes the boot information structure the format defines, and returns the entry
// state. Every failure is a one-line error naming the file and the problem.
Result<LoadedKernel> load_kernel(GuestMemory& memory, BootSpec const& spec);

char const* kernel_format_name(KernelFormat format);

} // namespace vireo::boot
