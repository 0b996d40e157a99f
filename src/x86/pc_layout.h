// The guest-physical address map of vireo's PC machine. Everything that places something in
// guest memory (loaders, ACPI, devices) takes its address from here.
#pragma once

#include <cstdint>

namespace vireo::pc {

// Real-mode area: the first 640 KiB are RAM; 0xA0000-0xFFFFF is the legacy VGA/BIOS hole
// (IBM PC memory map; reported as reserved in the e820 map).
inline constexpr uint64_t kLowMemoryEnd = 0x9fc00; // start of the conventional EBDA
inline constexpr uint64_t kEbdaStart = 0x9fc00;
inline constexpr uint64_t kBiosHoleStart = 0xa0000;
inline constexpr uint64_t kBiosHoleEnd = 0x100000;

// Boot structures vireo writes below 1 MiB.
inline constexpr uint64_t kGdtAddress = 0x500;            // boot GDT
inline constexpr uint64_t kIdtAddress = 0x520;            // empty boot IDT
inline constexpr uint64_t kBootParamsAddress = 0x7000;    // Linux zero page
inline constexpr uint64_t kPvhStartInfoAddress = 0x6000;  // hvm_start_info + memmap
inline constexpr uint64_t kMultibootInfoAddress = 0x6000; // multiboot info + mmap
inline constexpr uint64_t kPml4Address = 0x9000;          // identity-mapping page tables
inline constexpr uint64_t kPdptAddress = 0xa000;
inline constexpr uint64_t kPageDirectoriesAddress = 0xb000; // 4 x 4 KiB, maps 4 GiB
inline constexpr uint64_t kCmdlineAddress = 0x20000;
inline constexpr uint64_t kCmdlineMaxSize = 0x10000;
inline constexpr uint64_t kBootStackTop = 0x8ff0;
// ACPI tables live in the BIOS area, where the RSDP must be found by a scan of
// 0xE0000-0xFFFFF (ACPI 6.5 5.2.5.1).
inline constexpr uint64_t kAcpiTablesAddress = 0xe0000;
inline constexpr uint64_t kAcpiTablesMaxSize = 0x20000;
// Intel MultiProcessor Specification 1.4: the floating pointer is found in the BIOS ROM
// area too; vireo does not write MP tables, ACPI's MADT replaces them.

// Where a bzImage's protected-mode kernel is loaded (Linux boot protocol: "the kernel is
// loaded at 0x100000").
inline constexpr uint64_t kKernelLoadAddress = 0x100000;

// RAM above 1 MiB runs up to the 32-bit MMIO hole; what does not fit continues at 4 GiB.
inline constexpr uint64_t kMmioHoleStart = 0xc0000000;
inline constexpr uint64_t kMmioHoleEnd = 0x100000000;
inline constexpr uint64_t kHighMemoryStart = 0x100000000;

// Devices in the MMIO hole.
inline constexpr uint64_t kPciMmioStart = 0xc0000000; // 32-bit PCI BARs
inline constexpr uint64_t kPciMmioEnd = 0xe0000000;
inline constexpr uint64_t kPciEcamStart = 0xe0000000; // PCIe ECAM, 256 buses x 1 MiB
inline constexpr uint64_t kPciEcamSize = 0x10000000;
inline constexpr uint64_t kIoApicAddress = 0xfec00000;      // Intel 82093AA default base
inline constexpr uint64_t kLocalApicAddress = 0xfee00000;   // Intel SDM Vol. 3A 11.4.1
inline constexpr uint64_t kTestDevMmioAddress = 0xff000000; // QEMU pc-testdev iomem
inline constexpr uint64_t kTestDevMmioSize = 0x10000;

// I/O ports of the platform devices (the legacy ones at their IBM PC addresses).
inline constexpr uint16_t kPicMasterPort = 0x20;      // Intel 8259A
inline constexpr uint16_t kPitPort = 0x40;            // Intel 8254, 0x40-0x43
inline constexpr uint16_t kI8042DataPort = 0x60;      // keyboard controller data
inline constexpr uint16_t kSystemControlPortB = 0x61; // PIT channel 2 gate and speaker
inline constexpr uint16_t kI8042CommandPort = 0x64;
inline constexpr uint16_t kCmosPort = 0x70; // MC146818 index/data at 0x70/0x71
inline constexpr uint16_t kPicSlavePort = 0xa0;
inline constexpr uint16_t kTestDevPort = 0xe0;   // QEMU pc-testdev, 0xe0-0xeb
inline constexpr uint16_t kDebugExitPort = 0xf4; // QEMU isa-debug-exit, 4 bytes wide
inline constexpr uint16_t kCom1Port = 0x3f8;
inline constexpr uint16_t kElcrPort = 0x4d0;        // 8259 edge/level control (PIIX)
inline constexpr uint16_t kTestDevIrqPort = 0x2000; // pc-testdev IRQ lines, 0x2000-0x2017

// The ACPI fixed-hardware register block (ACPI 6.5 4.8), at PIIX4's customary base. The
// layout inside the block is vireo's; the FADT tells the guest where each register is.
inline constexpr uint16_t kAcpiPmBase = 0x600;
inline constexpr uint16_t kAcpiPm1aEvent = kAcpiPmBase + 0x0;   // PM1a_EVT_BLK, 4 bytes
inline constexpr uint16_t kAcpiPm1aControl = kAcpiPmBase + 0x4; // PM1a_CNT_BLK, 2 bytes
inline constexpr uint16_t kAcpiPmTimer = kAcpiPmBase + 0x8;     // PM_TMR_BLK, 4 bytes
inline constexpr uint16_t kAcpiGpe0 = kAcpiPmBase + 0xc;        // GPE0_BLK, 4 bytes
inline constexpr uint16_t kAcpiReset = kAcpiPmBase + 0x10;      // RESET_REG, 1 byte
inline constexpr uint16_t kAcpiPmSize = 0x20;
inline constexpr uint8_t kAcpiResetValue = 0x1;
// The sleep type vireo's DSDT gives \_S5 (soft off); writing it with SLP_EN powers off.
inline constexpr uint8_t kAcpiS5SleepType = 0x5;

// ISA interrupt lines (IBM PC/AT assignments) and their global system interrupts.
inline constexpr uint32_t kPitIrq = 0; // routed to IOAPIC pin 2 by a MADT override
inline constexpr uint32_t kCom1Irq = 4;
inline constexpr uint32_t kRtcIrq = 8;
inline constexpr uint32_t kAcpiSciIrq = 9; // level-triggered, active high (MADT override)
inline constexpr uint32_t kIoApicPins = 24;

// The largest guest RAM vireo accepts (documented in the README's limits table).
inline constexpr uint64_t kMaxRamBytes = 1ULL << 40;
inline constexpr unsigned kMaxVcpus = 64;

} // namespace vireo::pc
