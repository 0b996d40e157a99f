// Paging (walk, accessed/dirty bits, #PF error codes and CR2, NX, U/S, WP, large pages,
// INVLPG), exception delivery in IA-32e mode with IST and a CPL change, IRETQ, SYSCALL and
// SYSRET, REP faulting part-way, and the real -> protected -> long mode sequence.
#include <gtest/gtest.h>

#include "harness.h"

namespace vireo::emu::test {
namespace {

using x86::Gpr;

constexpr uint64_t P = 1, W = 2, U = 4, A = 0x20, D = 0x40, PS = 0x80, NX = 1ULL << 63;
constexpr uint8_t kPageFault = static_cast<uint8_t>(x86::Vector::PageFault);

// 4-level page tables built in guest RAM from 0x300000 up.
class Paged : public Harness {
public:
    Paged() {
        pml4_ = allocate();
        // Identity-map the code, stack and data of the harness as supervisor pages.
        for (uint64_t page = 0; page < 0x200000; page += 0x1000)
            map(page, page, P | W);
        cpu.cr4 |= x86::kCr4Pae | x86::kCr4Pge;
        cpu.cr3 = pml4_;
        cpu.cr0 |= x86::kCr0Pg | x86::kCr0Wp;
        cpu.tlb.flush_all();
        cpu.update_mode();
    }

    // Returns the address of the leaf entry.
    uint64_t map(uint64_t virt, uint64_t phys, uint64_t flags, unsigned level = 1) {
        uint64_t table = pml4_;
        for (unsigned l = 4; l > level; --l) {
            uint64_t const entry = table + ((virt >> (12 + 9 * (l - 1))) & 511) * 8;
            uint64_t value = read<uint64_t>(entry);
            if ((value & P) == 0) {
                value = allocate() | P | W | U;
                write<uint64_t>(entry, value);
            }
            table = value & 0x000ffffffffff000ULL;
        }
        uint64_t const leaf = table + ((virt >> (12 + 9 * (level - 1))) & 511) * 8;
        write<uint64_t>(leaf, phys | flags | (level > 1 ? PS : 0));
        return leaf;
    }

    uint64_t entry_of(uint64_t virt) {
        uint64_t table = pml4_;
        for (unsigned l = 4; l > 1; --l)
            table = read<uint64_t>(table + ((virt >> (12 + 9 * (l - 1))) & 511) * 8) &
                    0x000ffffffffff000ULL;
        return table + ((virt >> 12) & 511) * 8;
    }

private:
    uint64_t allocate() {
        uint64_t const page = next_;
        next_ += 0x1000;
        for (uint64_t i = 0; i < 0x1000; i += 8)
            write<uint64_t>(page + i, 0);
        return page;
    }
    uint64_t pml4_ = 0;
    uint64_t next_ = 0x300000;
};

constexpr uint64_t kVirt = 0x7f00'0000'0000ULL;

TEST(Paging, WalkSetsAccessedAndDirty) {
    Paged h;
    uint64_t const pte = h.map(kVirt, Harness::kDataAddress, P | W);
    h.write<uint64_t>(Harness::kDataAddress, 42);
    h.reg(Gpr::Rbx) = kVirt;
    h.run({0x48, 0x8b, 0x03}); // mov rax, [rbx]
    EXPECT_EQ(h.reg(Gpr::Rax), 42u);
    EXPECT_EQ(h.read<uint64_t>(pte) & (A | D), A);
    h.run({0x48, 0x89, 0x03}); // mov [rbx], rax
    EXPECT_EQ(h.read<uint64_t>(pte) & (A | D), A | D);
}

TEST(Paging, NotPresentFaultHasCr2AndErrorCode) {
    Paged h;
    h.reg(Gpr::Rbx) = kVirt + 0x123;
    ExecResult const r = h.run({0x48, 0x89, 0x03}); // mov [rbx], rax
    ASSERT_EQ(r.status, ExecStatus::Exception);
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(r.fault.error_code, 0x2u); // write to a not-present page
    EXPECT_EQ(h.cpu.cr2, kVirt + 0x123);
}

TEST(Paging, WriteProtectAppliesToSupervisorOnlyWithCr0Wp) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress, P);
    h.reg(Gpr::Rbx) = kVirt;
    ExecResult r = h.run({0x48, 0x89, 0x03});
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(r.fault.error_code, 0x3u); // present | write
    h.cpu.cr0 &= ~x86::kCr0Wp;
    h.cpu.tlb.flush_all();
    h.reg(Gpr::Rax) = 7;
    r = h.run({0x48, 0x89, 0x03});
    EXPECT_EQ(r.status, ExecStatus::Halted);
    EXPECT_EQ(h.read<uint64_t>(Harness::kDataAddress), 7u);
}

