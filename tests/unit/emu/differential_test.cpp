// The bounded differential run: random instructions on the host CPU and in the emulator
// must agree. A long run: VIREO_EMU_DIFF_CASES=1000000 build/tests/unit/emu/vireo_emu_test
// --gtest_filter='Differential*'.
#include <cstdlib>
#include <cstring>

#include <gtest/gtest.h>

#include "differential.h"

namespace vireo::emu::test {
namespace {

TEST(Differential, RandomInstructionsMatchTheHostCpu) {
    size_t count = 20000;
    if (char const* env = std::getenv("VIREO_EMU_DIFF_CASES"))
        count = std::strtoull(env, nullptr, 10);
    std::mt19937_64 rng(std::getenv("VIREO_EMU_DIFF_SEED")
                            ? std::strtoull(std::getenv("VIREO_EMU_DIFF_SEED"), nullptr, 10)
                            : 1);
    std::vector<DiffCase> cases;
    for (size_t i = 0; i < count; ++i)
        cases.push_back(random_case(rng));
    std::vector<DiffResult> native;
    ASSERT_TRUE(run_native(cases, native)) << "the native runner failed";
    // The native side really ran: most instructions change a register or a flag.
    size_t changed = 0;
    for (size_t i = 0; i < cases.size(); ++i)
        changed += std::memcmp(native[i].regs, cases[i].regs, sizeof(cases[i].regs)) != 0 ||
                   native[i].flags != cases[i].flags;
    EXPECT_GT(changed, cases.size() / 2);
    size_t divergences = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
        std::string const difference = compare(cases[i], native[i], run_emulated(cases[i]));
        if (!difference.empty() && ++divergences <= 20)
            ADD_FAILURE() << difference;
    }
    std::printf("differential: %zu cases, %zu divergences\n", cases.size(), divergences);
    EXPECT_EQ(divergences, 0u);
}

} // namespace
} // namespace vireo::emu::test
