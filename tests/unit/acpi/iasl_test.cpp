// ACPICA's own tools as a second opinion: iasl (Debian package acpica-tools) must disassemble
// every table without complaint, and recompiling the disassembled DSDT must give back the
// same AML. Skipped, with the reason printed, where iasl is not installed.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "fixtures.h"

namespace vireo::acpi {
namespace {

using namespace testing;
namespace fs = std::filesystem;

struct Command {
    int status;
    std::string output;
};

Command run(std::string const& command) {
    Command result{-1, {}};
    FILE* pipe = popen((command + " 2>&1").c_str(), "r");
    if (pipe == nullptr)
        return result;
    char chunk[4096];
    while (size_t n = fread(chunk, 1, sizeof(chunk), pipe))
        result.output.append(chunk, n);
    result.status = pclose(pipe);
    return result;
}

std::string read_file(fs::path const& path) {
    std::error_code error;
    auto const size = fs::file_size(path, error);
    if (error)
        return {};
    std::string data(size, '\0');
    std::ifstream(path, std::ios::binary).read(data.data(), static_cast<long>(size));
    return data;
}

class Iasl : public ::testing::Test {
protected:
    void SetUp() override {
        if (run("command -v iasl").status != 0)
            GTEST_SKIP() << "iasl is not installed (apt-get install acpica-tools)";
        char pattern[] = "/tmp/vireo-acpi-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        if (!dir_.empty())
            fs::remove_all(dir_);
    }

    fs::path write(std::string const& name, std::span<uint8_t const> bytes) const {
        fs::path const path = dir_ / name;
        std::ofstream(path, std::ios::binary)
            .write(reinterpret_cast<char const*>(bytes.data()), static_cast<long>(bytes.size()));
        return path;
    }

    // Disassembles one table and returns the listing, failing on any complaint.
    std::string disassemble(std::string const& name, std::span<uint8_t const> bytes) const {
        fs::path const path = write(name + ".dat", bytes);
        auto const result = run("cd " + dir_.string() + " && iasl -d " + path.string());
        EXPECT_EQ(result.status, 0) << result.output;
        std::string const listing = read_file(fs::path(path).replace_extension(".dsl"));
        for (char const* complaint : {"Error", "Warning", "Incorrect", "Invalid", "Unknown"}) {
            EXPECT_EQ(result.output.find(complaint), std::string::npos) << result.output;
            EXPECT_EQ(listing.find(complaint), std::string::npos) << name << ":\n" << listing;
        }
        EXPECT_FALSE(listing.empty()) << name;
        return listing;
    }

    fs::path dir_;
};

TEST_F(Iasl, DisassemblesEveryTableCleanly) {
    auto const blob = build_or_fail(pci_config(4));
    auto const set = walk_tables(GuestImage(blob));
    ASSERT_TRUE(set) << set.error().message();
    for (auto const& [signature, table] : set->tables)
        disassemble(signature, table.bytes);
    disassemble("XSDT", set->xsdt.bytes);
    disassemble("FACS", set->facs);
    std::string const dsdt = disassemble("DSDT", set->tables.at("DSDT").bytes);
    for (char const* name : {"_S5", "COM1", "PCI0", "_PRT", "_OSC", "MBRD", "PNP0A08"})
        EXPECT_NE(dsdt.find(name), std::string::npos) << name;
}

// iasl writes 0 in End Tag checksums where vireo computes one; everything else must match.
bool same_aml_but_end_tag_checksums(std::string const& ours, std::string const& theirs) {
    if (ours.size() != theirs.size())
        return false;
    constexpr char kEndTag = 0x79;
    for (size_t i = 0; i < ours.size(); ++i) {
        bool const end_tag_checksum =
            i > 0 && ours[i - 1] == kEndTag && theirs[i - 1] == kEndTag && theirs[i] == 0;
        if (ours[i] != theirs[i] && !end_tag_checksum)
            return false;
    }
    return true;
}

TEST_F(Iasl, RecompiledDsdtIsTheSameAml) {
    constexpr size_t kHeader = 36;
    auto const blob = build_or_fail(pci_config(2));
    auto const set = walk_tables(GuestImage(blob));
    ASSERT_TRUE(set) << set.error().message();
    auto const dsdt = set->tables.at("DSDT").bytes;
    disassemble("DSDT", dsdt);
    auto const result = run("cd " + dir_.string() + " && iasl -p recompiled DSDT.dsl");
    ASSERT_EQ(result.status, 0) << result.output;
    EXPECT_NE(result.output.find("0 Errors, 0 Warnings"), std::string::npos) << result.output;
    std::string const theirs = read_file(dir_ / "recompiled.aml");
    ASSERT_GT(theirs.size(), kHeader);
    std::string const ours(dsdt.begin() + kHeader, dsdt.end());
    EXPECT_TRUE(same_aml_but_end_tag_checksums(ours, theirs.substr(kHeader)))
        << "vireo's AML differs from iasl's for the same ASL; see " << dir_;
}

} // namespace
} // namespace vireo::acpi
