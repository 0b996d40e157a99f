#include "emulated_runner.h"

#include <cstring>

#include "emu/block_cache.h"
#include "emu/code_pages.h"
#include "emu/cpu.h"
#include "emu/executor.h"
#include "memory/guest_memory.h"

namespace vireo::difftest {

namespace {

// Guest RAM holds the three ranges at their own addresses and the page tables above them.
constexpr uint64_t kRamBytes = 4 << 20;
constexpr uint64_t kPageTables = 0x380000; // PML4, PDPT, PD, then one PT per 2 MiB
constexpr uint64_t kPml4 = kPageTables;
constexpr uint64_t kPdpt = kPageTables + 0x1000;
constexpr uint64_t kPd = kPageTables + 0x2000;
constexpr uint64_t kFirstPt = kPageTables + 0x3000;
constexpr uint64_t kTwoMiB = 2 << 20;

// Paging-structure entry bits (Intel SDM Vol. 3A 4.5.5, Tables 4-15 to 4-20).
constexpr uint64_t kPtePresent = 1ULL << 0;
constexpr uint64_t kPteWritable = 1ULL << 1;
constexpr uint64_t kPteUser = 1ULL << 2;
constexpr uint64_t kPteNoExecute = 1ULL << 63;
constexpr uint64_t kPteTable = kPtePresent | kPteWritable | kPteUser;

// Selectors and descriptor types of a Linux user process (arch/x86/include/asm/segment.h:
// __USER_CS = 0x33, __USER_DS = 0x2b); types from Intel SDM Vol. 3A 3.4.5.1, Table 3-1.
constexpr uint16_t kUserCs = 0x33;
constexpr uint16_t kUserDs = 0x2b;
constexpr uint8_t kCodeExecuteReadAccessed = 0xb;
constexpr uint8_t kDataReadWriteAccessed = 0x3;
constexpr uint8_t kUserPrivilege = 3;

// A program has no backward branches: it ends in a few hundred instructions or never.
constexpr uint64_t kInstructionBudget = 1'000'000;

x86::Segment user_segment(uint16_t selector, uint8_t type, bool code) {
    x86::Segment s;
    s.selector = selector;
    s.limit = 0xffffffff;
    s.type = type;
    s.dpl = kUserPrivilege;
    s.present = true;
    s.granularity = true;
    s.long_mode = code;
    s.db = !code;
    return s;
}

// Long mode at CPL3 with paging, as a Linux process sees it: CR0.PE/PG/WP/AM/NE/MP,
// CR4.PAE/OSFXSR/OSXMMEXCPT (Intel SDM Vol. 3A 2.5), EFER.LME/LMA/NXE/SCE.
void enter_user_mode(emu::Cpu& cpu) {
    cpu.cr0 = x86::kCr0Pe | x86::kCr0Mp | x86::kCr0Et | x86::kCr0Ne | x86::kCr0Wp | x86::kCr0Am |
              x86::kCr0Pg;
    cpu.cr4 = x86::kCr4Pae | x86::kCr4Osfxsr | x86::kCr4Osxmmexcpt;
    cpu.cr3 = kPml4;
    cpu.efer = x86::kEferLme | x86::kEferLma | x86::kEferNxe | x86::kEferSce;
    cpu.seg[emu::kSegCs] = user_segment(kUserCs, kCodeExecuteReadAccessed, true);
    for (unsigned s : {emu::kSegSs, emu::kSegDs, emu::kSegEs, emu::kSegFs, emu::kSegGs})
        cpu.seg[s] = user_segment(kUserDs, kDataReadWriteAccessed, false);
    cpu.tlb.flush_all();
    cpu.update_mode();
}

void load_machine_state(emu::Cpu& cpu, MachineState const& state) {
    for (unsigned i = 0; i < 16; ++i)
        cpu.regs[i] = state.gpr[i];
    cpu.set_rip(state.rip);
    cpu.flags.set_rflags(state.rflags);
    static_assert(sizeof(cpu.fpu) == sizeof(state.fx));
    std::memcpy(static_cast<void*>(&cpu.fpu), &state.fx, sizeof(state.fx));
}

MachineState machine_state_of(emu::Cpu const& cpu) {
    MachineState state;
    for (unsigned i = 0; i < 16; ++i)
        state.gpr[i] = cpu.regs[i];
    state.rip = cpu.rip();
    state.rflags = cpu.flags.rflags();
    std::memcpy(static_cast<void*>(&state.fx), &cpu.fpu, sizeof(state.fx));
    return state;
}

void apply_sabotage(Sabotage sabotage, Program const& program, Outcome& outcome) {
    switch (sabotage) {
    case Sabotage::None:
        break;
    case Sabotage::Flag: {
        // The first arithmetic flag defined where the program stopped, else DF (always
        // defined): the comparison must notice either.
        ProgramInsn const* insn = program.insn_at(outcome.state.rip);
        uint32_t const undefined = insn ? insn->flags_undefined : ~0U;
        uint64_t flip = x86::kFlagDf;
        for (uint64_t const flag :
             {x86::kFlagCf, x86::kFlagPf, x86::kFlagAf, x86::kFlagZf, x86::kFlagSf, x86::kFlagOf}) {
            if ((undefined & flag) == 0) {
                flip = flag;
                break;
            }
        }
        outcome.state.rflags ^= flip;
        break;
    }
    case Sabotage::Register:
        outcome.state.gpr[0] += 1;
        break;
    case Sabotage::Memory:
        outcome.data[0] ^= 1;
        break;
    case Sabotage::Xmm:
        outcome.state.fx.xmm[0].lo ^= 1;
        break;
    }
}

} // namespace

EmulatedRunner::EmulatedRunner(std::unique_ptr<GuestMemory> memory,
                               std::unique_ptr<emu::CodePages> pages)
    : memory_(std::move(memory))
    , code_pages_(std::move(pages)) {}

EmulatedRunner::~EmulatedRunner() = default;

Result<std::unique_ptr<EmulatedRunner>> EmulatedRunner::create() {
    auto memory = TRY(GuestMemory::create(kRamBytes));
    auto pages = std::make_unique<emu::CodePages>(*memory);
    std::unique_ptr<EmulatedRunner> runner(new EmulatedRunner(std::move(memory), std::move(pages)));
    TRY(runner->build_page_tables());
    return runner;
}

Result<void> EmulatedRunner::build_page_tables() {
    // One PML4 entry, one PDPT entry, and one page table for each 2 MiB region in use.
    TRY(memory_->write_object<uint64_t>(kPml4, kPdpt | kPteTable));
    TRY(memory_->write_object<uint64_t>(kPdpt, kPd | kPteTable));
    struct Range {
        uint64_t base, bytes, flags;
    };
    Range const ranges[] = {
        {kCodeAddress, kCodeBytes, kPtePresent | kPteUser},
        {kDataAddress, kDataBytes, kPtePresent | kPteUser | kPteWritable | kPteNoExecute},
        {kStackAddress, kStackBytes, kPtePresent | kPteUser | kPteWritable | kPteNoExecute},
    };
    for (Range const& range : ranges) {
        uint64_t const region = range.base / kTwoMiB;
        uint64_t const table = kFirstPt + region * 0x1000;
        TRY(memory_->write_object<uint64_t>(kPd + region * 8, table | kPteTable));
        for (uint64_t page = range.base; page < range.base + range.bytes; page += kPageBytes) {
            uint64_t const index = (page % kTwoMiB) / kPageBytes;
            TRY(memory_->write_object<uint64_t>(table + index * 8, page | range.flags));
        }
    }
    return {};
}

Outcome EmulatedRunner::run(Program const& program, Sabotage sabotage) {
    Outcome outcome;
    std::vector<uint8_t> code(kCodeBytes, 0);
    std::memcpy(code.data(), program.code.data(), std::min(code.size(), program.code.size()));
    if (!memory_->write(kCodeAddress, code) || !memory_->write(kDataAddress, program.data) ||
        !memory_->write(kStackAddress, program.stack)) {
        outcome.detail = "could not load the program into guest memory";
        return outcome;
    }
    code_pages_->invalidate_range(kCodeAddress, kCodeBytes);

    emu::Machine machine;
    machine.memory = memory_.get();
    machine.code_pages = code_pages_.get();
    auto cpu = std::make_unique<emu::Cpu>();
    auto cache = std::make_unique<emu::BlockCache>();
    cpu->machine = &machine;
    emu::reset_cpu(*cpu);
    enter_user_mode(*cpu);
    load_machine_state(*cpu, program.initial);
    cpu->stop_on_exception = true;

    uint64_t const stop_at = cpu->instructions + kInstructionBudget;
    for (;;) {
        emu::ExecResult const result = emu::execute(*cpu, *cache, stop_at - cpu->instructions);
        if (result.status == emu::ExecStatus::Exception) {
            outcome.status = RunStatus::Stopped;
            outcome.vector = result.fault.vector;
            outcome.error_code = result.fault.error_code;
            if (result.fault.vector == static_cast<uint8_t>(x86::Vector::PageFault))
                outcome.fault_address = cpu->cr2;
            break;
        }
        if (result.status != emu::ExecStatus::Event || cpu->instructions >= stop_at) {
            // HLT cannot halt at CPL3 and nothing else stops a program: report the stop as
            // a time-out, which never matches the native run.
            outcome.status = RunStatus::Timeout;
            outcome.detail = result.status == emu::ExecStatus::Event ? "instruction budget spent"
                                                                     : "halted or shut down";
            break;
        }
        cpu->events.exchange(0); // no interrupt controller: requests are acknowledged
    }
    outcome.state = machine_state_of(*cpu);
    outcome.data.resize(kDataBytes);
    outcome.stack.resize(kStackBytes);
    (void)memory_->read(kDataAddress, outcome.data);
    (void)memory_->read(kStackAddress, outcome.stack);
    apply_sabotage(sabotage, program, outcome);
    return outcome;
}

} // namespace vireo::difftest
