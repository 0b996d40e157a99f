// The DSDT's namespace decoded: \_S5, COM1, the PCI host bridge and its _OSC.
#include <gtest/gtest.h>

#include "aml_eval.h"
#include "aml_reader.h"
#include "fixtures.h"
#include "resource_reader.h"

namespace vireo::acpi {
namespace {

using namespace testing;

class Dsdt : public ::testing::Test {
protected:
    void load(AcpiConfig const& config) {
        config_ = config;
        blob_ = build_or_fail(config);
        auto set = walk_tables(GuestImage(blob_));
        ASSERT_TRUE(set) << set.error().message();
        set_ = std::move(*set);
        auto terms = parse_aml(set_.tables.at("DSDT").bytes.subspan(36));
        ASSERT_TRUE(terms) << terms.error().message();
        terms_ = std::move(*terms);
        auto names = build_namespace(terms_);
        ASSERT_TRUE(names) << names.error().message();
        names_ = std::move(*names);
    }

    Term const& object(std::string const& path) const {
        static Term const missing{};
        auto const found = names_.find(path);
        if (found != names_.end())
            return *found->second;
        ADD_FAILURE() << path << " is not in the namespace";
        return missing;
    }
    uint64_t integer(std::string const& path) const {
        EXPECT_EQ(object(path).kind, Term::Kind::Integer) << path;
        return object(path).value;
    }
    std::string eisa_id(std::string const& path) const {
        return decode_eisa_id(static_cast<uint32_t>(integer(path)));
    }
    std::vector<Descriptor> resources(std::string const& path) const {
        EXPECT_EQ(object(path).kind, Term::Kind::Buffer) << path;
        auto decoded = decode_resources(object(path).data);
        EXPECT_TRUE(decoded) << path << ": " << decoded.error().message();
        return decoded ? *decoded : std::vector<Descriptor>{};
    }

