#include "sse_native.h"

#include <cstring>
#include <stdexcept>

#include <sys/mman.h>

#include <fmt/format.h>

#include "emu/decoder.h"

namespace vireo::emu::test {

namespace {

// The block the native stub loads from and stores to (offsets are used by the asm below).
struct alignas(64) NativeFrame {
    FxsaveArea fpu;  // 0
    uint64_t rax;    // 512
    uint64_t rcx;    // 520
    uint64_t rdx;    // 528
    uint64_t rsi;    // 536
    uint64_t rdi;    // 544
    uint64_t rflags; // 552
};
static_assert(offsetof(NativeFrame, rax) == 512 && offsetof(NativeFrame, rflags) == 552);

// An executable copy of `code` followed by RET.
class Executable {
public:
    explicit Executable(std::vector<uint8_t> const& code) {
        void* page = mmap(nullptr, kSize, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED)
            throw std::runtime_error("mmap of an executable page failed");
        page_ = static_cast<uint8_t*>(page);
        std::memcpy(page_, code.data(), code.size());
        page_[code.size()] = 0xc3; // ret
    }
    ~Executable() { munmap(page_, kSize); }
    Executable(Executable const&) = delete;
    Executable& operator=(Executable const&) = delete;
    void const* entry() const { return page_; }

private:
    static constexpr size_t kSize = 4096;
    uint8_t* page_ = nullptr;
};

// Loads the frame into the processor, calls the code, stores the processor back. The host's
// own x87/SSE state is saved around it; 128 bytes are skipped below RSP so that the call
// does not overwrite the compiler's red zone.
void execute(NativeFrame& frame, void const* code) {
    alignas(16) FxsaveArea host;
    asm volatile("fxsave64 %[host]\n\t"
                 "sub $128, %%rsp\n\t"
                 "fxrstor64 (%%rbx)\n\t"
                 "mov 512(%%rbx), %%rax\n\t"
                 "mov 520(%%rbx), %%rcx\n\t"
                 "mov 528(%%rbx), %%rdx\n\t"
                 "mov 536(%%rbx), %%rsi\n\t"
                 "mov 544(%%rbx), %%rdi\n\t"
                 "pushq 552(%%rbx)\n\t"
                 "popfq\n\t"
                 "call *%[code]\n\t"
                 "pushfq\n\t"
                 "popq 552(%%rbx)\n\t"
                 "mov %%rax, 512(%%rbx)\n\t"
                 "mov %%rcx, 520(%%rbx)\n\t"
                 "mov %%rdx, 528(%%rbx)\n\t"
                 "fxsave64 (%%rbx)\n\t"
                 "fninit\n\t"
                 "add $128, %%rsp\n\t"
                 "fxrstor64 %[host]"
                 : [host] "=m"(host)
                 : "b"(&frame), [code] "r"(code)
                 : "rax", "rcx", "rdx", "rsi", "rdi", "memory", "cc");
}

} // namespace

SimdState run_native(std::vector<uint8_t> const& code, SimdState const& state) {
    Executable const executable(code);
    SimdState out = state;
    NativeFrame frame{};
    frame.fpu = state.fpu;
    frame.rax = state.rax;
    frame.rcx = state.rcx;
    frame.rdx = state.rdx;
    frame.rsi = reinterpret_cast<uint64_t>(out.data.data());
    frame.rdi = frame.rsi;
    // Only arithmetic flags: TF would trap, AC would check alignment, IF is fixed at CPL 3.
    frame.rflags = (state.flags & kArithFlags) | x86::kFlagReserved1 | x86::kFlagIf;
    execute(frame, executable.entry());
    out.fpu = frame.fpu;
    out.rax = frame.rax;
    out.rcx = frame.rcx;
    out.rdx = frame.rdx;
    out.flags = frame.rflags & kArithFlags;
    return out;
}

void enable_sse(Harness& h) {
    h.cpu.cr4 |= x86::kCr4Osfxsr | x86::kCr4Osxmmexcpt;
}

EmulatedRun run_emulated(Harness& h, std::vector<uint8_t> const& code, SimdState const& state) {
    h.cpu.fpu = state.fpu;
    h.reg(x86::Gpr::Rax) = state.rax;
    h.reg(x86::Gpr::Rcx) = state.rcx;
    h.reg(x86::Gpr::Rdx) = state.rdx;
    h.reg(x86::Gpr::Rsi) = Harness::kDataAddress;
    h.reg(x86::Gpr::Rdi) = Harness::kDataAddress;
    h.cpu.flags.set_rflags((state.flags & kArithFlags) | x86::kFlagReserved1);
    h.load(Harness::kDataAddress, std::vector<uint8_t>(state.data.begin(), state.data.end()));
    EmulatedRun run{state, h.run(code)};
    run.state.fpu = h.cpu.fpu;
    run.state.rax = h.reg(x86::Gpr::Rax);
    run.state.rcx = h.reg(x86::Gpr::Rcx);
    run.state.rdx = h.reg(x86::Gpr::Rdx);
    run.state.flags = h.rflags() & kArithFlags;
    for (unsigned i = 0; i < run.state.data.size(); ++i)
        run.state.data[i] = h.read<uint8_t>(Harness::kDataAddress + i);
    return run;
}

std::string difference(SimdState const& expected, SimdState const& actual) {
    FxsaveArea const& e = expected.fpu;
    FxsaveArea const& a = actual.fpu;
    struct Field {
        char const* name;
        uint64_t expected;
        uint64_t actual;
    };
    Field const fields[] = {
        {"FCW", e.fcw, a.fcw},
        {"FSW", e.fsw, a.fsw},
        {"FTW", e.ftw, a.ftw},
        {"MXCSR", e.mxcsr, a.mxcsr},
        {"RAX", expected.rax, actual.rax},
        {"RCX", expected.rcx, actual.rcx},
        {"RDX", expected.rdx, actual.rdx},
        {"flags", expected.flags, actual.flags},
    };
    for (Field const& field : fields)
        if (field.expected != field.actual)
            return fmt::format("{} {:#x} (host) vs {:#x}", field.name, field.expected,
                               field.actual);
    for (unsigned i = 0; i < 8; ++i)
        if (e.st[i].lo != a.st[i].lo || (e.st[i].hi & 0xffff) != (a.st[i].hi & 0xffff))
            return fmt::format("ST{} {:04x}:{:016x} (host) vs {:04x}:{:016x}", i,
                               e.st[i].hi & 0xffff, e.st[i].lo, a.st[i].hi & 0xffff, a.st[i].lo);
    for (unsigned i = 0; i < 16; ++i)
        if (e.xmm[i].lo != a.xmm[i].lo || e.xmm[i].hi != a.xmm[i].hi)
            return fmt::format("XMM{} {:016x}:{:016x} (host) vs {:016x}:{:016x}", i, e.xmm[i].hi,
                               e.xmm[i].lo, a.xmm[i].hi, a.xmm[i].lo);
    for (unsigned i = 0; i < expected.data.size(); ++i)
        if (expected.data[i] != actual.data[i])
            return fmt::format("data[{}] {:#x} (host) vs {:#x}", i, expected.data[i],
                               actual.data[i]);
    return "";
}

std::string disassembly(std::vector<uint8_t> const& code) {
    return disassemble(CodeMode::Bits64, code.data(), code.size(), 0);
}

std::string compare_with_host(Harness& h, std::vector<uint8_t> const& code,
                              SimdState const& state) {
    SimdState const native = run_native(code, state);
    enable_sse(h);
    EmulatedRun const emulated = run_emulated(h, code, state);
    if (emulated.result.status != ExecStatus::Halted)
        return disassembly(code) +
               fmt::format(": emulator stopped with vector {}", emulated.result.fault.vector);
    std::string const diff = difference(native, emulated.state);
    return diff.empty() ? "" : disassembly(code) + ": " + diff;
}

void set_st(SimdState& state, unsigned i, long double value) {
    std::memcpy(reinterpret_cast<uint8_t*>(&state.fpu.st[i]), &value, 10);
}

long double get_st(SimdState const& state, unsigned i) {
    long double value = 0;
    std::memcpy(&value, reinterpret_cast<uint8_t const*>(&state.fpu.st[i]), 10);
    return value;
}

} // namespace vireo::emu::test
