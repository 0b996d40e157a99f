// Fuzzes the control API's request handling (docs/api.md): what a client sends on the socket,
// cut into pieces as a stream socket may deliver it, split into lines and answered by the
// commands against a fake VM. Every line must get exactly one response: one line of JSON,
// an object holding either "return" or "error".
//
// Input: one byte choosing the size of the pieces (1..64 bytes), then the client's bytes.
#include <string>
#include <string_view>

#include "control/commands.h"
#include "control/line_splitter.h"
#include "control/protocol.h"
#include "fake_vm.h"
#include "fuzz_input.h"

namespace vireo::fuzz {
namespace {

// Shorter than the server's bound, so that the fuzzer reaches the overlong-line path.
constexpr size_t kMaxLine = 512;
constexpr size_t kMaxPiece = 64;

void check_response(std::string const& response) {
    check(response.find('\n') == std::string::npos, "a response spans lines");
    auto const parsed = control::Json::parse(response, nullptr, false);
    check(!parsed.is_discarded() && parsed.is_object(), "a response is not a JSON object");
    check(parsed.contains("return") != parsed.contains("error"),
          "a response needs exactly one of return and error");
}

} // namespace
} // namespace vireo::fuzz

extern "C" int LLVMFuzzerTestOneInput(uint8_t const* data, size_t size) {
    using namespace vireo;
    using namespace vireo::fuzz;
    FuzzInput input(data, size);
    size_t const piece = input.u8() % kMaxPiece + 1;
    auto const stream = input.rest();
    control::test::FakeVm vm;
    control::LineSplitter splitter(kMaxLine);
    for (size_t offset = 0; offset < stream.size(); offset += piece) {
        auto const part = stream.subspan(offset, std::min(piece, stream.size() - offset));
        std::string_view const text(reinterpret_cast<char const*>(part.data()), part.size());
        for (auto const& line : splitter.feed(text)) {
            check(line.text.size() <= kMaxLine, "a line longer than the bound");
            if (!line.too_long)
                check_response(control::handle_request_line(line.text, vm));
        }
    }
    return 0;
}
