// A raw disk image on the host: an open, locked file (or block device) whose size is a whole
// number of 512-byte sectors. Everything that can be wrong with the host side of `--disk` is
// found here, at start-up, and said in one line.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace vireo::virtio::block {

enum class DiskAccess { ReadWrite, ReadOnly };

class DiskImage {
public:
    // Opens `path` for `access` and locks it: a writable image exclusively, a read-only one
    // shared, so that two VMs never write one image, nor one reads what another writes.
    static Result<std::unique_ptr<DiskImage>> open(std::string const& path, DiskAccess access);

    [[nodiscard]] int fd() const { return fd_.get(); }
    [[nodiscard]] std::string const& path() const { return path_; }
    [[nodiscard]] uint64_t size_bytes() const { return size_; }
    [[nodiscard]] uint64_t capacity_sectors() const;
    [[nodiscard]] bool read_only() const { return access_ == DiskAccess::ReadOnly; }
    // What GET_ID answers: the image's file name, cut to the 20 bytes the protocol carries.
    [[nodiscard]] std::string const& serial() const { return serial_; }

private:
    DiskImage(UniqueFd fd, std::string path, uint64_t size, DiskAccess access);

    UniqueFd fd_;
    std::string path_;
    uint64_t size_;
    DiskAccess access_;
    std::string serial_;
};

} // namespace vireo::virtio::block
