// The host side of --disk: what is accepted, and the one-line errors for the rest.
#include <linux/fs.h>
#include <sys/ioctl.h>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "block_test_support.h"
#include "devices/virtio/block/disk_image.h"

namespace vireo::virtio::block {
namespace {

using test::ScratchImage;

// Expects `result` to have failed with a single line containing `what`.
template <typename T>
void expect_error(Result<T> const& result, std::string const& what) {
    ASSERT_FALSE(result);
    auto const& message = result.error().message();
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(DiskImageTest, OpensARawImage) {
    ScratchImage image(8192);
    auto disk = DiskImage::open(image.path(), DiskAccess::ReadWrite);
    ASSERT_TRUE(disk) << disk.error().message();
    EXPECT_EQ((*disk)->capacity_sectors(), 16U);
    EXPECT_FALSE((*disk)->read_only());
    EXPECT_EQ((*disk)->serial(), image.path().substr(image.path().rfind('/') + 1));
}

TEST(DiskImageTest, SerialKeepsTwentyBytesOfTheName) {
    ScratchImage image(512, "a-rather-long-disk-image-name-XXXXXX");
    auto disk = DiskImage::open(image.path(), DiskAccess::ReadOnly);
    ASSERT_TRUE(disk);
    EXPECT_EQ((*disk)->serial(), "a-rather-long-disk-i");
}

TEST(DiskImageTest, MissingFile) {
    expect_error(DiskImage::open("/nonexistent/vireo.img", DiskAccess::ReadWrite),
                 "/nonexistent/vireo.img: No such file or directory");
}

TEST(DiskImageTest, SizeMustBeWholeSectors) {
    ScratchImage image(1000);
    expect_error(DiskImage::open(image.path(), DiskAccess::ReadWrite),
                 "1000 bytes is not a whole number of 512-byte sectors");
    ScratchImage empty(0);
    expect_error(DiskImage::open(empty.path(), DiskAccess::ReadOnly), "empty");
}

TEST(DiskImageTest, DirectoryIsNoImage) {
    expect_error(DiskImage::open("/tmp", DiskAccess::ReadOnly), "not a regular file");
}

TEST(DiskImageTest, AWritableImageIsExclusive) {
    ScratchImage image(4096);
    auto first = DiskImage::open(image.path(), DiskAccess::ReadWrite);
    ASSERT_TRUE(first);
    expect_error(DiskImage::open(image.path(), DiskAccess::ReadWrite), "in use");
    expect_error(DiskImage::open(image.path(), DiskAccess::ReadOnly), "in use");
    first->reset();
    EXPECT_TRUE(DiskImage::open(image.path(), DiskAccess::ReadWrite));
}

TEST(DiskImageTest, ReadOnlyImagesShare) {
    ScratchImage image(4096);
    auto first = DiskImage::open(image.path(), DiskAccess::ReadOnly);
    auto second = DiskImage::open(image.path(), DiskAccess::ReadOnly);
    ASSERT_TRUE(first);
    ASSERT_TRUE(second);
    EXPECT_TRUE((*second)->read_only());
    expect_error(DiskImage::open(image.path(), DiskAccess::ReadWrite), "in use");
}

// A file nobody may write, not even root: the immutable attribute (chattr +i). Where the
// file system or the user cannot set it, the test has nothing to show.
TEST(DiskImageTest, UnwritableFileForAWritableDiskSaysReadonly) {
    ScratchImage image(4096);
    int const fd = ::open(image.path().c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    int flags = 0;
    bool const immutable = ::ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0 &&
                           (flags |= FS_IMMUTABLE_FL, ::ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
    if (!immutable) {
        ::close(fd);
        GTEST_SKIP() << "cannot make " << image.path() << " immutable here";
    }
    auto const writable = DiskImage::open(image.path(), DiskAccess::ReadWrite);
    auto const read_only = DiskImage::open(image.path(), DiskAccess::ReadOnly);
    flags &= ~FS_IMMUTABLE_FL;
    ::ioctl(fd, FS_IOC_SETFLAGS, &flags);
    ::close(fd);
    expect_error(writable, "cannot open for writing");
    expect_error(writable, "readonly=on");
    EXPECT_TRUE(read_only);
}

} // namespace
} // namespace vireo::virtio::block
