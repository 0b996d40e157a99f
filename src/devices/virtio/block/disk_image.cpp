#include "devices/virtio/block/disk_image.h"

#include <cerrno>

#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "devices/virtio/block/block_spec.h"

namespace vireo::virtio::block {

namespace {

Result<UniqueFd> open_image(std::string const& path, DiskAccess access) {
    int const flags = (access == DiskAccess::ReadOnly ? O_RDONLY : O_RDWR) | O_CLOEXEC;
    UniqueFd fd(::open(path.c_str(), flags));
    if (fd.valid())
        return fd;
    int const err = errno;
    // A file that exists but cannot be written: say what would work instead.
    if (access == DiskAccess::ReadWrite && (err == EACCES || err == EROFS || err == EPERM) &&
        ::access(path.c_str(), R_OK) == 0)
        return make_error(
            "{}; add readonly=on to use it read-only",
            Error::from_errno_value(err, fmt::format("{}: cannot open for writing", path))
                .message());
    return tl::unexpected(Error::from_errno_value(err, path));
}

// An open file description lock (fcntl(2), "Open file description locks") over the whole
// file: exclusive for writing, shared for reading. It belongs to this open file, so it also
// catches the same image given twice to one vireo, and it conflicts with QEMU's own locks.
Result<void> lock_image(int fd, std::string const& path, DiskAccess access) {
    struct flock lock = {};
    lock.l_type = access == DiskAccess::ReadOnly ? F_RDLCK : F_WRLCK;
    lock.l_whence = SEEK_SET;
    if (::fcntl(fd, F_OFD_SETLK, &lock) == 0)
        return {};
    if (errno == EAGAIN || errno == EACCES)
        return make_error("{}: in use by another process (it holds a lock on the image)", path);
    return errno_error("{}: cannot lock", path);
}

Result<uint64_t> image_size(int fd, std::string const& path) {
    struct stat status = {};
    if (::fstat(fd, &status) != 0)
        return errno_error("{}: stat", path);
    if (S_ISREG(status.st_mode))
        return static_cast<uint64_t>(status.st_size);
    if (!S_ISBLK(status.st_mode))
        return make_error("{}: not a regular file or a block device", path);
    off_t const end = ::lseek(fd, 0, SEEK_END);
    if (end < 0)
        return errno_error("{}: size of the block device", path);
    return static_cast<uint64_t>(end);
}

std::string serial_for(std::string const& path) {
    auto const slash = path.find_last_of('/');
    std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
    if (name.size() > kIdBytes)
        name.resize(kIdBytes);
    return name;
}

} // namespace

Result<std::unique_ptr<DiskImage>> DiskImage::open(std::string const& path, DiskAccess access) {
    auto fd = TRY(open_image(path, access));
    TRY(lock_image(fd.get(), path, access));
    uint64_t const size = TRY(image_size(fd.get(), path));
    // virtio 1.2 5.2.4: capacity counts whole 512-byte sectors; a tail the guest could never
    // address means the file is not the raw image the user thinks it is.
    if (size == 0)
        return make_error("{}: the image is empty", path);
    if (size % kSectorSize != 0)
        return make_error("{}: {} bytes is not a whole number of {}-byte sectors", path, size,
                          kSectorSize);
    return std::unique_ptr<DiskImage>(new DiskImage(std::move(fd), path, size, access));
}

DiskImage::DiskImage(UniqueFd fd, std::string path, uint64_t size, DiskAccess access)
    : fd_(std::move(fd))
    , path_(std::move(path))
    , size_(size)
    , access_(access)
    , serial_(serial_for(path_)) {}

uint64_t DiskImage::capacity_sectors() const {
    return size_ >> kSectorShift;
}

} // namespace vireo::virtio::block
