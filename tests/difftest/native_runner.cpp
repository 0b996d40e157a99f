#include "native_runner.h"

#include <csignal>
#include <cstring>

#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <fmt/format.h>
#include <ucontext.h>
#include <unistd.h>

extern "C" {
[[noreturn]] void difftest_enter(vireo::difftest::MachineState const* state);
// Read by the trampoline: where the program starts.
extern uint64_t difftest_code_address;
uint64_t difftest_code_address = vireo::difftest::kCodeAddress;
}

namespace vireo::difftest {

// The page shared between the parent and the child, written by the child's signal handler.
struct NativeShared {
    uint32_t done;
    int32_t signal;
    uint64_t trapno;
    uint64_t error_code;
    uint64_t fault_address;
    MachineState state;
    uint8_t data[kDataBytes];
    uint8_t stack[kStackBytes];
};

namespace {

// A program runs for microseconds; the alarm only catches a bug that makes one loop.
constexpr unsigned kTimeoutSeconds = 2;
// The kernel writes the whole XSAVE area (several KiB with AVX-512) into the signal frame.
constexpr size_t kAltStackBytes = 64 * 1024;

// Exit statuses of a child whose set-up failed, before the program ran.
enum ChildExit : int {
    kExitMapFailed = 101,
    kExitSignalSetupFailed = 102,
    kExitSeccompFailed = 103,
};

NativeShared* g_shared = nullptr;
MachineState g_entry_state;
alignas(64) uint8_t g_alt_stack[kAltStackBytes];

// The XSAVE header follows the legacy area when the kernel saved the state with XSAVE (Linux
// arch/x86/include/uapi/asm/sigcontext.h: FP_XSTATE_MAGIC1 in the software-reserved bytes).
constexpr uint32_t kFpXstateMagic1 = 0x46505853;
constexpr size_t kSwReservedOffset = 464;
constexpr size_t kXsaveHeaderOffset = 512;
// XSTATE_BV bits (Intel SDM Vol. 1 13.4.2): a clear bit means the component is in its
// initial configuration, whatever the legacy area holds.
constexpr uint64_t kXstateX87 = 1U << 0;
constexpr uint64_t kXstateSse = 1U << 1;

void copy_fpu_state(Fxsave& out, void const* frame) {
    std::memcpy(&out, frame, sizeof(Fxsave));
    auto const* bytes = static_cast<uint8_t const*>(frame);
    uint32_t magic = 0;
    std::memcpy(&magic, bytes + kSwReservedOffset, sizeof(magic));
    if (magic != kFpXstateMagic1)
        return;
    uint64_t xstate_bv = 0;
    std::memcpy(&xstate_bv, bytes + kXsaveHeaderOffset, sizeof(xstate_bv));
    if ((xstate_bv & kXstateX87) == 0) {
        constexpr uint16_t kFninitFcw = 0x37f; // Intel SDM Vol. 1 8.1.5
        out.fcw = kFninitFcw;
        out.fsw = 0;
        out.ftw = 0;
        for (auto& st : out.st)
            st = Fxsave::St{};
    }
    if ((xstate_bv & kXstateSse) == 0) {
        for (auto& xmm : out.xmm)
            xmm = Fxsave::Xmm{};
    }
}

// The program may have set RFLAGS.AC, which Linux leaves set in the handler (with CR0.AM,
// every misaligned access there would raise #AC again and kill the child): clear it first.
inline void clear_alignment_check() {
    asm volatile("pushfq\n\tandq $~0x40000, (%%rsp)\n\tpopfq" ::: "memory", "cc");
}

void on_signal(int signal, siginfo_t* info, void* context) {
    clear_alignment_check();
    // gregs indices of the GPRs in encoding order.
    static constexpr int kGregOf[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                        REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                        REG_R12, REG_R13, REG_R14, REG_R15};
    auto const* uc = static_cast<ucontext_t const*>(context);
    mcontext_t const& mc = uc->uc_mcontext;
    NativeShared& out = *g_shared;
    for (unsigned i = 0; i < 16; ++i)
        out.state.gpr[i] = static_cast<uint64_t>(mc.gregs[kGregOf[i]]);
    out.state.rip = static_cast<uint64_t>(mc.gregs[REG_RIP]);
    out.state.rflags = static_cast<uint64_t>(mc.gregs[REG_EFL]);
    copy_fpu_state(out.state.fx, mc.fpregs);
    out.trapno = static_cast<uint64_t>(mc.gregs[REG_TRAPNO]);
    out.error_code = static_cast<uint64_t>(mc.gregs[REG_ERR]);
    out.fault_address = reinterpret_cast<uint64_t>(info->si_addr);
    std::memcpy(out.data, reinterpret_cast<void const*>(kDataAddress), kDataBytes);
    std::memcpy(out.stack, reinterpret_cast<void const*>(kStackAddress), kStackBytes);
    out.signal = signal;
    __atomic_store_n(&out.done, 1, __ATOMIC_RELEASE);
    // exit(2), not exit_group(2): strict seccomp allows only the former.
    syscall(SYS_exit, 0);
}

bool map_at(uint64_t address, uint64_t bytes, std::vector<uint8_t> const& contents, int prot) {
    void* const wanted = reinterpret_cast<void*>(address);
    void* const mapped = mmap(wanted, bytes, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (mapped != wanted)
        return false;
    // Every page is written, so that all are present as in the emulator's page tables: a
    // page never touched would fault as not present (error code bit 0 clear) on a write.
    std::memset(mapped, 0, bytes);
    std::memcpy(mapped, contents.data(), std::min<size_t>(contents.size(), bytes));
    return mprotect(mapped, bytes, prot) == 0;
}

bool install_handlers() {
    stack_t alt{};
    alt.ss_sp = g_alt_stack;
    alt.ss_size = sizeof(g_alt_stack);
    if (sigaltstack(&alt, nullptr) != 0)
        return false;
    struct sigaction action {};
    action.sa_sigaction = on_signal;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigfillset(&action.sa_mask);
    for (int const signal : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGALRM}) {
        if (sigaction(signal, &action, nullptr) != 0)
            return false;
    }
    sigset_t none;
    sigemptyset(&none);
    return sigprocmask(SIG_SETMASK, &none, nullptr) == 0;
}

[[noreturn]] void child_main(Program const& program, NativeShared* shared) {
    g_shared = shared;
    if (!map_at(kCodeAddress, kCodeBytes, program.code, PROT_READ | PROT_EXEC) ||
        !map_at(kDataAddress, kDataBytes, program.data, PROT_READ | PROT_WRITE) ||
        !map_at(kStackAddress, kStackBytes, program.stack, PROT_READ | PROT_WRITE))
        _exit(kExitMapFailed);
    if (!install_handlers())
        _exit(kExitSignalSetupFailed);
    g_entry_state = program.initial;
    alarm(kTimeoutSeconds);
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT) != 0)
        _exit(kExitSeccompFailed);
    difftest_enter(&g_entry_state);
}

