// Test-only: reads vireo's ACPI blob back the way a guest OS does, trusting nothing the
// builder says about where things are. Offsets and rules come from the specifications.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "acpi/tables.h"
#include "base/result.h"

namespace vireo::acpi::testing {

// Guest-physical memory holding only the blob: a view, so the blob must outlive it and every
// span read through it (hence no construction from a temporary blob).
class GuestImage {
public:
    explicit GuestImage(AcpiBlob const& blob)
        : base_(blob.guest_address)
        , bytes_(blob.bytes) {}
    explicit GuestImage(AcpiBlob&&) = delete;
    Result<std::span<uint8_t const>> read(uint64_t address, uint64_t size) const;
    uint64_t base() const { return base_; }
    uint64_t end() const { return base_ + bytes_.size(); }

private:
    uint64_t base_;
    std::span<uint8_t const> bytes_;
};

// Little-endian field of `width` bytes at `offset`.
uint64_t field(std::span<uint8_t const> bytes, size_t offset, size_t width);
uint8_t byte_sum(std::span<uint8_t const> bytes);

// Scans the 16-byte boundaries of 0xE0000-0xFFFFF for "RSD PTR " with valid checksums, as
// ACPI 6.5 5.2.5.1 tells OSPM to.
Result<uint64_t> find_rsdp(GuestImage const& image);

struct Table {
    std::string signature;
    uint64_t address = 0;
    uint8_t revision = 0;
    std::span<uint8_t const> bytes; // the whole table, header included
};

// Reads the table at `address`, checking that its length fits and its checksum is zero.
Result<Table> read_table(GuestImage const& image, uint64_t address);

// The tables reachable from the RSDP: XSDT entries by signature, plus the DSDT and FACS
// reached through the FADT. Fails on a duplicate signature.
struct TableSet {
    uint64_t rsdp = 0;
    uint32_t rsdt_address = 0;
    Table xsdt;
    std::map<std::string, Table> tables;
    std::span<uint8_t const> facs;
    uint64_t facs_address = 0;
};
Result<TableSet> walk_tables(GuestImage const& image);
// The same from an RSDP address handed over by the boot protocol instead of a scan.
Result<TableSet> walk_tables_from(GuestImage const& image, uint64_t rsdp);

struct Gas {
    uint8_t space_id = 0;
    uint8_t bit_width = 0;
    uint8_t bit_offset = 0;
    uint8_t access_size = 0;
    uint64_t address = 0;
};
Gas read_gas(std::span<uint8_t const> bytes, size_t offset);

// MADT contents (ACPI 6.5 5.2.12).
struct Madt {
    uint32_t local_apic_address = 0;
    uint32_t flags = 0;
    struct Cpu {
        uint8_t uid, apic_id;
        uint32_t flags;
    };
    struct IoApic {
        uint8_t id;
        uint32_t address, gsi_base;
    };
    struct Override {
        uint8_t bus, source;
        uint32_t gsi;
        uint16_t flags;
    };
    struct Nmi {
        uint8_t uid;
        uint16_t flags;
        uint8_t lint;
    };
    std::vector<Cpu> cpus;
    std::vector<IoApic> ioapics;
    std::vector<Override> overrides;
    std::vector<Nmi> nmis;
};
Result<Madt> decode_madt(Table const& madt);

} // namespace vireo::acpi::testing
