#include <gtest/gtest.h>

#include "base/result.h"

namespace vireo {
namespace {

Result<int> half(int value) {
    if (value % 2 != 0)
        return make_error("{} is odd", value);
    return value / 2;
}

Result<int> quarter(int value) {
    int const h = TRY(half(value));
    return TRY_CONTEXT(half(h), "second halving");
}

Result<void> check_even(int value) {
    TRY(half(value));
    return {};
}

TEST(Result, TryPropagatesValueAndError) {
    EXPECT_EQ(*quarter(8), 2);
    ASSERT_FALSE(quarter(3));
    EXPECT_EQ(quarter(3).error().message(), "3 is odd");
    ASSERT_FALSE(quarter(6));
    EXPECT_EQ(quarter(6).error().message(), "second halving: 3 is odd");
}

TEST(Result, TryWorksOnVoidResults) {
    EXPECT_TRUE(check_even(2));
    EXPECT_FALSE(check_even(1));
}

TEST(Result, ErrnoMessageNamesTheCause) {
    errno = ENOENT;
    auto error = Error::from_errno("opening {}", "/nope");
    EXPECT_EQ(error.message(), "opening /nope: No such file or directory");
}

} // namespace
} // namespace vireo
