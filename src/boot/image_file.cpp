#include "boot/image_file.h"

#include <cerrno>

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "memory/guest_memory.h"

namespace vireo::boot {

Result<ImageFile> ImageFile::open(std::string const& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid())
        return errno_error("cannot open");
    struct stat info {};
    if (fstat(fd.get(), &info) != 0)
        return errno_error("cannot stat");
    if (!S_ISREG(info.st_mode))
        return make_error("not a regular file");
    if (info.st_size == 0)
        return make_error("the file is empty");
    return ImageFile(std::move(fd), path, static_cast<uint64_t>(info.st_size));
}

Result<void> ImageFile::check_range(uint64_t offset, uint64_t length, std::string_view what) const {
    if (offset > size_ || length > size_ - offset)
        return make_error("{} ({:#x}+{:#x}) lie beyond the end of the file ({:#x} bytes)", what,
                          offset, length, size_);
    return {};
}

Result<void> ImageFile::read(uint64_t offset, std::span<uint8_t> out, std::string_view what) const {
    TRY(check_range(offset, out.size(), what));
    size_t done = 0;
    while (done < out.size()) {
        ssize_t const n = pread(fd_.get(), out.data() + done, out.size() - done,
                                static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno_error("reading {}", what);
        if (n == 0) // the file shrank after it was opened
            return make_error("unexpected end of file while reading {}", what);
        done += static_cast<size_t>(n);
    }
    return {};
}

Result<std::vector<uint8_t>> ImageFile::read_bytes(uint64_t offset, uint64_t length,
                                                   std::string_view what) const {
    TRY(check_range(offset, length, what));
    std::vector<uint8_t> bytes(length);
    TRY(read(offset, bytes, what));
    return bytes;
}

Result<void> ImageFile::copy_to_guest(GuestMemory& memory, uint64_t guest_address, uint64_t offset,
                                      uint64_t length, std::string_view what) const {
    TRY(check_range(offset, length, what));
    uint8_t* target = memory.host_pointer(guest_address, length);
    if (target == nullptr)
        return make_error("{} ({:#x} bytes at {:#x}) does not fit in guest RAM", what, length,
                          guest_address);
    return read(offset, std::span(target, length), what);
}

} // namespace vireo::boot
