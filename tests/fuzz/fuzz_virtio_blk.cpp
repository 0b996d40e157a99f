// Fuzzes virtio-blk's request handling (virtio 1.2 5.2.6): a live device on a small raw
// image, served the way the VMM serves it (parse_request, then io_uring or the direct
// preadv2/pwritev2 path), with each round's requests built from the input. The harness lays
// every request out itself, so it knows where each status byte is and can check the answer;
// a segment may instead take a raw guest address from the input (outside RAM, over the
// rings, anywhere), which turns the answer checks off for the rest of the input.
//
// Input: a setup byte (bit 0 FLUSH, 1 DISCARD, 2 WRITE_ZEROES, 3 EVENT_IDX, 4 INDIRECT_DESC,
// 5 read-only image, 6 image in a memfd instead of a file in /tmp, 7 image not in the page
// cache), log2 of the queue size, then rounds of: a request count, and per request:
//   type selector (u8: bits 0-2 pick In, Out, Flush, GetId, Discard, WriteZeroes,
//     GetLifetime, SecureErase; bit 7: a raw u32 type follows), sector (u64),
//   shape (u8: bits 0-1 header 16 bytes / split 8+8 / short (u8 length follows) / split 1+15;
//     bits 2-3 status lone writable byte / missing / device-readable / 4-byte buffer;
//     bit 4 indirect table; bit 5 loop back to the first descriptor; bits 6-7 data segments),
//   per data segment: flags (u8: bit 0 device-writable, bit 1 raw address, bit 2 32-bit
//     length, bit 3 split), length (u16 or u32), the raw address (u64) if any, else the
//     number of descriptors (u16) if split, and for a readable segment its contents (u16
//     count, bytes).
#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <sys/mman.h>
#include <sys/stat.h>

#include <fcntl.h>
#include <unistd.h>

#include "devices/virtio/block/block_request.h"
#include "devices/virtio/block/virtio_block.h"
#include "fuzz_input.h"
#include "pci_driver.h"
#include "test_driver.h"

