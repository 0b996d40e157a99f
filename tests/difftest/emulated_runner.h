// The emulated run: the same program in vireo's emulator, at CPL3 in 64-bit mode with 4-level
// paging that identity-maps the code (user, read-only, executable), data and stack (user,
// writable, no-execute) pages and nothing else, so faults match the native child's.
//
// The emulator is driven through its internals (Cpu, BlockCache, execute()) with
// Cpu::stop_on_exception, the way its unit-test harness does, with a fresh Cpu and block
// cache per program so that one program never depends on another.
#pragma once

#include <memory>

#include "base/result.h"
#include "machine_state.h"

namespace vireo {
class GuestMemory;
}
namespace vireo::emu {
class CodePages;
}

namespace vireo::difftest {

// A deliberate defect applied to the emulator's result, to prove that the comparison finds
// differences (the self-test).
enum class Sabotage : uint8_t {
    None,
    Flag,     // flip one RFLAGS bit the comparison looks at
    Register, // add one to a general-purpose register
    Memory,   // flip a bit of a byte that the program stored
    Xmm,      // flip a bit of an XMM register
};

class EmulatedRunner {
public:
    static Result<std::unique_ptr<EmulatedRunner>> create();
    ~EmulatedRunner();
    EmulatedRunner(EmulatedRunner const&) = delete;
    EmulatedRunner& operator=(EmulatedRunner const&) = delete;

    Outcome run(Program const& program, Sabotage sabotage = Sabotage::None);

private:
    EmulatedRunner(std::unique_ptr<GuestMemory> memory, std::unique_ptr<emu::CodePages> pages);
    Result<void> build_page_tables();

    std::unique_ptr<GuestMemory> memory_;
    std::unique_ptr<emu::CodePages> code_pages_;
};

} // namespace vireo::difftest