TEST(Paging, NoExecuteFaultOnFetch) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress, P | W | NX);
    h.write<uint8_t>(Harness::kDataAddress, 0xf4);
    h.reg(Gpr::Rbx) = kVirt;
    ExecResult const r = h.run({0xff, 0xe3}); // jmp rbx
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(r.fault.error_code, 0x11u); // present | instruction fetch
    EXPECT_EQ(h.cpu.rip(), kVirt);
}

TEST(Paging, LargePageAndInvlpg) {
    Paged h;
    h.map(kVirt, 0x200000, P | W, 2); // a 2 MiB page
    h.write<uint64_t>(0x200000 + 0x1234 * 8, 99);
    h.reg(Gpr::Rbx) = kVirt + 0x1234 * 8;
    h.run({0x48, 0x8b, 0x03});
    EXPECT_EQ(h.reg(Gpr::Rax), 99u);
    // Remap the 2 MiB page elsewhere; the TLB keeps the old translation until INVLPG.
    h.map(kVirt, 0x400000, P | W, 2);
    h.write<uint64_t>(0x400000 + 0x1234 * 8, 77);
    h.run({0x48, 0x8b, 0x03});
    EXPECT_EQ(h.reg(Gpr::Rax), 99u);
    h.reg(Gpr::Rbx) = kVirt; // INVLPG of another address within the same large page
    h.run({0x0f, 0x01, 0x3b});
    h.reg(Gpr::Rbx) = kVirt + 0x1234 * 8;
    h.run({0x48, 0x8b, 0x03});
    EXPECT_EQ(h.reg(Gpr::Rax), 77u);
}

// Code reached again after INVLPG of its page, which now maps to other code: the block cache's
// entry for the address was voided by the flush and must not be taken for the new code (it
// is kept only while the page maps to the same physical address).
TEST(Paging, CodeRemappedAfterInvlpgRunsTheNewCode) {
    Paged h;
    constexpr uint64_t kOld = 0x400000, kNew = 0x401000;
    constexpr uint64_t kCode = kVirt + 0x5000;    // not in the jump-cache slot of the caller
    h.write<uint64_t>(kOld, 0xc3'00000001'bbULL); // mov ebx, 1; ret
    h.write<uint64_t>(kNew, 0xc3'00000002'bbULL); // mov ebx, 2; ret
    h.map(kCode, kOld, P);
    std::vector<uint8_t> code;
    for (int i = 0; i < 2; ++i) {
        code.insert(code.end(), {0x48, 0xb8}); // mov rax, kCode
        append_le(code, kCode, 8);
        code.insert(code.end(), {0xff, 0xd0, 0xf4}); // call rax; hlt
        if (i == 0)
            code.insert(code.end(), {0x0f, 0x01, 0x39}); // invlpg [rcx]
    }
    h.run(code);
    EXPECT_EQ(h.reg(Gpr::Rbx), 1u);
    h.map(kCode, kNew, P);
    h.reg(Gpr::Rcx) = kCode;
    h.cpu.set_rip(Harness::kCodeAddress + 13); // the INVLPG
    h.resume();
    EXPECT_EQ(h.reg(Gpr::Rbx), 2u);
}

TEST(Paging, ReservedBitFault) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress | (1ULL << 50), P | W);
    h.reg(Gpr::Rbx) = kVirt;
    ExecResult const r = h.run({0x48, 0x8b, 0x03});
    EXPECT_EQ(r.fault.error_code, 0x9u); // present | reserved bit
}

