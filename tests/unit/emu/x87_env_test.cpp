// FNSTENV, FLDENV, FNSAVE and FRSTOR against the host processor, in the 28/108-byte and (with
// an operand-size prefix) 14/94-byte layouts. The instruction and operand pointer fields hold
// host addresses natively; vireo stores its own, so they are blanked before comparing.
#include <gtest/gtest.h>

#include "x87_values.h"

namespace vireo::emu::test {
namespace {

struct Case {
    std::vector<uint8_t> code;
    char const* text;
    unsigned pointers_begin; // the FIP/FCS/FOP/FDP/FDS bytes of the stored image
    unsigned pointers_end;
};

Case const kStores[] = {
    {{0xd9, 0x36}, "fnstenv [rsi]", 12, 28},
    {{0x66, 0xd9, 0x36}, "fnstenv [rsi]", 6, 14},
    {{0xdd, 0x36}, "fnsave [rsi]", 12, 28},
    {{0x66, 0xdd, 0x36}, "fnsave [rsi]", 6, 14},
};

void blank(SimdState& state, Case const& store) {
    std::fill(state.data.begin() + store.pointers_begin, state.data.begin() + store.pointers_end,
              0);
}

TEST(X87Env, StoresMatchHost) {
    Harness h;
    X87Values values(7);
    for (Case const& store : kStores) {
        ASSERT_EQ(disassembly(store.code), store.text);
        for (uint16_t const control : kControlWords)
            for (unsigned round = 0; round < 8; ++round) {
                SimdState const state = values.state(control);
                SimdState native = run_native(store.code, state);
                enable_sse(h);
                EmulatedRun emulated = run_emulated(h, store.code, state);
                ASSERT_EQ(emulated.result.status, ExecStatus::Halted);
                blank(native, store);
                blank(emulated.state, store);
                ASSERT_EQ(difference(native, emulated.state), "") << store.text << " " << round;
            }
    }
}

// The loaded images come from a store of another random state, so that their tags and
// values are consistent, with random control and status words on top.
TEST(X87Env, LoadsMatchHost) {
    Harness h;
    X87Values values(11);
    Case const loads[] = {
        {{0xd9, 0x26}, "fldenv [rsi]", 0, 0},
        {{0x66, 0xd9, 0x26}, "fldenv [rsi]", 0, 0},
        {{0xdd, 0x26}, "frstor [rsi]", 0, 0},
        {{0x66, 0xdd, 0x26}, "frstor [rsi]", 0, 0},
    };
    for (unsigned i = 0; i < std::size(loads); ++i) {
        ASSERT_EQ(disassembly(loads[i].code), loads[i].text);
        for (unsigned round = 0; round < 24; ++round) {
            SimdState const image = run_native(kStores[i].code, values.state(0x037f));
            SimdState state = values.state(0x037f);
            state.data = image.data;
            // Control and status words at offset 0 and 4 (2 in the 16-bit layouts).
            uint16_t const control = kControlWords[round % std::size(kControlWords)];
            uint16_t const status = static_cast<uint16_t>(values.value().significand);
            bool const small = loads[i].code[0] == 0x66;
            std::memcpy(state.data.data(), &control, 2);
            std::memcpy(state.data.data() + (small ? 2 : 4), &status, 2);
            ASSERT_EQ(compare_with_host(h, loads[i].code, state), "") << round;
        }
    }
}

// FNINIT, FNCLEX, FLDCW, FNSTCW, FNSTSW and FWAIT (some of them exec_fpu_state.cpp's).
TEST(X87Env, ControlInstructionsMatchHost) {
    Harness h;
    X87Values values(13);
    Case const controls[] = {
        {{0xdb, 0xe3}, "fninit", 0, 0},
        {{0xdb, 0xe2}, "fnclex", 0, 0},
        {{0xd9, 0x2e}, "fldcw [rsi]", 0, 0},
        {{0xd9, 0x3e}, "fnstcw [rsi]", 0, 0},
        {{0xdd, 0x3e}, "fnstsw [rsi]", 0, 0},
        {{0xdf, 0xe0}, "fnstsw ax", 0, 0},
        {{0x9b}, "fwait", 0, 0},
    };
    for (Case const& control : controls) {
        ASSERT_EQ(disassembly(control.code), control.text);
        for (uint16_t const word : kControlWords)
            for (unsigned round = 0; round < 4; ++round) {
                SimdState state = values.state(word);
                uint16_t const loaded = kControlWords[round * 3 % std::size(kControlWords)];
                std::memcpy(state.data.data(), &loaded, 2);
                ASSERT_EQ(compare_with_host(h, control.code, state), "") << round;
            }
    }
}

// FNSTENV masks every exception after storing; FNSAVE then also reinitializes.
TEST(X87Env, StoresLeaveTheDocumentedState) {
    Harness h;
    SimdState state;
    state.fpu.fcw = 0x0360;
    state.fpu.fsw = 0x3800;
    state.fpu.ftw = 0x80;
    auto const env = run_emulated(h, {0xd9, 0x36}, state); // fnstenv [rsi]
    EXPECT_EQ(env.state.fpu.fcw, 0x037f);
    uint32_t tags = 0;
    std::memcpy(&tags, env.state.data.data() + 8, 4);
    // R7 (ST0, TOP 7) holds +0.0: tag 01 (zero); the rest are empty (11).
    EXPECT_EQ(tags, 0xffff0000U | 0x3fffU | (1U << 14));

    auto const save = run_emulated(h, {0xdd, 0x36}, state); // fnsave [rsi]
    EXPECT_EQ(save.state.fpu.fcw, 0x037f);
    EXPECT_EQ(save.state.fpu.fsw, 0);
    EXPECT_EQ(save.state.fpu.ftw, 0);
}

} // namespace
} // namespace vireo::emu::test
