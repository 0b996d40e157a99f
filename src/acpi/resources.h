// Resource descriptors for _CRS (ACPI 6.5 6.4) and the ResourceTemplate buffer that holds them.
#pragma once

#include <cstdint>
#include <vector>

#include "acpi/bytes.h"

namespace vireo::acpi::resource {

// IO(Decode16, base, base, alignment, length): a fixed range of I/O ports (ACPI 6.5 6.4.2.5).
Bytes io(uint16_t base, uint8_t length);

// IRQNoFlags(){irq}: one ISA IRQ, edge-triggered and active-high (ACPI 6.5 6.4.2.1).
Bytes irq_no_flags(uint8_t irq);

// Memory32Fixed(ReadWrite, base, length) (ACPI 6.5 6.4.3.4).
Bytes memory32_fixed(uint32_t base, uint32_t length);

// Address space descriptors (ACPI 6.5 6.4.3.5) for what a host bridge decodes and hands to
// the devices below it: ResourceProducer, PosDecode, MinFixed, MaxFixed, granularity and
// translation 0. `length` must be non-zero and the range must fit the descriptor's width.
Bytes word_bus_number(uint16_t first, uint16_t length);
Bytes word_io(uint16_t base, uint16_t length);
Bytes dword_memory(uint32_t base, uint32_t length);
Bytes qword_memory(uint64_t base, uint64_t length);

} // namespace vireo::acpi::resource

namespace vireo::acpi {

// ResourceTemplate(){...}: an AML Buffer holding the descriptors and an End Tag whose checksum
// makes the template's bytes sum to zero (ACPI 6.5 6.4.2.9).
Bytes resource_template(std::vector<Bytes> const& descriptors);

} // namespace vireo::acpi