std::string describe_wait_status(int status) {
    if (WIFEXITED(status)) {
        switch (WEXITSTATUS(status)) {
        case kExitMapFailed:
            return "child could not map the program at its fixed addresses";
        case kExitSignalSetupFailed:
            return "child could not install its signal handlers";
        case kExitSeccompFailed:
            return "child could not enter seccomp strict mode";
        default:
            return fmt::format("child exited with status {} without a report", WEXITSTATUS(status));
        }
    }
    if (WIFSIGNALED(status))
        return fmt::format("child killed by signal {} ({}) without a report", WTERMSIG(status),
                           strsignal(WTERMSIG(status)));
    return "child ended in an unknown way";
}

} // namespace

Result<NativeRunner> NativeRunner::create() {
    void* const shared = mmap(nullptr, sizeof(NativeShared), PROT_READ | PROT_WRITE,
                              MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return errno_error("mapping the page shared with the native child");
    return NativeRunner(static_cast<NativeShared*>(shared));
}

NativeRunner::~NativeRunner() {
    if (shared_ != nullptr)
        munmap(shared_, sizeof(NativeShared));
}

Outcome NativeRunner::run(Program const& program) {
    Outcome outcome;
    __atomic_store_n(&shared_->done, 0, __ATOMIC_RELAXED);
    pid_t const pid = fork();
    if (pid < 0) {
        outcome.detail = fmt::format("fork: {}", strerror(errno));
        return outcome;
    }
    if (pid == 0)
        child_main(program, shared_);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (__atomic_load_n(&shared_->done, __ATOMIC_ACQUIRE) == 0) {
        outcome.detail = describe_wait_status(status);
        return outcome;
    }
    if (shared_->signal == SIGALRM) {
        outcome.status = RunStatus::Timeout;
        return outcome;
    }
    outcome.status = RunStatus::Stopped;
    outcome.vector = static_cast<uint8_t>(shared_->trapno);
    outcome.error_code = static_cast<uint32_t>(shared_->error_code);
    outcome.fault_address = shared_->fault_address;
    outcome.state = shared_->state;
    outcome.data.assign(shared_->data, shared_->data + kDataBytes);
    outcome.stack.assign(shared_->stack, shared_->stack + kStackBytes);
    return outcome;
}

} // namespace vireo::difftest
