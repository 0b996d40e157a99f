#include "test_images.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

namespace vireo::boot::test {

TempFiles::TempFiles() {
    char const* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/vireo-boot-test-XXXXXX";
    if (mkdtemp(templ.data()) == nullptr) {
        std::perror("mkdtemp"); // a broken test host, not a test result
        std::abort();
    }
    directory_ = templ;
}

TempFiles::~TempFiles() {
    for (auto const& file : files_)
        std::remove(file.c_str());
    rmdir(directory_.c_str());
}

std::string TempFiles::write(std::string const& name, Bytes const& bytes) {
    std::string const path = directory_ + "/" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<char const*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    files_.push_back(path);
    return path;
}

void put8(Bytes& bytes, size_t offset, uint8_t value) {
    if (bytes.size() < offset + 1)
        bytes.resize(offset + 1);
    bytes[offset] = value;
}

void put16(Bytes& bytes, size_t offset, uint16_t value) {
    for (size_t i = 0; i < 2; ++i)
        put8(bytes, offset + i, static_cast<uint8_t>(value >> (8 * i)));
}

void put32(Bytes& bytes, size_t offset, uint32_t value) {
    for (size_t i = 0; i < 4; ++i)
        put8(bytes, offset + i, static_cast<uint8_t>(value >> (8 * i)));
}

void put64(Bytes& bytes, size_t offset, uint64_t value) {
    for (size_t i = 0; i < 8; ++i)
        put8(bytes, offset + i, static_cast<uint8_t>(value >> (8 * i)));
}

void put_bytes(Bytes& bytes, size_t offset, Bytes const& data) {
    for (size_t i = 0; i < data.size(); ++i)
        put8(bytes, offset + i, data[i]);
}

Bytes pattern(size_t size, uint8_t seed) {
    Bytes bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = static_cast<uint8_t>(seed + i * 7 + (i >> 8));
    return bytes;
}

size_t bzimage_payload_offset(BzImageSpec const& spec) {
    size_t const sects = spec.setup_sects == 0 ? 4 : spec.setup_sects;
    return (sects + 1) * 512;
}

// Offsets from Documentation/arch/x86/boot.rst, "The real-mode kernel header".
Bytes make_bzimage(BzImageSpec const& spec) {
    Bytes image(bzimage_payload_offset(spec), 0);
    put8(image, 0x1f1, spec.setup_sects);
    put32(image, 0x1f4,
          spec.syssize.value_or(static_cast<uint32_t>((spec.payload_size + 15) / 16)));
    put16(image, 0x1fa, 0xffff); // vid_mode: "normal"
    put16(image, 0x1fe, 0xaa55);
    put8(image, 0x200, 0xeb);          // jmp short
    put8(image, 0x201, 0x26c - 0x202); // ... to the end of the 2.15 header
    put32(image, 0x202, 0x53726448);   // "HdrS"
    put16(image, 0x206, spec.version);
    put8(image, 0x211, spec.loadflags);
    put32(image, 0x214, 0x100000);
    put32(image, 0x22c, spec.initrd_addr_max);
    put32(image, 0x230, spec.kernel_alignment);
    put8(image, 0x234, spec.relocatable);
    put16(image, 0x236, spec.xloadflags);
    put32(image, 0x238, spec.cmdline_size);
    put64(image, 0x258, spec.pref_address);
    put32(image, 0x260, spec.init_size);
    put32(image, 0x268, 0x1234); // kernel_info_offset: a marker for the header copy
    put_bytes(image, image.size(), pattern(spec.payload_size, 0x42));
    return image;
}

namespace {

struct ElfLayout {
    size_t header_size, phdr_size;
};

ElfLayout elf_layout(bool is_64bit) {
    return is_64bit ? ElfLayout{64, 56} : ElfLayout{52, 32};
}

size_t align16(size_t value) {
    return (value + 15) & ~size_t{15};
}

void put_elf_header(Bytes& image, ElfSpec const& spec) {
    auto const layout = elf_layout(spec.is_64bit);
    put_bytes(image, 0, {0x7f, 'E', 'L', 'F', static_cast<uint8_t>(spec.is_64bit ? 2 : 1), 1, 1});
    put16(image, 0x10, 2);                      // ET_EXEC
    put16(image, 0x12, spec.is_64bit ? 62 : 3); // EM_X86_64 / EM_386
    put32(image, 0x14, 1);
    auto const count = static_cast<uint16_t>(spec.segments.size());
    if (spec.is_64bit) {
        put64(image, 0x18, spec.entry);
        put64(image, 0x20, layout.header_size);
        put16(image, 0x34, 64);
        put16(image, 0x36, 56);
        put16(image, 0x38, count);
    } else {
        put32(image, 0x18, static_cast<uint32_t>(spec.entry));
        put32(image, 0x1c, static_cast<uint32_t>(layout.header_size));
        put16(image, 0x28, 52);
        put16(image, 0x2a, 32);
        put16(image, 0x2c, count);
    }
}

void put_program_header(Bytes& image, size_t at, bool is_64bit, ElfSegmentSpec const& s,
                        size_t offset) {
    uint64_t const memsz = s.memsz != 0 ? s.memsz : s.data.size();
    if (is_64bit) {
        put32(image, at, s.type);
        put64(image, at + 8, offset);
        put64(image, at + 16, s.vaddr);
        put64(image, at + 24, s.paddr);
        put64(image, at + 32, s.data.size());
        put64(image, at + 40, memsz);
        put64(image, at + 48, s.align);
    } else {
        put32(image, at, s.type);
        put32(image, at + 4, static_cast<uint32_t>(offset));
        put32(image, at + 8, static_cast<uint32_t>(s.vaddr));
        put32(image, at + 12, static_cast<uint32_t>(s.paddr));
        put32(image, at + 16, static_cast<uint32_t>(s.data.size()));
        put32(image, at + 20, static_cast<uint32_t>(memsz));
        put32(image, at + 28, static_cast<uint32_t>(s.align));
    }
}

} // namespace

size_t elf_segment_offset(ElfSpec const& spec, size_t index) {
    auto const layout = elf_layout(spec.is_64bit);
    size_t offset = align16(layout.header_size + spec.segments.size() * layout.phdr_size);
    for (size_t i = 0; i < index; ++i)
        offset = align16(offset + spec.segments[i].data.size());
    return offset;
}

Bytes make_elf(ElfSpec const& spec) {
    Bytes image;
    put_elf_header(image, spec);
    auto const layout = elf_layout(spec.is_64bit);
    for (size_t i = 0; i < spec.segments.size(); ++i) {
        size_t const offset = elf_segment_offset(spec, i);
        put_program_header(image, layout.header_size + i * layout.phdr_size, spec.is_64bit,
                           spec.segments[i], offset);
        put_bytes(image, offset, spec.segments[i].data);
    }
    return image;
}

Bytes make_note(std::string_view name, uint32_t type, Bytes const& desc) {
    Bytes note;
    put32(note, 0, static_cast<uint32_t>(name.size() + 1));
    put32(note, 4, static_cast<uint32_t>(desc.size()));
    put32(note, 8, type);
    put_bytes(note, 12, Bytes(name.begin(), name.end()));
    size_t const desc_at = 12 + ((name.size() + 1 + 3) & ~size_t{3});
    put_bytes(note, desc_at, desc);
    note.resize(desc_at + ((desc.size() + 3) & ~size_t{3}), 0);
    return note;
}

// Multiboot Specification 0.6.96 3.1.1.
Bytes make_multiboot_header(uint32_t flags, std::optional<MultibootAddresses> addresses) {
    Bytes header;
    uint32_t const magic = 0x1badb002;
    put32(header, 0, magic);
    put32(header, 4, flags);
    put32(header, 8, 0U - magic - flags);
    if (addresses) {
        put32(header, 12, addresses->header_addr);
        put32(header, 16, addresses->load_addr);
        put32(header, 20, addresses->load_end_addr);
        put32(header, 24, addresses->bss_end_addr);
        put32(header, 28, addresses->entry_addr);
    }
    return header;
}

std::string default_guest_file(std::string_view name) {
    char const* cache = std::getenv("XDG_CACHE_HOME");
    char const* home = std::getenv("HOME");
    std::string base =
        cache != nullptr ? cache : std::string(home != nullptr ? home : "") + "/.cache";
    return base + "/vireo/guests/default/" + std::string(name);
}

} // namespace vireo::boot::test

namespace vireo::boot::test {

void LoaderTest::SetUp() {
    auto memory = GuestMemory::create(kRamSize);
    ASSERT_TRUE(memory) << memory.error().message();
    memory_ = std::move(*memory);
}

Result<LoadedKernel> LoaderTest::load(Bytes const& kernel, std::string cmdline,
                                      std::optional<Bytes> initrd, uint64_t rsdp) {
    BootSpec spec{files_.write("kernel", kernel), {}, std::move(cmdline), rsdp};
    if (initrd)
        spec.initrd_path = files_.write("initrd", *initrd);
    return load_kernel(*memory_, spec);
}

std::string peek_string(GuestMemory const& memory, uint64_t address) {
    std::string text;
    for (uint64_t at = address;; ++at) {
        auto const c = memory.read_object<char>(at);
        if (!c || *c == '\0')
            return text;
        text += *c;
    }
}

} // namespace vireo::boot::test
