#include <gtest/gtest.h>

#include "devices/legacy/port_sink.h"
#include "fakes.h"

namespace vireo {
namespace {

TEST(PortSink, RemembersLastPostCodeAndReadsAllOnes) {
    PortSink sink("post");
    test::write_port(sink, 0, 0x2a);
    test::write_port(sink, 0, 0x55);
    EXPECT_EQ(sink.last_value(), 0x55);
    EXPECT_EQ(test::read_port(sink, 0), 0xffU);
    EXPECT_EQ(sink.name(), "post");
}

} // namespace
} // namespace vireo