TEST(Paging, RepMovsFaultPartWayShowsProgress) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress, P | W); // the next page is unmapped
    h.reg(Gpr::Rsi) = 0x1000;
    h.reg(Gpr::Rdi) = kVirt + 0xf00;
    h.reg(Gpr::Rcx) = 0x200;
    ExecResult const r = h.run({0xf3, 0xa4}); // rep movsb
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(h.cpu.cr2, kVirt + 0x1000);
    EXPECT_EQ(h.reg(Gpr::Rcx), 0x100u);
    EXPECT_EQ(h.reg(Gpr::Rdi), kVirt + 0x1000);
    EXPECT_EQ(h.reg(Gpr::Rsi), 0x1100u);
    EXPECT_EQ(h.cpu.rip(), Harness::kCodeAddress); // restartable
}

TEST(Paging, UserAccessToSupervisorPage) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress, P | W); // supervisor only
    h.map(0x20000, 0x20000, P | W | U);         // user code
    h.load(0x20000, {0x48, 0x8b, 0x03});        // mov rax, [rbx]
    h.cpu.seg[kSegCs].selector = 0x33;
    h.cpu.seg[kSegCs].dpl = 3;
    h.cpu.seg[kSegSs].selector = 0x2b;
    h.cpu.seg[kSegSs].dpl = 3;
    h.cpu.update_mode();
    h.cpu.set_rip(0x20000);
    h.reg(Gpr::Rbx) = kVirt;
    ExecResult const r = h.resume();
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(r.fault.error_code, 0x5u); // present | user
}

TEST(Paging, ReadModifyWriteFaultReportsAWrite) {
    Paged h;
    h.reg(Gpr::Rbx) = kVirt + 0x40; // not present
    for (std::vector<uint8_t> const& code : std::vector<std::vector<uint8_t>>{
             {0x01, 0x03},             // add [rbx], eax
             {0xd1, 0x23},             // shl dword [rbx], 1
             {0x0f, 0xc1, 0x03},       // xadd [rbx], eax
             {0x0f, 0xb1, 0x0b},       // cmpxchg [rbx], ecx
             {0x48, 0x0f, 0xab, 0x03}, // bts [rbx], rax
         }) {
        ExecResult const r = h.run(code);
        ASSERT_EQ(r.status, ExecStatus::Exception);
        EXPECT_EQ(r.fault.vector, kPageFault);
        EXPECT_EQ(r.fault.error_code, 0x2u); // a write to a not-present page, not a read
    }
    // A read-only page: the write's permission check fails before anything is read.
    h.map(kVirt, Harness::kDataAddress, P);
    h.cpu.tlb.flush_all();
    ExecResult const r = h.run({0x83, 0x03, 0x01}); // add dword [rbx], 1
    EXPECT_EQ(r.fault.error_code, 0x3u);            // present | write
}

TEST(Paging, FbldOnAFullStackStillReadsAllTenBytes) {
    Paged h;
    h.map(kVirt, Harness::kDataAddress, P | W); // the next page is not mapped
    h.cpu.fpu.ftw = 0x80;                       // ST(7) in use (TOP = 0): the load overflows
    h.reg(Gpr::Rbx) = kVirt + 0xff8;
    ExecResult const r = h.run({0xdf, 0x23}); // fbld [rbx]
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(h.cpu.cr2, kVirt + 0x1000); // bytes 8 and 9 of the operand
}

// Runs `code` at CPL 3 from a user page, with the data page user-accessible.
ExecResult run_user(Paged& h, std::vector<uint8_t> const& code, uint64_t data_flags = P | W | U) {
    h.map(kVirt, Harness::kDataAddress, data_flags);
    h.map(0x20000, 0x20000, P | W | U);
    h.map(Harness::kStackTop - 0x1000, Harness::kStackTop - 0x1000, P | W | U);
    h.load(0x20000, code);
    h.load(0x20000 + code.size(), {0xf4}); // hlt: #GP at CPL 3 ends the run
    h.cpu.seg[kSegCs].selector = 0x33;
    h.cpu.seg[kSegCs].dpl = 3;
    h.cpu.seg[kSegSs].selector = 0x2b;
    h.cpu.seg[kSegSs].dpl = 3;
    h.cpu.tlb.flush_all();
    h.cpu.update_mode();
    h.cpu.set_rip(0x20000);
    return h.resume();
}

