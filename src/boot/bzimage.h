// bzImage loading through the Linux x86 64-bit boot protocol (Documentation/arch/x86/boot.rst).
#pragma once

#include "base/result.h"
#include "boot/loader.h"

namespace vireo::boot {

class ImageFile;

// True if the file carries the boot protocol's "HdrS" signature.
Result<bool> is_bzimage(ImageFile const& file);

Result<LoadedKernel> load_bzimage(GuestMemory& memory, ImageFile const& file, BootSpec const& spec);

} // namespace vireo::boot
