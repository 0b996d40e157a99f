/* Just enough ACPI table reading for the guests: the FADT, and the sleep type of \_S5 from
 * the DSDT. */
#include "runtime.h"

/* ACPI 6.5 5.2.5.1: the RSDP is on a 16-byte boundary in the BIOS area 0xE0000-0xFFFFF (or
 * in the EBDA, which vireo does not use for it). */
#define RSDP_SEARCH_START 0xe0000u
#define RSDP_SEARCH_END 0x100000u
#define RSDP_ALIGNMENT 16
/* ACPI 6.5 5.2.5.3 (Table 5.3): RSDP fields. Revision 2 and later add the XSDT, which an
 * OS must prefer; vireo provides only the XSDT. */
#define RSDP_CHECKSUMMED_LENGTH 20 /* the ACPI 1.0 part */
#define RSDP_REVISION 15
#define RSDP_RSDT_ADDRESS 16
#define RSDP_LENGTH 20
#define RSDP_XSDT_ADDRESS 24
#define RSDP_FIRST_XSDT_REVISION 2
/* ACPI 6.5 5.2.6: every table starts with a 36-byte header; the length is at offset 4. */
#define TABLE_HEADER_LENGTH 36
#define TABLE_LENGTH 4
/* ACPI 6.5 5.2.9 (Table 5.9): FADT fields. */
#define FADT_DSDT 40
#define FADT_X_DSDT 140
/* ACPI 6.5 20.2.5.4 and 20.2.3: PackageOp, then PkgLength whose top two bits of the first
 * byte count the bytes that follow; BytePrefix, ZeroOp and OneOp encode small integers. */
#define AML_PACKAGE_OP 0x12
#define AML_BYTE_PREFIX 0x0a
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_PKG_LENGTH_EXTRA_BYTES(b) ((b) >> 6)

uint32_t acpi_read32(uint32_t address) {
    uint8_t const* bytes = (uint8_t const*)(uintptr_t)address;
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 |
           (uint32_t)bytes[3] << 24;
}

/* A 64-bit table address, or 0 when it is beyond what this 32-bit guest reaches. */
static uint32_t read_address64(uint32_t address) {
    return acpi_read32(address + 4) == 0 ? acpi_read32(address) : 0;
}

static bool checksum_ok(uint32_t address, uint32_t length) {
    uint8_t sum = 0;
    for (uint32_t i = 0; i < length; ++i) {
        sum = (uint8_t)(sum + ((uint8_t const*)(uintptr_t)address)[i]);
    }
    return sum == 0;
}

static uint32_t find_rsdp(void) {
    for (uint32_t at = RSDP_SEARCH_START; at < RSDP_SEARCH_END; at += RSDP_ALIGNMENT) {
        if (memcmp((void const*)(uintptr_t)at, "RSD PTR ", 8) == 0 &&
            checksum_ok(at, RSDP_CHECKSUMMED_LENGTH)) {
            return at;
        }
    }
    return 0;
}

/* Looks through the XSDT (8-byte entries) or the RSDT (4-byte entries). */
static uint32_t find_table(uint32_t root, uint32_t entry_size, char const* signature) {
    uint32_t const length = acpi_read32(root + TABLE_LENGTH);
    for (uint32_t entry = TABLE_HEADER_LENGTH; entry + entry_size <= length; entry += entry_size) {
        uint32_t const table =
            entry_size == 8 ? read_address64(root + entry) : acpi_read32(root + entry);
        if (table != 0 && memcmp((void const*)(uintptr_t)table, signature, 4) == 0) {
            return table;
        }
    }
    return 0;
}

static uint32_t find_fadt(uint32_t rsdp) {
    uint8_t const revision = *(uint8_t const*)(uintptr_t)(rsdp + RSDP_REVISION);
    if (revision >= RSDP_FIRST_XSDT_REVISION &&
        checksum_ok(rsdp, acpi_read32(rsdp + RSDP_LENGTH))) {
        uint32_t const xsdt = read_address64(rsdp + RSDP_XSDT_ADDRESS);
        if (xsdt != 0) {
            return find_table(xsdt, 8, "FACP");
        }
    }
    uint32_t const rsdt = acpi_read32(rsdp + RSDP_RSDT_ADDRESS);
    return rsdt != 0 ? find_table(rsdt, 4, "FACP") : 0;
}

/* Finds "_S5_" followed by a package and decodes its first element, SLP_TYPa. */
static bool find_s5_sleep_type(uint32_t dsdt, uint32_t* sleep_type) {
    uint32_t const length = acpi_read32(dsdt + TABLE_LENGTH);
    uint8_t const* aml = (uint8_t const*)(uintptr_t)dsdt;
    for (uint32_t i = TABLE_HEADER_LENGTH; i + 8 < length; ++i) {
        if (memcmp(aml + i, "_S5_", 4) != 0 || aml[i + 4] != AML_PACKAGE_OP) {
            continue;
        }
        uint32_t at = i + 5;
        at += 1 + AML_PKG_LENGTH_EXTRA_BYTES(aml[at]); /* PkgLength */
        at += 1;                                       /* NumElements */
        if (at + 1 >= length) {
            return false;
        }
        switch (aml[at]) {
        case AML_BYTE_PREFIX:
            *sleep_type = aml[at + 1];
            return true;
        case AML_ZERO_OP:
            *sleep_type = 0;
            return true;
        case AML_ONE_OP:
            *sleep_type = 1;
            return true;
        default:
            return false;
        }
    }
    return false;
}

uint32_t acpi_find_fadt(void) {
    uint32_t const rsdp = find_rsdp();
    if (rsdp == 0) {
        print("acpi: no RSDP in 0xe0000-0xfffff\n");
        return 0;
    }
    uint32_t const fadt = find_fadt(rsdp);
    if (fadt == 0) {
        print("acpi: no FADT in the XSDT or RSDT\n");
    }
    return fadt;
}

bool acpi_s5_sleep_type(uint32_t fadt, uint32_t* sleep_type) {
    uint32_t dsdt = acpi_read32(fadt + FADT_DSDT);
    if (dsdt == 0 && acpi_read32(fadt + TABLE_LENGTH) >= FADT_X_DSDT + 8) {
        dsdt = read_address64(fadt + FADT_X_DSDT);
    }
    if (dsdt == 0 || !find_s5_sleep_type(dsdt, sleep_type)) {
        print("acpi: no \\_S5 package in the DSDT\n");
        return false;
    }
    return true;
}