constexpr uint8_t kAlignmentCheck = static_cast<uint8_t>(x86::Vector::AlignmentCheck);
constexpr uint8_t kGeneralProtection = static_cast<uint8_t>(x86::Vector::GeneralProtection);

TEST(AlignmentCheck, MisalignedUserAccessWithAcAndAmRaisesAc) {
    Paged h;
    h.cpu.cr0 |= x86::kCr0Am;
    h.cpu.flags.set_rflags(x86::kFlagAc);
    h.reg(Gpr::Rbx) = kVirt + 2;
    ExecResult r = run_user(h, {0x8b, 0x03}); // mov eax, [rbx]
    EXPECT_EQ(r.fault.vector, kAlignmentCheck);
    EXPECT_TRUE(r.fault.has_error_code);
    EXPECT_EQ(r.fault.error_code, 0u);
    EXPECT_EQ(h.cpu.rip(), 0x20000u);
    // A word at an even address is aligned for its size; the run ends at the HLT.
    r = run_user(h, {0x66, 0x89, 0x03}); // mov [rbx], ax
    EXPECT_EQ(r.fault.vector, kGeneralProtection);
    // Without CR0.AM nothing is checked.
    h.cpu.cr0 &= ~x86::kCr0Am;
    r = run_user(h, {0x8b, 0x03});
    EXPECT_EQ(r.fault.vector, kGeneralProtection);
}

TEST(AlignmentCheck, PopfArmsTheCheckForTheNextInstruction) {
    Paged h;
    h.cpu.cr0 |= x86::kCr0Am;
    h.reg(Gpr::Rbx) = kVirt + 1;
    h.reg(Gpr::Rcx) = kVirt;
    // mov eax, [rcx] (fills the TLB); pushfq; or dword [rsp], 0x40000; popfq; inc dword [rbx]
    ExecResult const r =
        run_user(h, {0x8b, 0x01, 0x9c, 0x81, 0x0c, 0x24, 0x00, 0x00, 0x04, 0x00, 0x9d, 0xff, 0x03});
    EXPECT_EQ(r.fault.vector, kAlignmentCheck);
    EXPECT_EQ(h.cpu.rip(), 0x2000bu);
    EXPECT_TRUE(h.cpu.alignment_check);
}

TEST(AlignmentCheck, MaskmovqChecksTheWholeOperandAfterEnteringMmxState) {
    Paged h;
    h.cpu.cr0 |= x86::kCr0Am;
    h.cpu.flags.set_rflags(x86::kFlagAc);
    h.cpu.fpu.ftw = 0;
    h.reg(Gpr::Rdi) = kVirt + 4;
    // The mask (MM2) is all zeros: nothing is written, yet the operand is misaligned.
    ExecResult const r = run_user(h, {0x0f, 0xf7, 0xca}); // maskmovq mm1, mm2
    EXPECT_EQ(r.fault.vector, kAlignmentCheck);
    EXPECT_EQ(h.cpu.fpu.ftw, 0xff); // the x87-to-MMX transition happened first
}

TEST(AlignmentCheck, ComesBeforeTheWritePermissionCheck) {
    Paged h;
    h.cpu.cr0 |= x86::kCr0Am;
    h.cpu.flags.set_rflags(x86::kFlagAc);
    h.reg(Gpr::Rbx) = kVirt + 1;
    ExecResult r = run_user(h, {0xf0, 0x0f, 0xba, 0x3b, 0x17}, P | U); // lock btc dword [rbx], 23
    EXPECT_EQ(r.fault.vector, kAlignmentCheck);
    h.reg(Gpr::Rbx) = kVirt;
    r = run_user(h, {0xf0, 0x0f, 0xba, 0x3b, 0x17}, P | U);
    EXPECT_EQ(r.fault.vector, kPageFault);
    EXPECT_EQ(r.fault.error_code, 0x7u); // present | write | user
}

