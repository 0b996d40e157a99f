// Format detection: the file's contents decide, never its name.
#include "boot/loader.h"

#include "base/trace.h"
#include "boot/bzimage.h"
#include "boot/elf.h"
#include "boot/image_file.h"
#include "boot/multiboot.h"
#include "boot/pvh.h"

namespace vireo::boot {

namespace {

// An ELF is booted through its PVH note if it has one (that is how Linux's vmlinux is meant
// to be entered), else through a multiboot header.
Result<LoadedKernel> load_elf_kernel(GuestMemory& memory, ImageFile const& file,
                                     BootSpec const& spec) {
    auto const elf = TRY(ElfImage::parse(file));
    if (auto const entry = TRY(find_pvh_entry(file, elf)))
        return load_pvh(memory, file, elf, *entry, spec);
    if (auto const header = TRY(find_multiboot_header(file)))
        return load_multiboot(memory, file, &elf, *header, spec);
    return make_error("ELF kernel has neither a PVH entry note (Xen note {}) nor a multiboot "
                      "header",
                      pvh::kNotePhys32Entry);
}

Result<LoadedKernel> detect_and_load(GuestMemory& memory, BootSpec const& spec) {
    auto const file = TRY(ImageFile::open(spec.kernel_path));
    if (TRY(is_bzimage(file)))
        return load_bzimage(memory, file, spec);
    if (TRY(ElfImage::has_magic(file)))
        return load_elf_kernel(memory, file, spec);
    if (auto const header = TRY(find_multiboot_header(file)))
        return load_multiboot(memory, file, nullptr, *header, spec);
    return make_error("unknown kernel format: not a bzImage, an ELF or a multiboot kernel");
}

} // namespace

char const* kernel_format_name(KernelFormat format) {
    switch (format) {
    case KernelFormat::BzImage:
        return "bzImage";
    case KernelFormat::PvhElf:
        return "PVH ELF";
    case KernelFormat::MultibootElf:
        return "multiboot";
    }
    return "unknown";
}

Result<LoadedKernel> load_kernel(GuestMemory& memory, BootSpec const& spec) {
    auto loaded = TRY_CONTEXT(detect_and_load(memory, spec),
                              fmt::format("loading kernel {}", spec.kernel_path));
    VIREO_TRACE(Boot, "{} kernel {}: entry {:#x}, image ends at {:#x}",
                kernel_format_name(loaded.format), spec.kernel_path, loaded.bsp.rip,
                loaded.kernel_end);
    return loaded;
}

} // namespace vireo::boot