namespace vireo::fuzz {
namespace {

namespace block = virtio::block;
using block::RequestType;
using block::Status;
using virtio::test::PciDriver;
using virtio::test::TestDriver;

constexpr uint64_t kRamBytes = virtio::test::kRamBytes;
constexpr uint64_t kImageBytes = 64 * 1024;
constexpr unsigned kMaxRounds = 16;
constexpr unsigned kMaxRequests = 8;
constexpr unsigned kMaxPieces = 2 * block::kMaxDataSegments;
constexpr uint8_t kUnwritten = 0xee; // the status byte before the device answers

// What the device said it wrote into guest RAM (GuestMemory::notify_written) this round:
// the emulator drops code it decoded from those bytes, so every write must be there.
std::vector<std::pair<uint64_t, uint64_t>>& reported() {
    static std::vector<std::pair<uint64_t, uint64_t>> ranges;
    return ranges;
}

bool was_reported(uint64_t address, uint64_t length) {
    return length == 0 || std::any_of(reported().begin(), reported().end(), [&](auto const& r) {
               return r.first <= address && address + length <= r.first + r.second;
           });
}

GuestMemory& memory() {
    static GuestMemory& instance = []() -> GuestMemory& {
        static auto created = GuestMemory::create(kRamBytes);
        check(created.has_value(), "creating guest RAM");
        (*created)->add_write_observer(
            [](uint64_t address, uint64_t length) { reported().emplace_back(address, length); });
        return **created;
    }();
    return instance;
}

uint8_t pattern(uint64_t offset) {
    return static_cast<uint8_t>(offset * 7 + (offset >> block::kSectorShift) * 13 + 1);
}

// The two backings of the image, made once per process: a file in /tmp (ext4 or whatever
// /tmp is: real ZERO_RANGE) and a memfd (shmem: no ZERO_RANGE, so WRITE_ZEROES falls back to
// punching holes). Each input starts from the same contents.
struct Backing {
    std::string path;
    int fd = -1;
};

// The file is unlinked at once, so that an input that aborts leaves nothing in /tmp; the
// device opens it again through /proc/self/fd, as it opens the memfd.
Backing make_file() {
    std::string path = "/tmp/vireo-fuzz-blk-XXXXXX";
    int const fd = ::mkstemp(path.data());
    check(fd >= 0, "creating the image in /tmp");
    ::unlink(path.c_str());
    return {"/proc/self/fd/" + std::to_string(fd), fd};
}

Backing make_memfd() {
    int const fd = ::memfd_create("vireo-fuzz-blk", MFD_CLOEXEC);
    check(fd >= 0, "memfd_create");
    return {"/proc/self/fd/" + std::to_string(fd), fd};
}

std::vector<uint8_t> const& image_contents() {
    static std::vector<uint8_t> const contents = [] {
        std::vector<uint8_t> bytes(kImageBytes);
        for (uint64_t i = 0; i < kImageBytes; ++i)
            bytes[i] = pattern(i);
        return bytes;
    }();
    return contents;
}

// What the image holds (less than kImageBytes when it was just created).
std::vector<uint8_t> read_image(Backing const& backing) {
    std::vector<uint8_t> bytes(kImageBytes);
    ssize_t const got = ::pread(backing.fd, bytes.data(), bytes.size(), 0);
    check(got >= 0, "reading the image back");
    bytes.resize(static_cast<size_t>(got));
    return bytes;
}

// The image as every input starts with it. `cold` drops it from the page cache, so that
// reads miss the direct preadv2 path and go through io_uring; syncing first is slow, so the
// image is only rewritten when the last input changed it.
Backing const& fresh_image(bool in_memfd, bool cold) {
    static Backing const file = make_file();
    static Backing const shm = make_memfd();
    Backing const& backing = in_memfd ? shm : file;
    auto const& contents = image_contents();
    if (read_image(backing) != contents)
        check(::pwrite(backing.fd, contents.data(), contents.size(), 0) ==
                  static_cast<ssize_t>(contents.size()),
              "restoring the image");
    if (cold) {
        check(::fdatasync(backing.fd) == 0, "fdatasync on the image");
        check(::posix_fadvise(backing.fd, 0, 0, POSIX_FADV_DONTNEED) == 0, "posix_fadvise");
    }
    return backing;
}

void check_image(Backing const& backing, bool read_only) {
    struct stat status = {};
    check(::fstat(backing.fd, &status) == 0, "fstat on the image");
    check(static_cast<uint64_t>(status.st_size) == kImageBytes, "the image changed size");
    check(!read_only || read_image(backing) == image_contents(), "a read-only image was written");
}

// A bump allocator over the buffer area: each round's headers, data, status bytes and
// indirect tables, disjoint from each other and from the rings. Data segments are cut short
// so that the request's status buffer and indirect table still fit after them.
class Area {
public:
    static constexpr uint64_t kBegin = virtio::test::kBufferArea;
    static constexpr uint64_t kEnd = kRamBytes;
    // A 4-byte status buffer and a table of six descriptors, each 16-byte aligned (requests
    // with split data segments need bigger tables, which may not fit).
    static constexpr uint64_t kTail = 16 + 16 * 6;

    // Room for one more request: its header, and the tail its data leaves.
    [[nodiscard]] bool has_room() const { return kEnd - next_ >= block::kHeaderBytes + kTail; }

