// A kernel or initrd file, read with bounds checks. Loaders read headers through it and copy
// large parts (segments, the initrd) straight into guest RAM without an intermediate buffer.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/fd.h"
#include "base/result.h"

namespace vireo {
class GuestMemory;
}

namespace vireo::boot {

class ImageFile {
public:
    // Opens a regular, non-empty file.
    static Result<ImageFile> open(std::string const& path);

    std::string const& path() const { return path_; }
    uint64_t size() const { return size_; }

    // Reads [offset, offset + out.size()). `what` names the part being read, so that a
    // truncated file yields "ELF program headers (0x40+0x38) lie beyond the end of the file".
    Result<void> read(uint64_t offset, std::span<uint8_t> out, std::string_view what) const;
    Result<std::vector<uint8_t>> read_bytes(uint64_t offset, uint64_t length,
                                            std::string_view what) const;

    template <typename T>
    Result<T> read_object(uint64_t offset, std::string_view what) const {
        T value;
        TRY(read(offset, std::span(reinterpret_cast<uint8_t*>(&value), sizeof(T)), what));
        return value;
    }

    // Copies [offset, offset + length) of the file to guest RAM at guest_address.
    Result<void> copy_to_guest(GuestMemory& memory, uint64_t guest_address, uint64_t offset,
                               uint64_t length, std::string_view what) const;

private:
    ImageFile(UniqueFd fd, std::string path, uint64_t size)
        : fd_(std::move(fd))
        , path_(std::move(path))
        , size_(size) {}

    Result<void> check_range(uint64_t offset, uint64_t length, std::string_view what) const;

    UniqueFd fd_;
    std::string path_;
    uint64_t size_;
};

} // namespace vireo::boot