TEST(AlignmentCheck, NotAtCpl0) {
    Paged h;
    h.cpu.cr0 |= x86::kCr0Am;
    h.cpu.flags.set_rflags(x86::kFlagAc);
    h.cpu.update_mode();
    h.reg(Gpr::Rbx) = Harness::kDataAddress + 1;
    ExecResult const r = h.run({0x8b, 0x03}); // mov eax, [rbx]
    EXPECT_EQ(r.status, ExecStatus::Halted);
}

TEST(Canonical, StackReferencesRaiseSsOthersGp) {
    Harness h;
    uint64_t const non_canonical = 0x8000'0000'0000ULL;
    h.reg(Gpr::Rbp) = non_canonical;
    ExecResult r = h.run({0x48, 0x8b, 0x45, 0x00}); // mov rax, [rbp]
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::StackFault));
    EXPECT_EQ(r.fault.error_code, 0u);
    h.reg(Gpr::Rbx) = non_canonical;
    r = h.run({0x48, 0x8b, 0x03}); // mov rax, [rbx]
    EXPECT_EQ(r.fault.vector, kGeneralProtection);
    h.reg(Gpr::Rsp) = non_canonical + 8;
    r = h.run({0x50}); // push rax: the implicit stack reference
    EXPECT_EQ(r.fault.vector, static_cast<uint8_t>(x86::Vector::StackFault));
    EXPECT_EQ(h.reg(Gpr::Rsp), non_canonical + 8);
}

// A protected-mode set-up for delivery tests: GDT, TSS with RSP0 and IST1, IDT.
class Kernel : public Paged {
public:
    static constexpr uint64_t kGdt = 0x5000, kIdt = 0x6000, kTss = 0x7000;
    static constexpr uint64_t kRsp0 = 0x60000, kIst1 = 0x50000;
    static constexpr uint64_t kUserCode = 0x20000, kUserStack = 0x30000;
    static constexpr uint64_t kHandlers = 0x40000;

    Kernel() {
        // Linux's layout: 0x10 kernel code, 0x18 kernel data, 0x2b user data, 0x33 user code.
        write<uint64_t>(kGdt + 0x10, 0x00af9b000000ffffULL);
        write<uint64_t>(kGdt + 0x18, 0x00cf93000000ffffULL);
        write<uint64_t>(kGdt + 0x28, 0x00cff3000000ffffULL);
        write<uint64_t>(kGdt + 0x30, 0x00affb000000ffffULL);
        write<uint64_t>(kGdt + 0x40, 0x0000890000000067ULL | ((kTss & 0xffffff) << 16));
        write<uint64_t>(kTss + 4, kRsp0);
        write<uint64_t>(kTss + 36, kIst1);
        cpu.gdt = {kGdt, 0x4f};
        cpu.idt = {kIdt, 0xfff};
        cpu.tr = x86::Segment::from_descriptor(0x40, read<uint64_t>(kGdt + 0x40));
        for (uint64_t page : {kUserCode, kUserStack - 0x1000})
            map(page, page, P | W | U);
        cpu.msr.star = (0x23ULL << 48) | (0x10ULL << 32);
        cpu.msr.lstar = kHandlers + 0x100;
        cpu.stop_on_exception = false;
    }

    void gate(uint8_t vector, uint64_t handler, unsigned ist, unsigned dpl) {
        uint64_t const low = (handler & 0xffff) | (0x10ULL << 16) | (uint64_t{ist} << 32) |
                             (0x8eULL << 40) | (uint64_t{dpl} << 45) |
                             ((handler >> 16 & 0xffff) << 48);
        write<uint64_t>(kIdt + vector * 16, low);
        write<uint64_t>(kIdt + vector * 16 + 8, handler >> 32);
    }