    // Cuts `length` to what fits, keeping `reserve` bytes free at the end.
    uint64_t take(uint64_t& length, uint64_t reserve = 0) {
        uint64_t const end = kEnd - reserve;
        length = std::min(length, next_ < end ? end - next_ : 0);
        uint64_t const address = next_;
        next_ = (next_ + length + 15) & ~uint64_t{15}; // indirect tables want 16-byte alignment
        next_ = std::min(next_, kEnd);
        return address;
    }
    void clear() { next_ = kBegin; }

private:
    uint64_t next_ = kBegin;
};

struct Descriptor {
    uint64_t address = 0;
    uint32_t length = 0;
    bool writable = false;
};

// What the harness knows about a request it published.
struct Request {
    uint16_t head = 0;
    uint32_t type = 0;
    bool whole_header = false; // the header's 16 bytes are all in its own descriptors
    uint64_t sector = 0;
    uint64_t readable = 0;
    uint64_t writable = 0;
    std::optional<uint64_t> status; // its guest address; none: the device must drop the request
    std::vector<Descriptor> descriptors;
    bool answered = false;
};

constexpr std::array<RequestType, 8> kTypes = {RequestType::In,          RequestType::Out,
                                               RequestType::Flush,       RequestType::GetId,
                                               RequestType::Discard,     RequestType::WriteZeroes,
                                               RequestType::GetLifetime, RequestType::SecureErase};

uint64_t features_from(uint8_t bits) {
    uint64_t features = virtio::kFeatureVersion1 | block::kFeatureSegMax | block::kFeatureBlkSize |
                        block::kFeatureRo;
    constexpr uint64_t kChoices[] = {block::kFeatureFlush, block::kFeatureDiscard,
                                     block::kFeatureWriteZeroes, virtio::kFeatureEventIdx,
                                     virtio::kFeatureIndirectDesc};
    for (size_t i = 0; i < std::size(kChoices); ++i)
        features |= (bits >> i & 1) != 0 ? kChoices[i] : 0;
    return features;
}

// One input's queue: builds each round's requests in guest memory, publishes them, and
// checks the answers the device gives once process() returns.
class Session {
public:
    Session(uint16_t size, uint64_t features, Backing const& image, bool read_only,
            PciDriver& driver)
        : size_(size)
        , features_(features)
        , image_(image)
        , read_only_(read_only)
        , driver_(driver)
        , ring_(memory(), size) {}

    // One round; false once the device has marked itself broken.
    bool round(FuzzInput& input, block::VirtioBlock& device) {
        area_.clear();
        next_slot_ = 0;
        round_modifies_ = false;
        std::vector<Request> requests;
        unsigned const count = input.u8() % (kMaxRequests + 1);
        for (unsigned i = 0; i < count; ++i) {
            auto request = build(input);
            if (!request)
                break;
            requests.push_back(std::move(*request));
        }
        reported().clear();
        device.process();
        return check_round(requests);
    }

private:
    std::optional<Request> build(FuzzInput& input);
    void header(FuzzInput& input, uint8_t form, Request& request);
    void data_segment(FuzzInput& input, Request& request);
    void status(uint8_t form, Request& request);
    std::optional<uint16_t> place(bool indirect, bool loop);
    bool check_round(std::vector<Request>& requests);
    void check_answer(Request const& request, uint32_t used_length);
    void check_read_data(Request const& request);

    void add(uint64_t address, uint64_t length, bool writable, Request& request) {
        descriptors_.push_back({address, static_cast<uint32_t>(length), writable});
        (writable ? request.writable : request.readable) += static_cast<uint32_t>(length);
    }
    bool negotiated(uint64_t feature) const { return (features_ & feature) != 0; }

