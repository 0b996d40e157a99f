// The native run: a program executed by the host CPU in a forked, sandboxed child.
//
// The child maps the code, data and stack at the program's fixed addresses, installs handlers
// for the signals a fault raises (on an alternate stack, so the program's stack stays
// untouched), arms an alarm, enters seccomp strict mode (only read, write, exit and
// sigreturn remain) and jumps to the program with every register loaded. The program ends in
// a fault, normally its HLT (#GP at CPL3); the handler copies the registers, the FXSAVE image,
// the trap number, error code and faulting address from the signal frame, and the buffers,
// into a page shared with the parent, then exits.
#pragma once

#include "base/result.h"
#include "machine_state.h"

namespace vireo::difftest {

struct NativeShared;

class NativeRunner {
public:
    static Result<NativeRunner> create();
    NativeRunner(NativeRunner&& other) noexcept
        : shared_(other.shared_) {
        other.shared_ = nullptr;
    }
    NativeRunner(NativeRunner const&) = delete;
    NativeRunner& operator=(NativeRunner const&) = delete;
    NativeRunner& operator=(NativeRunner&&) = delete;
    ~NativeRunner();

    Outcome run(Program const& program);

private:
    explicit NativeRunner(NativeShared* shared)
        : shared_(shared) {}
    NativeShared* shared_;
};

} // namespace vireo::difftest