    AcpiConfig config_;
    AcpiBlob blob_;
    TableSet set_;
    std::vector<Term> terms_;
    Namespace names_;
};

TEST_F(Dsdt, SoftOffPackageGivesTheS5SleepType) {
    load(legacy_config());
    Term const& s5 = object("\\_S5_");
    ASSERT_EQ(s5.kind, Term::Kind::Package);
    ASSERT_EQ(s5.children.size(), 4U);
    EXPECT_EQ(s5.value, 4U); // NumElements
    EXPECT_EQ(s5.children[0].value, pc::kAcpiS5SleepType);
    EXPECT_EQ(s5.children[1].value, pc::kAcpiS5SleepType);
    EXPECT_EQ(s5.children[2].value, 0U);
    EXPECT_EQ(s5.children[3].value, 0U);
}

TEST_F(Dsdt, Com1IsA16550AtItsPcPortAndIrq) {
    load(legacy_config());
    EXPECT_EQ(eisa_id("\\_SB_.COM1._HID"), "PNP0501");
    EXPECT_EQ(integer("\\_SB_.COM1._UID"), 1U);
    auto const crs = resources("\\_SB_.COM1._CRS");
    ASSERT_EQ(crs.size(), 2U);
    auto const& io = std::get<IoPort>(crs[0]);
    EXPECT_EQ(io.min, pc::kCom1Port);
    EXPECT_EQ(io.max, pc::kCom1Port);
    EXPECT_EQ(io.length, 8);
    EXPECT_EQ(std::get<IrqNoFlags>(crs[1]).mask, 1U << pc::kCom1Irq);
}

TEST_F(Dsdt, OptionalDevicesAreLeftOut) {
    AcpiConfig config = legacy_config();
    config.com1 = false;
    load(config);
    EXPECT_FALSE(names_.contains("\\_SB_.COM1"));
    EXPECT_FALSE(names_.contains("\\_SB_.PCI0"));
    EXPECT_FALSE(names_.contains("\\_SB_.MBRD"));
    EXPECT_TRUE(names_.contains("\\_S5_"));
}

TEST_F(Dsdt, HostBridgeIdentity) {
    AcpiConfig config = pci_config();
    config.pci->bus_start = 0;
    load(config);
    EXPECT_EQ(eisa_id("\\_SB_.PCI0._HID"), "PNP0A08");
    EXPECT_EQ(eisa_id("\\_SB_.PCI0._CID"), "PNP0A03");
    EXPECT_EQ(integer("\\_SB_.PCI0._SEG"), 0U);
    EXPECT_EQ(integer("\\_SB_.PCI0._BBN"), config.pci->bus_start);
    EXPECT_EQ(integer("\\_SB_.PCI0._UID"), 0U);
}

TEST_F(Dsdt, HostBridgeWindows) {
    load(pci_config());
    auto const& pci = *config_.pci;
    auto const crs = resources("\\_SB_.PCI0._CRS");
    ASSERT_EQ(crs.size(), 5U);
    auto const& buses = std::get<AddressSpace>(crs[0]);
    EXPECT_EQ(buses.resource_type, 2);
    EXPECT_EQ(buses.min, pci.bus_start);
    EXPECT_EQ(buses.max, pci.bus_end);
    auto const& config_ports = std::get<IoPort>(crs[1]);
    EXPECT_EQ(config_ports.min, 0xcf8);
    EXPECT_EQ(config_ports.length, 8);
    auto const& io = std::get<AddressSpace>(crs[2]);
    EXPECT_EQ(io.resource_type, 1);
    EXPECT_EQ(io.min, pci.io_base);
    EXPECT_EQ(io.length, pci.io_size);
    auto const& mmio32 = std::get<AddressSpace>(crs[3]);
    EXPECT_EQ(mmio32.field_width, 4U);
    EXPECT_EQ(mmio32.min, pci.mmio32_base);
    EXPECT_EQ(mmio32.length, pci.mmio32_size);
    auto const& mmio64 = std::get<AddressSpace>(crs[4]);
    EXPECT_EQ(mmio64.field_width, 8U);
    EXPECT_EQ(mmio64.min, pci.mmio64_base);
    EXPECT_EQ(mmio64.max, pci.mmio64_base + pci.mmio64_size - 1);
    for (size_t i : {0UL, 2UL, 3UL, 4UL})
        EXPECT_EQ(std::get<AddressSpace>(crs[i]).general_flags & 1, 0) << "a producer window";
}

TEST_F(Dsdt, EmptyWindowsAreLeftOut) {
    AcpiConfig config = pci_config();
    config.pci->io_size = 0;
    config.pci->mmio64_size = 0;
    load(config);
    EXPECT_EQ(resources("\\_SB_.PCI0._CRS").size(), 3U);
}

TEST_F(Dsdt, RoutingTableMapsEverySlotPin) {
    load(pci_config());
    Term const& prt = object("\\_SB_.PCI0._PRT");
    auto const& slots = config_.pci->slot_gsis;
    ASSERT_EQ(prt.children.size(), slots.size() * 4);
    EXPECT_EQ(prt.value, prt.children.size());
    for (size_t i = 0; i < prt.children.size(); ++i) {
        auto const& entry = prt.children[i].children;
        ASSERT_EQ(entry.size(), 4U);
        uint64_t const slot = entry[0].value >> 16;
        ASSERT_LT(slot, slots.size());
        EXPECT_EQ(entry[0].value & 0xffff, 0xffffU) << "all functions";
        ASSERT_LT(entry[1].value, 4U);
        EXPECT_EQ(entry[2].kind, Term::Kind::Integer) << "Source 0: a GSI, no link device";
        EXPECT_EQ(entry[2].value, 0U);
        EXPECT_EQ(entry[3].value, slots[slot][entry[1].value]);
    }
}

std::vector<uint8_t> osc_capabilities(uint32_t dword1, uint32_t support, uint32_t control) {
    std::vector<uint8_t> buffer;
    for (uint32_t dword : {dword1, support, control})
        for (unsigned i = 0; i < 4; ++i)
            buffer.push_back(static_cast<uint8_t>(dword >> (8 * i)));
    return buffer;
}

TEST_F(Dsdt, OscGrantsEveryPciControlAndRefusesOtherUuids) {
    load(pci_config());
    Term const& osc = object("\\_SB_.PCI0._OSC");
    // PCI Firmware Specification 3.2 4.5: the host bridge UUID, revision 1.
    std::vector<uint8_t> const pci_uuid{0x5b, 0x4d, 0xdb, 0x33, 0xf7, 0x1f, 0x1c, 0x40,
                                        0x96, 0x57, 0x74, 0x41, 0xc0, 0x3d, 0xd7, 0x66};
    auto const asked = osc_capabilities(0, 0x1f, 0x1d);
    auto const granted =
        run_method(osc, {Value::of(pci_uuid), Value::of(1), Value::of(3), Value::of(asked)});
    ASSERT_TRUE(granted) << granted.error().message();
    EXPECT_EQ(*granted, Value::of(asked));

    auto other_uuid = pci_uuid;
    other_uuid[0] ^= 0xff;
    auto const refused =
        run_method(osc, {Value::of(other_uuid), Value::of(1), Value::of(3), Value::of(asked)});
    ASSERT_TRUE(refused) << refused.error().message();
    EXPECT_EQ(*refused, Value::of(osc_capabilities(1U << 2, 0x1f, 0x1d)));
}

TEST_F(Dsdt, EcamIsReservedAsAMotherboardResourceAndMatchesMcfg) {
    AcpiConfig config = pci_config();
    config.pci->bus_start = 0x10;
    config.pci->bus_end = 0x1f;
    load(config);
    EXPECT_EQ(eisa_id("\\_SB_.MBRD._HID"), "PNP0C02");
    auto const crs = resources("\\_SB_.MBRD._CRS");
    ASSERT_EQ(crs.size(), 1U);
    auto const& reserved = std::get<FixedMemory32>(crs[0]);
    auto const mcfg = set_.tables.at("MCFG").bytes;
    ASSERT_EQ(mcfg.size(), 44U + 16);
    uint64_t const base = field(mcfg, 44, 8);
    EXPECT_EQ(base, config.pci->ecam_base);
    EXPECT_EQ(field(mcfg, 52, 2), 0U); // segment
    EXPECT_EQ(mcfg[54], 0x10);
    EXPECT_EQ(mcfg[55], 0x1f);
    // Linux's check: the ECAM of buses start..end lies inside a reserved range.
    uint64_t const first = base + (uint64_t{mcfg[54]} << 20);
    uint64_t const end = base + ((uint64_t{mcfg[55]} + 1) << 20);
    EXPECT_LE(reserved.base, first);
    EXPECT_GE(uint64_t{reserved.base} + reserved.length, end);
}

void expect_shortest_integers(std::vector<Term> const& terms) {
    for (auto const& term : terms) {
        if (term.kind == Term::Kind::Integer) {
            size_t const shortest = term.value <= 1            ? 1
                                    : term.value <= 0xff       ? 2
                                    : term.value <= 0xffff     ? 3
                                    : term.value <= 0xffffffff ? 5
                                                               : 9;
            EXPECT_EQ(term.encoded_size, shortest) << std::hex << term.value;
        }
        expect_shortest_integers(term.children);
    }
}

TEST_F(Dsdt, EveryIntegerUsesItsShortestEncoding) {
    load(pci_config());
    expect_shortest_integers(terms_);
}

} // namespace
} // namespace vireo::acpi