    uint16_t const size_;
    uint64_t const features_;
    Backing const& image_;
    bool const read_only_;
    PciDriver& driver_;
    TestDriver ring_;
    Area area_;
    uint16_t next_slot_ = 0; // the next free entry of the descriptor table this round
    uint16_t answered_ = 0;  // used ring entries checked so far
    bool wild_ = false;      // a raw address was used: the device may write anywhere
    bool round_modifies_ = false;
    std::vector<Descriptor> descriptors_; // the request being built
};

std::optional<Request> Session::build(FuzzInput& input) {
    if (!area_.has_room())
        return std::nullopt;
    Request request;
    uint8_t const selector = input.u8();
    request.type = static_cast<uint32_t>(kTypes[selector & 7]);
    if ((selector & 0x80) != 0)
        request.type = input.u32();
    request.sector = input.u64();
    uint8_t const shape = input.u8();
    descriptors_.clear();
    header(input, shape & 3, request);
    for (unsigned i = 0; i < (shape >> 6 & 3U); ++i)
        data_segment(input, request);
    status(shape >> 2 & 3, request);
    auto const head = place((shape & 0x10) != 0, (shape & 0x20) != 0);
    if (!head)
        return std::nullopt;
    request.head = *head;
    request.descriptors = descriptors_;
    auto const type = static_cast<RequestType>(request.type);
    round_modifies_ |= !request.whole_header || type == RequestType::Out ||
                       type == RequestType::Discard || type == RequestType::WriteZeroes;
    ring_.make_available(request.head);
    return request;
}

// struct virtio_blk_req's header (virtio 1.2 5.2.6), in one piece or split, or cut short.
void Session::header(FuzzInput& input, uint8_t form, Request& request) {
    uint64_t length = block::kHeaderBytes;
    uint64_t const address = area_.take(length);
    uint8_t bytes[block::kHeaderBytes] = {};
    std::memcpy(bytes + block::kHeaderTypeOffset, &request.type, sizeof(request.type));
    std::memcpy(bytes + block::kHeaderSectorOffset, &request.sector, sizeof(request.sector));
    check(memory().write(address, bytes).has_value(), "writing a header");
    request.whole_header = form != 2;
    switch (form) {
    case 0:
        return add(address, block::kHeaderBytes, false, request);
    case 1:
        add(address, 8, false, request);
        return add(address + 8, 8, false, request);
    case 2:
        return add(address, input.u8() % block::kHeaderBytes, false, request);
    default:
        add(address, 1, false, request);
        return add(address + 1, block::kHeaderBytes - 1, false, request);
    }
}

void Session::data_segment(FuzzInput& input, Request& request) {
    uint8_t const flags = input.u8();
    bool const writable = (flags & 1) != 0;
    uint64_t length = (flags & 4) != 0 ? input.u32() : input.u16();
    if ((flags & 2) != 0) {
        wild_ = true;
        return add(input.u64(), length, writable, request);
    }
    // Split: the buffer is described by that many descriptors, up to past what
    // preadv/pwritev take (kMaxDataSegments).
    unsigned const pieces = (flags & 8) != 0 ? std::max(1U, input.u16() % (kMaxPieces + 1U)) : 1;
    uint64_t const address = area_.take(length, Area::kTail);
    if (!writable) {
        auto const contents = input.bytes(std::min<uint64_t>(input.u16(), length));
        check(memory().write(address, contents).has_value(), "writing a data segment");
    }
    uint64_t const piece = length / pieces;
    for (unsigned i = 0; i < pieces; ++i) {
        uint64_t const offset = piece * i;
        add(address + offset, i + 1 == pieces ? length - offset : piece, writable, request);
    }
}

// The status byte is the last byte the device may write (virtio 1.2 5.2.6): the end of the
// last non-empty device-writable buffer, which may be a data buffer.
void Session::status(uint8_t form, Request& request) {
    if (form == 0 || form == 2 || form == 3) {
        uint64_t length = form == 3 ? 4 : 1;
        uint64_t const address = area_.take(length);
        add(address, length, form != 2, request);
    }
    for (auto it = descriptors_.rbegin(); it != descriptors_.rend(); ++it) {
        if (!it->writable || it->length == 0)
            continue;
        request.status = it->address + it->length - 1;
        if (!wild_)
            check(memory().write_object<uint8_t>(*request.status, kUnwritten).has_value(),
                  "writing a status byte");
        return;
    }
}

// Writes the request's descriptors into the queue's table, or into an indirect table behind
// one entry of it (virtio 1.2 2.7.5.3), chained in order; `loop` chains the last back to the
// first. Nothing if the table is full.
std::optional<uint16_t> Session::place(bool indirect, bool loop) {
    auto const count = static_cast<uint16_t>(descriptors_.size());
    uint16_t const needed = indirect ? 1 : count;
    if (count == 0 || needed > size_ - next_slot_)
        return std::nullopt;
    uint16_t const head = next_slot_;
    uint64_t table = virtio::test::kDescAddress;
    uint16_t first = head;
    if (indirect) {
        uint64_t bytes = 16 * uint64_t{count};
        table = area_.take(bytes);
        if (bytes != 16 * uint64_t{count})
            return std::nullopt;
        first = 0;
        ring_.set_descriptor(head, table, static_cast<uint32_t>(bytes), virtio::kDescIndirect, 0);
    }
    for (uint16_t i = 0; i < count; ++i) {
        auto const& descriptor = descriptors_[i];
        bool const last = i + 1 == count;
        auto const flags = static_cast<uint16_t>((descriptor.writable ? virtio::kDescWrite : 0) |
                                                 (!last || loop ? virtio::kDescNext : 0));
        auto const next = static_cast<uint16_t>(last ? first : first + i + 1);
        ring_.set_descriptor(static_cast<uint16_t>(first + i), descriptor.address,
                             descriptor.length, flags, next, table);
    }
    next_slot_ = static_cast<uint16_t>(next_slot_ + needed);
    return head;
}

// Every chain the device popped is answered, or the device is marked broken (virtio 1.2
// 2.1.2); each answer is checked against the request it answers.
bool Session::check_round(std::vector<Request>& requests) {
    bool const broken = (driver_.status() & virtio::kStatusNeedsReset) != 0;
    if (wild_)
        return !broken; // the rings themselves may have been written over
    uint16_t const used = ring_.used_idx();
    check(static_cast<uint16_t>(used - answered_) <= requests.size(),
          "more used entries than requests");
    for (; answered_ != used; ++answered_) {
        auto const element = ring_.used(answered_);
        auto const request = std::find_if(requests.begin(), requests.end(), [&](auto const& r) {
            return r.head == element.id && !r.answered;
        });
        check(request != requests.end(), "a used entry for a chain that is not waiting");
        request->answered = true;
        check_answer(*request, element.length);
    }
    if (!broken) {
        for (auto const& request : requests)
            check(request.answered, "a chain was neither answered nor the device marked broken");
    }
    return !broken;
}

bool all_reported(Request const& request) {
    return std::all_of(request.descriptors.begin(), request.descriptors.end(), [](auto const& d) {
        return !d.writable || was_reported(d.address, d.length);
    });
}

// virtio 1.2 5.2.6.1: a driver MUST NOT go beyond capacity. Written so no sum can wrap.
bool within_capacity(uint64_t sector, uint64_t bytes) {
    uint64_t const capacity = kImageBytes >> block::kSectorShift;
    return bytes % block::kSectorSize == 0 && sector <= capacity &&
           bytes / block::kSectorSize <= capacity - sector;
}

// What virtio 1.2 5.2.6.2 lets the device answer to this request.
void Session::check_answer(Request const& request, uint32_t used_length) {
    if (!request.status) {
        check(used_length == 0, "a request without a status byte got a used length");
        return;
    }
    check(used_length <= request.writable, "used length beyond the writable buffers");
    auto const status = static_cast<Status>(*memory().read_object<uint8_t>(*request.status));
    check(status == Status::Ok || status == Status::IoErr || status == Status::Unsupp,
          "the status byte is not OK, IOERR or UNSUPP");
    check(was_reported(*request.status, 1), "the status byte was not reported written");
    if (!request.whole_header)
        return;
    bool const ok = status == Status::Ok;
    switch (static_cast<RequestType>(request.type)) {
    case RequestType::In:
        check(!ok || within_capacity(request.sector, request.writable - 1), "read beyond the disk");
        check(!ok || used_length == request.writable, "a read's used length leaves data out");
        if (ok)
            check_read_data(request);
        check(!ok || all_reported(request), "a read's data was not reported written");
        return;
    case RequestType::Out:
        check(!ok || !read_only_, "a write to a read-only disk succeeded");
        check(!ok || within_capacity(request.sector, request.readable - block::kHeaderBytes),
              "write beyond the disk");
        return;
    case RequestType::Flush:
        check(ok, "a flush failed");
        return;
    case RequestType::GetId:
        check(!ok || (request.writable == block::kIdBytes + 1 && used_length == request.writable),
              "GET_ID answered into a buffer that is not 20 bytes");
        check(!ok || all_reported(request), "GET_ID's answer was not reported written");
        return;
    case RequestType::Discard:
    case RequestType::WriteZeroes: {
        bool const offered =
            negotiated(static_cast<RequestType>(request.type) == RequestType::Discard
                           ? block::kFeatureDiscard
                           : block::kFeatureWriteZeroes);
        check(offered || status == Status::Unsupp, "a command not negotiated was not UNSUPP");
        check(!ok || !read_only_, "a read-only disk was changed");
        return;
    }
    default:
        check(status == Status::Unsupp, "an unknown command was not UNSUPP");
        return;
    }
}

// A read that succeeded holds the image's bytes, unless another request of the same round
// may have changed them meanwhile.
void Session::check_read_data(Request const& request) {
    if (round_modifies_)
        return;
    uint64_t const length = request.writable - 1;
    std::vector<uint8_t> expected(length);
    check(::pread(image_.fd, expected.data(), length,
                  static_cast<off_t>(request.sector << block::kSectorShift)) ==
              static_cast<ssize_t>(length),
          "reading the image");
    std::vector<uint8_t> got;
    for (auto const& descriptor : request.descriptors) {
        // Empty parts are skipped: memcpy from an empty vector's null data() is undefined.
        if (!descriptor.writable || descriptor.length == 0 || got.size() == length)
            continue;
        uint64_t const part = std::min<uint64_t>(descriptor.length, length - got.size());
        got.resize(got.size() + part);
        auto const span = std::span(got).last(part);
        check(memory().read(descriptor.address, span).has_value(), "reading guest RAM");
    }
    check(got == expected, "a read returned other bytes than the image holds");
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    check(memory().discard_all().has_value(), "clearing guest RAM");
    FuzzInput input(data, size);
    uint8_t const setup = input.u8();
    bool const read_only = (setup & 0x20) != 0;
    Backing const& image = fresh_image((setup & 0x40) != 0, (setup & 0x80) != 0);

    auto disk = block::DiskImage::open(image.path, read_only ? block::DiskAccess::ReadOnly
                                                             : block::DiskAccess::ReadWrite);
    check(disk.has_value(), "opening the image");
    auto device = block::VirtioBlock::create(std::move(*disk),
                                             {.serving = block::VirtioBlock::Serving::Caller});
    check(device.has_value(), "creating the device (does this host allow io_uring?)");
    auto pci = *virtio::VirtioPciDevice::create(*device, memory());
    PciDriver driver(*pci);
    // The driver takes what it wants of what is offered (virtio 1.2 3.1.1).
    uint64_t const features = features_from(setup) & driver.device_features();
    check((driver.negotiate(features) & virtio::kStatusFeaturesOk) != 0, "features refused");
    auto const queue_size = static_cast<uint16_t>(1U << (input.u8() % 9));
    driver.setup_queue(0, queue_size, virtio::test::kDescAddress, virtio::test::kAvailAddress,
                       virtio::test::kUsedAddress);
    driver.driver_ok();

    Session session(queue_size, features, image, read_only, driver);
    for (unsigned round = 0; !input.empty() && round < kMaxRounds; ++round) {
        if (!session.round(input, **device))
            break;
    }
    driver.set_status(0);
    check(driver.status() == 0, "status after a reset is not 0");
    check_image(image, read_only);
    return 0;
}
