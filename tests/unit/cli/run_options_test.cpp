#include <fstream>

#include <gtest/gtest.h>

#include "cli/run_command.h"
#include "x86/pc_layout.h"

namespace vireo::cli {
namespace {

// Parses `vireo run ARGS...` the way main() does.
Result<VmConfig> parse(std::vector<std::string> args) {
    CLI::App app{"test"};
    RunOptions options;
    add_run_command(app, options);
    args.insert(args.begin(), "run");
    std::reverse(args.begin(), args.end()); // CLI11 takes the arguments reversed
    app.parse(args);
    return make_vm_config(options);
}

class RunOptionsTest : public ::testing::Test {
protected:
    void SetUp() override {
        kernel_ = ::testing::TempDir() + "/run_options_kernel";
        std::ofstream(kernel_) << "not really a kernel";
    }
    std::string kernel_;
};

TEST_F(RunOptionsTest, DefaultsMatchTheDocumentation) {
    auto config = parse({});
    ASSERT_TRUE(config) << config.error().message();
    EXPECT_TRUE(config->kernel.empty()); // the default guest
    EXPECT_EQ(config->cpus, 1U);
    EXPECT_EQ(config->memory_bytes, 512 * MiB);
    EXPECT_EQ(config->accel, AccelChoice::Auto);
    EXPECT_EQ(config->console, "stdio");
    EXPECT_EQ(config->on_reboot, OnReboot::Exit);
    EXPECT_FALSE(config->testdev);
    EXPECT_FALSE(config->cmdline.has_value());
}

TEST_F(RunOptionsTest, EveryOptionLandsInTheConfig) {
    auto config = parse({"--kernel", kernel_, "--initrd", kernel_, "--cmdline", "console=ttyS0",
                         "--cpus", "4", "--memory", "2G", "--accel", "emu", "--cpu", "host",
                         "--console", "file=/tmp/x", "--on-reboot", "restart", "--testdev"});
    ASSERT_TRUE(config) << config.error().message();
    EXPECT_EQ(config->kernel, kernel_);
    EXPECT_EQ(config->initrd, kernel_);
    EXPECT_EQ(config->cmdline, "console=ttyS0");
    EXPECT_EQ(config->cpus, 4U);
    EXPECT_EQ(config->memory_bytes, 2 * GiB);
    EXPECT_EQ(config->accel, AccelChoice::Emu);
    EXPECT_EQ(config->cpu_profile, "host");
    EXPECT_EQ(config->console, "file=/tmp/x");
    EXPECT_EQ(config->on_reboot, OnReboot::Restart);
    EXPECT_TRUE(config->testdev);
}

TEST_F(RunOptionsTest, PlainMemoryNumberIsMebibytes) {
    auto config = parse({"--memory", "768"});
    ASSERT_TRUE(config);
    EXPECT_EQ(config->memory_bytes, 768 * MiB);
}

// Each bad value is refused with a message that names the option.
TEST_F(RunOptionsTest, BadValuesNameTheOption) {
    struct Case {
        std::vector<std::string> args;
        std::string mentions;
    };
    std::vector<Case> const cases = {
        {{"--cpus", "0"}, "--cpus"},
        {{"--cpus", std::to_string(pc::kMaxVcpus + 1)}, "--cpus"},
        {{"--memory", "12X"}, "--memory"},
        {{"--memory", "1M"}, "--memory"},
        {{"--memory", "100000G"}, "--memory"},
        {{"--accel", "hvf"}, "--accel"},
        {{"--cpu", "skylake"}, "--cpu"},
        {{"--on-reboot", "halt"}, "--on-reboot"},
        {{"--kernel", "/nonexistent/bzImage"}, "/nonexistent/bzImage"},
        {{"--initrd", "/nonexistent/initrd"}, "--initrd"},
        {{"--trace", "nonsense"}, "nonsense"},
    };
    for (auto const& c : cases) {
        auto config = parse(c.args);
        ASSERT_FALSE(config) << c.args.front() << " " << c.args.back();
        EXPECT_NE(config.error().message().find(c.mentions), std::string::npos)
            << config.error().message();
        EXPECT_EQ(config.error().message().find('\n'), std::string::npos) << "one line";
    }
}

TEST_F(RunOptionsTest, UnknownOptionIsAParseError) {
    EXPECT_THROW(parse({"--frobnicate"}), CLI::ParseError);
    EXPECT_THROW(parse({"--cpus", "two"}), CLI::ParseError);
}

} // namespace
} // namespace vireo::cli