    void enter_user(uint64_t rip) {
        cpu.seg[kSegCs] = x86::Segment::from_descriptor(0x33, read<uint64_t>(kGdt + 0x30));
        cpu.seg[kSegSs] = x86::Segment::from_descriptor(0x2b, read<uint64_t>(kGdt + 0x28));
        cpu.update_mode();
        cpu.set_rip(rip);
        reg(Gpr::Rsp) = kUserStack;
        cpu.flags.set_rflags(x86::kFlagIf | x86::kFlagReserved1);
    }
};

TEST(Delivery, UserFaultOnIstStackThenIretqThenSyscallAndSysret) {
    Kernel h;
    // #DE handler (IST1): skip the 3-byte DIV and return.
    h.gate(0, Kernel::kHandlers, 1, 0);
    h.load(Kernel::kHandlers, {0x48, 0x83, 0x04, 0x24, 0x03, 0x48, 0xcf}); // add [rsp],3; iretq
    h.load(Kernel::kHandlers + 0x100, {0xf4});                             // syscall entry: hlt
    h.load(Kernel::kUserCode, {0x48, 0xf7, 0xf1, 0x0f, 0x05});             // div rcx; syscall
    h.enter_user(Kernel::kUserCode);
    h.reg(Gpr::Rcx) = 0;
    ASSERT_EQ(h.resume().status, ExecStatus::Halted);
    // The #DE frame was built on the IST1 stack: RIP, CS, RFLAGS, RSP, SS.
    uint64_t const frame = Kernel::kIst1 - 40;
    EXPECT_EQ(h.read<uint64_t>(frame), Kernel::kUserCode + 3); // after the handler's add
    EXPECT_EQ(h.read<uint64_t>(frame + 8), 0x33u);
    EXPECT_NE(h.read<uint64_t>(frame + 16) & x86::kFlagIf, 0u);
    EXPECT_EQ(h.read<uint64_t>(frame + 24), Kernel::kUserStack);
    EXPECT_EQ(h.read<uint64_t>(frame + 32), 0x2bu);
    // SYSCALL: kernel CS, RCX = return address, R11 = RFLAGS.
    EXPECT_EQ(h.cpu.cpl, 0);
    EXPECT_EQ(h.cpu.seg[kSegCs].selector, 0x10);
    EXPECT_EQ(h.reg(Gpr::Rcx), Kernel::kUserCode + 5);
    EXPECT_NE(h.reg(Gpr::R11) & x86::kFlagIf, 0u);

    // SYSRET back to user space, which then executes HLT: #GP(0) at CPL 3, delivered on
    // the TSS RSP0 stack.
    h.gate(13, Kernel::kHandlers + 0x200, 0, 0);
    h.load(Kernel::kHandlers + 0x200, {0xf4});
    h.load(Kernel::kHandlers + 0x300, {0x48, 0x0f, 0x07}); // sysretq
    h.load(Kernel::kUserCode + 5, {0xf4});
    h.cpu.set_rip(Kernel::kHandlers + 0x300);
    ASSERT_EQ(h.resume().status, ExecStatus::Halted);
    EXPECT_EQ(h.cpu.rip(), Kernel::kHandlers + 0x201);
    uint64_t const gp_frame = Kernel::kRsp0 - 48;
    EXPECT_EQ(h.read<uint64_t>(gp_frame), 0u); // error code
    EXPECT_EQ(h.read<uint64_t>(gp_frame + 8), Kernel::kUserCode + 5);
    EXPECT_EQ(h.read<uint64_t>(gp_frame + 16), 0x33u);
    EXPECT_EQ(h.cpu.seg[kSegSs].selector, 0u); // null SS at CPL 0
}

