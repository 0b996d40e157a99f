#include <string>

#include <gtest/gtest.h>

#include "chardev/byte_ring.h"
#include "helpers.h"

namespace vireo {
namespace {

std::string drain(ByteRing& ring) {
    std::string out;
    while (!ring.empty()) {
        auto chunk = ring.front();
        out.append(reinterpret_cast<char const*>(chunk.data()), chunk.size());
        ring.consume(chunk.size());
    }
    return out;
}

TEST(ByteRing, KeepsOrderAcrossTheWrap) {
    ByteRing ring(8);
    EXPECT_EQ(ring.push(test::bytes_of("abcdef")), 0U);
    ring.consume(4);
    EXPECT_EQ(ring.push(test::bytes_of("ghijk")), 0U); // wraps
    EXPECT_EQ(ring.size(), 7U);
    EXPECT_EQ(drain(ring), "efghijk");
}

TEST(ByteRing, OverflowDropsTheOldest) {
    ByteRing ring(8);
    ring.push(test::bytes_of("abcdef"));
    EXPECT_EQ(ring.push(test::bytes_of("ghij")), 2U);
    EXPECT_EQ(drain(ring), "cdefghij");
}

TEST(ByteRing, PushLargerThanCapacityKeepsItsTail) {
    ByteRing ring(4);
    ring.push(test::bytes_of("xy"));
    EXPECT_EQ(ring.push(test::bytes_of("0123456789")), 8U);
    EXPECT_EQ(drain(ring), "6789");
}

} // namespace
} // namespace vireo
