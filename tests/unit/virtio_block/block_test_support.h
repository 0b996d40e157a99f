// What the virtio-blk tests share: a scratch raw image with a known pattern, and where a
// test driver puts a request's header, data and status byte in guest memory.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "devices/virtio/block/block_spec.h"
#include "test_driver.h"

namespace vireo::virtio::block::test {

inline constexpr uint64_t kHeaderAddress = virtio::test::kBufferArea;
inline constexpr uint64_t kStatusAddress = virtio::test::kBufferArea + 0x800;
inline constexpr uint64_t kDataAddress = virtio::test::kBufferArea + 0x1000;

// The byte the scratch image holds at `offset`: differs from sector to sector and inside one.
inline uint8_t pattern(uint64_t offset) {
    return static_cast<uint8_t>(offset * 7 + (offset >> kSectorShift) * 13 + 1);
}

// A raw image in $TMPDIR (or /tmp), removed at the end of the test.
class ScratchImage {
public:
    explicit ScratchImage(uint64_t bytes, std::string name = "vireo-blk-XXXXXX") {
        char const* dir = std::getenv("TMPDIR");
        path_ = std::string(dir != nullptr ? dir : "/tmp") + "/" + name;
        int const fd = ::mkstemp(path_.data());
        std::vector<uint8_t> contents(bytes);
        for (uint64_t i = 0; i < bytes; ++i)
            contents[i] = pattern(i);
        ok_ = fd >= 0 && ::write(fd, contents.data(), bytes) == static_cast<ssize_t>(bytes);
        if (fd >= 0)
            ::close(fd);
    }
    ~ScratchImage() { ::unlink(path_.c_str()); }
    ScratchImage(ScratchImage const&) = delete;
    ScratchImage& operator=(ScratchImage const&) = delete;

    [[nodiscard]] bool ok() const { return ok_; }
    [[nodiscard]] std::string const& path() const { return path_; }

    [[nodiscard]] std::vector<uint8_t> read(uint64_t offset, size_t length) const {
        std::vector<uint8_t> bytes(length);
        int const fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0 || ::pread(fd, bytes.data(), length, static_cast<off_t>(offset)) !=
                          static_cast<ssize_t>(length))
            bytes.clear();
        if (fd >= 0)
            ::close(fd);
        return bytes;
    }
    // 512-byte units the file system has allocated to the image (stat(2) st_blocks).
    [[nodiscard]] uint64_t allocated_blocks() const {
        struct stat status = {};
        return ::stat(path_.c_str(), &status) == 0 ? static_cast<uint64_t>(status.st_blocks) : 0;
    }

private:
    std::string path_;
    bool ok_ = false;
};

// Writes struct virtio_blk_req's header (virtio 1.2 5.2.6) at kHeaderAddress.
inline void write_header(GuestMemory& memory, RequestType type, uint64_t sector) {
    uint8_t header[kHeaderBytes] = {};
    auto const raw_type = static_cast<uint32_t>(type);
    std::memcpy(header + kHeaderTypeOffset, &raw_type, sizeof(raw_type));
    std::memcpy(header + kHeaderSectorOffset, &sector, sizeof(sector));
    (void)memory.write(kHeaderAddress, header);
}

// Writes struct virtio_blk_discard_write_zeroes `index` at `address`.
inline void write_range(GuestMemory& memory, uint64_t address, unsigned index, uint64_t sector,
                        uint32_t sectors, uint32_t flags) {
    uint8_t range[kRangeBytes] = {};
    std::memcpy(range + kRangeSectorOffset, &sector, sizeof(sector));
    std::memcpy(range + kRangeCountOffset, &sectors, sizeof(sectors));
    std::memcpy(range + kRangeFlagsOffset, &flags, sizeof(flags));
    (void)memory.write(address + kRangeBytes * uint64_t{index}, range);
}

} // namespace vireo::virtio::block::test
