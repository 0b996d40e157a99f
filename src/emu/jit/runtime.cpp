#include "emu/jit/runtime.h"

#include <cassert>
#include <cstddef>

#include "emu/jit/assembler.h"

namespace vireo::emu::jit {

namespace {

// Ends the run at the next block boundary without losing count of instructions: the
// unspent budget is set aside rather than spent.
void end_run_soon(JitFrame& frame) {
    if (frame.budget > 0) {
        frame.forfeited += frame.budget;
        frame.budget = 0;
    }
}

} // namespace

uintptr_t run_handler(Cpu* cpu, Insn const* insn, JitFrame* frame, Block const* block) noexcept {
    cpu->current_block = block;
    cpu->block_rip = cpu->rip() - insn->end_offset;
    try {
        cpu->flags.set_arith(kArithFlags, unpack_flags(frame->flags));
        insn->handler(*cpu, *insn);
        frame->flags = pack_flags(cpu->flags.rflags());
    } catch (GuestFault const& fault) {
        // The flags as the interpreter leaves them: unchanged by most handlers, which commit
        // nothing before a fault, but those of the last finished iteration of a REP CMPS/SCAS.
        frame->flags = pack_flags(cpu->flags.rflags());
        frame->run->fault = fault;
        return kExitFault;
    } catch (...) {
        frame->run->error = std::current_exception();
        return kExitError;
    }
    // A write to code, an INVLPG or a CR3 load breaks the assumptions chain links were made
    // under: the executor must look again before the next block.
    if (cpu->tlb.generation() != frame->run->tlb_generation ||
        cpu->machine->code_pages->generation() != frame->run->code_generation)
        end_run_soon(*frame);
    return 0;
}

namespace {

using namespace Xbyak::util;

constexpr int kFrameWords = sizeof(JitFrame) / 8;
static_assert(sizeof(JitFrame) % 8 == 0);

class StubWriter : public Xbyak::CodeGenerator {
public:
    StubWriter(uint8_t* buffer, size_t room)
        : CodeGenerator(room, buffer) {}

    void enter() {
        // System V AMD64 ABI: RBX, RBP and R12-R15 belong to the caller.
        for (Xbyak::Reg64 const& reg : {rbx, rbp, r12, r13, r14, r15})
            push(reg);
        sub(rsp, kFrameBytes);
        for (int i = 0; i < kFrameWords; ++i) {
            mov(rax, ptr[rsi + i * 8]);
            mov(ptr[rsp + i * 8], rax);
        }
        mov(ptr[rsp + static_cast<int>(offsetof(JitFrame, home))], rsi);
        mov(rbx, rdi);
        jmp(rdx);
    }

    void exit() {
        mov(rsi, ptr[rsp + static_cast<int>(offsetof(JitFrame, home))]);
        for (int i = 0; i < kFrameWords; ++i) {
            mov(rcx, ptr[rsp + i * 8]);
            mov(ptr[rsi + i * 8], rcx);
        }
        add(rsp, kFrameBytes);
        for (Xbyak::Reg64 const& reg : {r15, r14, r13, r12, rbp, rbx})
            pop(reg);
        ret();
    }
};

} // namespace

Stubs write_stubs(CodeCache& cache) {
    Xbyak::ClearError();
    StubWriter writer(cache.code_cursor(), cache.room());
    Stubs stubs;
    stubs.enter = reinterpret_cast<Stubs::Enter>(const_cast<uint8_t*>(writer.getCurr()));
    writer.enter();
    writer.align(16);
    stubs.exit = writer.getCurr();
    writer.exit();
    assert(Xbyak::GetError() == 0 && "the JIT's stubs must assemble");
    cache.commit_code(writer.getSize());
    cache.keep_as_prefix();
    return stubs;
}

} // namespace vireo::emu::jit
