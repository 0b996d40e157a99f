#include "differential.h"

#include <cstring>

#include <sys/mman.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <unistd.h>

#include "emu/flags.h"
#include "harness.h"

namespace vireo::emu::test {

namespace {

constexpr uint64_t CF = x86::kFlagCf, PF = x86::kFlagPf, AF = x86::kFlagAf, ZF = x86::kFlagZf,
                   SF = x86::kFlagSf, OF = x86::kFlagOf;
constexpr unsigned kSizes[] = {1, 2, 4, 8};

class Generator {
public:
    explicit Generator(std::mt19937_64& rng)
        : rng_(rng) {}

    unsigned below(unsigned n) { return static_cast<unsigned>(rng_() % n); }
    // Any register but RSP (the native runner needs its stack).
    unsigned reg() {
        unsigned r = below(15);
        return r >= 4 ? r + 1 : r;
    }
    unsigned size(unsigned from = 0) { return kSizes[from + below(4 - from)]; }

    // Emits prefixes, REX and opcode, and a register-direct ModRM. Byte operations always get
    // a REX prefix, so that registers 4-7 are SPL..DIL rather than AH..BH.
    void rr(std::vector<uint8_t>& out, unsigned size, std::initializer_list<uint8_t> opcode,
            unsigned reg_field, unsigned rm) {
        if (size == 2)
            out.push_back(0x66);
        uint8_t const rex =
            static_cast<uint8_t>(0x40 | (size == 8 ? 8 : 0) | ((reg_field >> 3) << 2) | (rm >> 3));
        if (rex != 0x40 || size == 1)
            out.push_back(rex);
        out.insert(out.end(), opcode);
        out.push_back(static_cast<uint8_t>(0xc0 | ((reg_field & 7) << 3) | (rm & 7)));
    }

private:
    std::mt19937_64& rng_;
};

uint64_t random_value(std::mt19937_64& rng) {
    // Mix in small and boundary values, where flags are most interesting.
    switch (rng() % 6) {
    case 0:
        return rng() % 4;
    case 1:
        return ~0ULL - rng() % 4;
    case 2:
        return 0x7fffffffffffffffULL + rng() % 3;
    case 3:
        return 0x80000000ULL - 1 + rng() % 3;
    case 4:
        return rng() % 256;
    default:
        return rng();
    }
}

// Fills in code and undefined flags for one random instruction.
void generate(Generator& g, DiffCase& c) {
    std::vector<uint8_t>& code = c.code;
    unsigned const family = g.below(12);
    switch (family) {
    case 0: { // ADD OR ADC SBB AND SUB XOR CMP r/m, r
        unsigned const op = g.below(8);
        unsigned const size = g.size();
        g.rr(code, size, {static_cast<uint8_t>(op * 8 + (size == 1 ? 0 : 1))}, g.reg(), g.reg());
        c.family = "alu rr";
        if (op == 1 || op == 4 || op == 6)
            c.undefined_flags = AF;
        break;
    }
    case 1: { // ALU r/m, imm8 (sign-extended)
        unsigned const op = g.below(8);
        unsigned const size = g.size();
        g.rr(code, size, {static_cast<uint8_t>(size == 1 ? 0x80 : 0x83)}, op, g.reg());
        code.push_back(static_cast<uint8_t>(g.below(256)));
        c.family = "alu imm";
        if (op == 1 || op == 4 || op == 6)
            c.undefined_flags = AF;
        break;
    }
    case 2: { // shifts and rotates by an immediate or by 1
        unsigned op = g.below(7);
        if (op == 6)
            op = 7; // /6 is an alias of SHL
        unsigned const size = g.size();
        unsigned const bits = size * 8;
        bool const by_one = g.below(3) == 0;
        unsigned const count = by_one ? 1 : g.below(40);
        g.rr(code, size,
             {static_cast<uint8_t>(by_one ? (size == 1 ? 0xd0 : 0xd1) : (size == 1 ? 0xc0 : 0xc1))},
             op, g.reg());
        if (!by_one)
            code.push_back(static_cast<uint8_t>(count));
        unsigned const masked = count & (size == 8 ? 63 : 31);
        c.family = fmt::format("shift /{} size {} count {}", op, size, count);
        if (masked == 0)
            break;
        c.undefined_flags = AF;
        if (masked != 1)
            c.undefined_flags |= OF;
        bool const rotate = op <= 3;
        if (!rotate && masked >= bits)
            c.undefined_flags |= CF | OF; // SHL/SHR/SAR beyond the width
        if (rotate)
            c.undefined_flags &= ~AF;
        break;
    }
    case 3: { // INC DEC NOT NEG
        unsigned const size = g.size();
        unsigned const op = g.below(4);
        if (op < 2)
            g.rr(code, size, {static_cast<uint8_t>(size == 1 ? 0xfe : 0xff)}, op, g.reg());
        else
            g.rr(code, size, {static_cast<uint8_t>(size == 1 ? 0xf6 : 0xf7)}, op, g.reg());
        c.family = "inc/dec/not/neg";
        break;
    }
    case 4: { // IMUL r, r/m and one-operand MUL/IMUL
        unsigned const size = g.size(1);
        if (g.below(2) == 0)
            g.rr(code, size, {0x0f, 0xaf}, g.reg(), g.reg());
        else
            g.rr(code, size, {0xf7}, 4 + g.below(2), g.reg());
        c.family = "mul/imul";
        c.undefined_flags = SF | ZF | AF | PF;
        break;
    }
    case 5: { // BT BTS BTR BTC r/m, r
        unsigned const size = g.size(1);
        static constexpr uint8_t kOps[] = {0xa3, 0xab, 0xb3, 0xbb};
        g.rr(code, size, {0x0f, kOps[g.below(4)]}, g.reg(), g.reg());
        c.family = "bt*";
        c.undefined_flags = OF | SF | AF | PF;
        break;
    }
    case 6: { // BSF BSR, with a non-zero source (a zero one leaves the destination undefined)
        unsigned const size = g.size(1);
        unsigned const src = g.reg();
        g.rr(code, size, {0x0f, static_cast<uint8_t>(0xbc + g.below(2))}, g.reg(), src);
        c.regs[src] |= 1ULL << g.below(size * 8);
        c.family = "bsf/bsr";
        c.undefined_flags = CF | OF | SF | AF | PF;
        break;
    }
    case 7: { // CMOVcc and SETcc
        unsigned const cc = g.below(16);
        if (g.below(2) == 0)
            g.rr(code, g.size(1), {0x0f, static_cast<uint8_t>(0x40 + cc)}, g.reg(), g.reg());
        else
            g.rr(code, 1, {0x0f, static_cast<uint8_t>(0x90 + cc)}, 0, g.reg());
        c.family = "cmov/setcc";
        break;
    }
    case 8: { // SHLD/SHRD by an immediate (16-bit counts above 16 are undefined: not made)
        unsigned const size = g.size(1);
        unsigned const count = g.below(size == 2 ? 17 : 64);
        g.rr(code, size, {0x0f, static_cast<uint8_t>(g.below(2) == 0 ? 0xa4 : 0xac)}, g.reg(),
             g.reg());
        code.push_back(static_cast<uint8_t>(count));
        unsigned const masked = count & (size == 8 ? 63 : 31);
        c.family = fmt::format("shld/shrd size {} count {}", size, count);
        if (masked != 0)
            c.undefined_flags = AF | (masked != 1 ? OF : 0) | (size == 2 && masked == 16 ? CF : 0);
        break;
    }
    case 9: { // XADD, CMPXCHG, XCHG r, r
        unsigned const size = g.size();
        unsigned const which = g.below(3);
        if (which == 0)
            g.rr(code, size, {0x0f, static_cast<uint8_t>(size == 1 ? 0xc0 : 0xc1)}, g.reg(),
                 g.reg());
        else if (which == 1)
            g.rr(code, size, {0x0f, static_cast<uint8_t>(size == 1 ? 0xb0 : 0xb1)}, g.reg(),
                 g.reg());
        else
            g.rr(code, size, {static_cast<uint8_t>(size == 1 ? 0x86 : 0x87)}, g.reg(), g.reg());
        c.family = "xadd/cmpxchg/xchg";
        break;
    }
    case 10: { // MOVZX MOVSX MOVSXD BSWAP POPCNT
        unsigned const which = g.below(4);
        unsigned const size = g.size(1);
        if (which == 0)
            g.rr(code, size, {0x0f, static_cast<uint8_t>(0xb6 + g.below(2) + 8 * g.below(2))},
                 g.reg(), g.reg());
        else if (which == 1)
            g.rr(code, 8, {0x63}, g.reg(), g.reg());
        else if (which == 2) {
            unsigned const r = g.reg();
            unsigned const bsize = g.below(2) == 0 ? 4 : 8;
            if (bsize == 8 || r >= 8)
                code.push_back(static_cast<uint8_t>(0x40 | (bsize == 8 ? 8 : 0) | (r >> 3)));
            code.insert(code.end(), {0x0f, static_cast<uint8_t>(0xc8 + (r & 7))});
        } else {
            if (size == 2)
                code.push_back(0x66);
            code.push_back(0xf3);
            std::vector<uint8_t> rest;
            g.rr(rest, size == 2 ? 4 : size, {0x0f, 0xb8}, g.reg(), g.reg());
            code.insert(code.end(), rest.begin(), rest.end());
        }
        c.family = "movzx/movsx/bswap/popcnt";
        break;
    }
    default: { // CBW/CWDE/CDQE, CWD/CDQ/CQO, LAHF, CMC/CLC/STC
        static constexpr std::array<std::array<uint8_t, 2>, 9> kForms{{{0x66, 0x98},
                                                                       {0x90, 0x98},
                                                                       {0x48, 0x98},
                                                                       {0x66, 0x99},
                                                                       {0x90, 0x99},
                                                                       {0x48, 0x99},
                                                                       {0x90, 0xf5},
                                                                       {0x90, 0xf8},
                                                                       {0x90, 0xf9}}};
        auto const& form = kForms[g.below(9)];
        code.insert(code.end(), form.begin(), form.end());
        c.family = "misc";
        break;
    }
    }
}

// The native runner's machine code around one instruction: loads the GPRs and RFLAGS from
// the state block in RDI, runs the instruction, stores everything back.
std::vector<uint8_t> native_wrapper(std::vector<uint8_t> const& body) {
    std::vector<uint8_t> w{0x55, 0x53, 0x41, 0x54, 0x41, 0x55, 0x41, 0x56, 0x41, 0x57, // push
                           0x57,                                                       // push rdi
                           0xff, 0xb7, 0x80, 0x00, 0x00, 0x00, // push [rdi+128]
                           0x9d};                              // popfq
    for (unsigned r = 0; r < 16; ++r) {
        if (r == 4 || r == 7)
            continue;
        // mov r, [rdi + r*8]
        w.insert(w.end(),
                 {static_cast<uint8_t>(0x48 | (r >= 8 ? 4 : 0)), 0x8b,
                  static_cast<uint8_t>(0x47 | ((r & 7) << 3)), static_cast<uint8_t>(r * 8)});
    }
    w.insert(w.end(), {0x48, 0x8b, 0x7f, 0x38}); // mov rdi, [rdi+56]
    w.insert(w.end(), body.begin(), body.end());
    w.insert(w.end(), {0x9c,                                 // pushfq
                       0x57,                                 // push rdi
                       0x48, 0x8b, 0x7c, 0x24, 0x10});       // mov rdi, [rsp+16]
    w.insert(w.end(), {0x8f, 0x47, 0x38});                   // pop [rdi+56]
    w.insert(w.end(), {0x8f, 0x87, 0x80, 0x00, 0x00, 0x00}); // pop [rdi+128]
    for (unsigned r = 0; r < 16; ++r) {
        if (r == 4 || r == 7)
            continue;
        // mov [rdi + r*8], r
        w.insert(w.end(),
                 {static_cast<uint8_t>(0x48 | (r >= 8 ? 4 : 0)), 0x89,
                  static_cast<uint8_t>(0x47 | ((r & 7) << 3)), static_cast<uint8_t>(r * 8)});
    }
    w.insert(w.end(), {0x5f, 0x41, 0x5f, 0x41, 0x5e, 0x41, 0x5d, 0x41, 0x5c, 0x5b, 0x5d, 0xc3});
    return w;
}

struct NativeState {
    uint64_t regs[16];
    uint64_t flags;
};

} // namespace

DiffCase random_case(std::mt19937_64& rng) {
    DiffCase c{};
    for (auto& r : c.regs)
        r = random_value(rng);
    c.regs[4] = 0;
    // Random arithmetic flags; IF set as user space always has it; DF and TF clear.
    c.flags = (rng() & kArithFlags) | x86::kFlagIf | x86::kFlagReserved1;
    Generator g(rng);
    generate(g, c);
    return c;
}

bool run_native(std::vector<DiffCase> const& cases, std::vector<DiffResult>& results) {
    size_t const bytes = cases.size() * sizeof(DiffResult);
    void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return false;
    pid_t const child = fork();
    if (child == 0) {
        void* code = mmap(nullptr, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (code == MAP_FAILED)
            _exit(2);
        auto* out = static_cast<DiffResult*>(shared);
        for (size_t i = 0; i < cases.size(); ++i) {
            std::vector<uint8_t> const w = native_wrapper(cases[i].code);
            std::memcpy(code, w.data(), w.size());
            NativeState state{};
            std::memcpy(state.regs, cases[i].regs, sizeof(state.regs));
            state.flags = cases[i].flags;
            reinterpret_cast<void (*)(NativeState*)>(code)(&state);
            std::memcpy(out[i].regs, state.regs, sizeof(state.regs));
            out[i].flags = state.flags;
        }
        _exit(0);
    }
    int status = 0;
    waitpid(child, &status, 0);
    bool const ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (ok) {
        results.resize(cases.size());
        std::memcpy(results.data(), shared, bytes);
    }
    munmap(shared, bytes);
    return ok;
}

DiffResult run_emulated(DiffCase const& c) {
    static Harness h; // one machine for all cases: RAM set-up is the costly part
    for (unsigned r = 0; r < 16; ++r)
        h.cpu.regs[r] = c.regs[r];
    h.cpu.regs[4] = Harness::kStackTop;
    h.cpu.flags.set_rflags(c.flags);
    h.run(c.code);
    DiffResult result{};
    std::memcpy(result.regs, h.cpu.regs, sizeof(result.regs));
    result.flags = h.cpu.flags.rflags();
    return result;
}

std::string compare(DiffCase const& c, DiffResult const& native, DiffResult const& emulated) {
    std::string out;
    for (unsigned r = 0; r < 16; ++r)
        if (r != 4 && native.regs[r] != emulated.regs[r])
            out += fmt::format(" r{}: native {:#x} emulated {:#x};", r, native.regs[r],
                               emulated.regs[r]);
    uint64_t const mask = kArithFlags & ~c.undefined_flags;
    if (((native.flags ^ emulated.flags) & mask) != 0)
        out += fmt::format(" flags: native {:#x} emulated {:#x} (compared {:#x});",
                           native.flags & mask, emulated.flags & mask, mask);
    if (out.empty())
        return out;
    std::string bytes;
    for (uint8_t b : c.code)
        bytes += fmt::format("{:02x} ", b);
    return fmt::format("{} [{}] flags in {:#x}:{}", c.family, bytes, c.flags, out);
}

} // namespace vireo::emu::test