TEST(Delivery, PageFaultPushesErrorCodeAndFaultDuringDeliveryIsDoubleThenTriple) {
    Kernel h;
    h.gate(14, Kernel::kHandlers, 0, 0);
    h.load(Kernel::kHandlers, {0xf4});
    h.reg(Gpr::Rbx) = kVirt;
    h.reg(Gpr::Rsp) = 0x70000;
    h.load(Harness::kCodeAddress, {0x48, 0x8b, 0x03}); // mov rax, [rbx]
    h.cpu.set_rip(Harness::kCodeAddress);
    ASSERT_EQ(h.resume().status, ExecStatus::Halted);
    EXPECT_EQ(h.read<uint64_t>(0x70000 - 48), 0u); // error code: read, not present
    EXPECT_EQ(h.cpu.cr2, kVirt);
    // With an IDT too small for #PF and #DF, the processor shuts down.
    h.cpu.idt.limit = 0x10;
    h.cpu.set_rip(Harness::kCodeAddress);
    EXPECT_EQ(h.resume().status, ExecStatus::TripleFault);
}

TEST(Modes, RealToProtectedToLongMode) {
    // Assembled from (GNU as, Intel syntax), linked at 0x8000:
    //   .code16: lgdt [gdtr]; mov eax,cr0; or eax,1; mov cr0,eax; ljmpl 0x08:pm32
    //   .code32 pm32: mov ax,0x10; mov ds,ax; mov ss,ax; cr4 |= PAE; cr3 = 0x9000;
    //                 EFER.LME via rdmsr/wrmsr; cr0 |= PG; ljmp 0x18:lm64
    //   .code64 lm64: movabs rax,0x1122334455667788; hlt
    //   gdt: null, code32 0x00cf9b000000ffff, data 0x00cf93000000ffff, code64 0x00af9b...
    std::vector<uint8_t> const blob{
        0x0f, 0x01, 0x16, 0x80, 0x00, 0x0f, 0x20, 0xc0, 0x66, 0x83, 0xc8, 0x01, 0x0f, 0x22, 0xc0,
        0x66, 0xea, 0x17, 0x80, 0x00, 0x00, 0x08, 0x00, 0x66, 0xb8, 0x10, 0x00, 0x8e, 0xd8, 0x8e,
        0xd0, 0x0f, 0x20, 0xe0, 0x83, 0xc8, 0x20, 0x0f, 0x22, 0xe0, 0xb8, 0x00, 0x90, 0x00, 0x00,
        0x0f, 0x22, 0xd8, 0xb9, 0x80, 0x00, 0x00, 0xc0, 0x0f, 0x32, 0x0d, 0x00, 0x01, 0x00, 0x00,
        0x0f, 0x30, 0x0f, 0x20, 0xc0, 0x0d, 0x00, 0x00, 0x00, 0x80, 0x0f, 0x22, 0xc0, 0xea, 0x50,
        0x80, 0x00, 0x00, 0x18, 0x00, 0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
        0xf4, 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
        0xff, 0x00, 0x00, 0x00, 0x9b, 0xcf, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x93, 0xcf, 0x00,
        0xff, 0xff, 0x00, 0x00, 0x00, 0x9b, 0xaf, 0x00, 0x1f, 0x00, 0x60, 0x80, 0x00, 0x00};
    Harness h;
    h.load(0x8000, blob);
    // Identity map of the first 2 MiB: PML4 0x9000 -> PDPT 0xa000 -> PD 0xb000, one PS entry.
    h.write<uint64_t>(0x9000, 0xa000 | P | W);
    h.write<uint64_t>(0xa000, 0xb000 | P | W);
    h.write<uint64_t>(0xb000, 0 | P | W | PS);
    h.set_real_mode();
    for (unsigned s : {kSegCs, kSegDs}) {
        h.cpu.seg[s].selector = 0x800;
        h.cpu.seg[s].base = 0x8000;
    }
    h.cpu.update_mode();
    h.cpu.set_rip(0);
    ExecResult const r = h.resume();
    ASSERT_EQ(r.status, ExecStatus::Halted) << int(r.fault.vector);
    EXPECT_EQ(h.reg(Gpr::Rax), 0x1122334455667788ULL);
    EXPECT_EQ(h.cpu.code_mode, CodeMode::Bits64);
    EXPECT_NE(h.cpu.efer & x86::kEferLma, 0u);
    EXPECT_EQ(h.cpu.seg[kSegCs].selector, 0x18);
}

} // namespace
} // namespace vireo::emu::test
