#include "builder.h"

#include <algorithm>
#include <cstring>

#include "initial_state.h"

namespace vireo::difftest {

namespace {

// Room kept at the end of the code area for the final HLT.
constexpr uint64_t kCodeReserve = 16;
// RSP stays this far inside the stack buffer, so that RSP-relative operands and the pushes
// of one group fit.
constexpr int kStackMargin = 512;
// A rel8 branch reaches 127 bytes; a branch is closed before the next group once its target
// would be further than this, leaving room for the largest group.
constexpr uint64_t kRel8Reach = 127;
constexpr uint64_t kRel8CloseAt = 64;
// One memory operand in this many is a fault probe.
constexpr unsigned kFaultProbeOdds = 150;
// The first non-canonical address above the lower half (48-bit linear addresses, Intel SDM
// Vol. 1 3.3.7.1).
constexpr uint64_t kNonCanonical = 1ULL << 47;

uint64_t align_down(uint64_t value, unsigned align) {
    return value & ~static_cast<uint64_t>(align - 1);
}

// Instructions that store the x87 condition codes (FSW) somewhere the comparison sees.
bool stores_fsw(ZydisMnemonic m) {
    return m == ZYDIS_MNEMONIC_FNSTSW || m == ZYDIS_MNEMONIC_FXSAVE ||
           m == ZYDIS_MNEMONIC_FXSAVE64 || m == ZYDIS_MNEMONIC_FNSTENV ||
           m == ZYDIS_MNEMONIC_FNSAVE;
}

// Instructions that load the whole FSW, defining every condition code.
bool loads_fsw(ZydisMnemonic m) {
    return m == ZYDIS_MNEMONIC_FNINIT || m == ZYDIS_MNEMONIC_FXRSTOR ||
           m == ZYDIS_MNEMONIC_FXRSTOR64 || m == ZYDIS_MNEMONIC_FLDENV ||
           m == ZYDIS_MNEMONIC_FRSTOR;
}

} // namespace

Builder::Builder(Rng& rng, Program& program)
    : rng_(rng)
    , program_(program) {}

unsigned Builder::pick_dest() {
    for (;;) {
        auto const number = static_cast<unsigned>(rng_.below(16));
        if (number != kRsp && !is_reserved(number))
            return number;
    }
}

uint64_t Builder::value() {
    return interesting_u64(rng_);
}

int64_t Builder::immediate(unsigned bytes) {
    unsigned const shift = 64 - 8 * std::min(bytes, 8U);
    return static_cast<int64_t>(value() << shift) >> shift;
}

bool Builder::stack_room(int delta) const {
    int const after = track_.rsp_offset + delta;
    int const limit = static_cast<int>(kStackBytes / 2) - kStackMargin;
    return after >= -limit && after <= limit;
}

void Builder::ignore_data(uint32_t begin, uint32_t end) {
    program_.data_ignored.emplace_back(begin, end);
}

// --- memory operands ---------------------------------------------------------------------

uint64_t Builder::fault_target(MemRequest const& request) {
    unsigned const bytes = request.bytes;
    switch (rng_.below(5)) {
    case 0: // runs off the end of the data buffer into the unmapped page after it
        return kDataAddress + kDataBytes - bytes + 1 + rng_.below(bytes + 32);
    case 1: // starts below the data buffer
        return kDataAddress - 1 - rng_.below(64);
    case 2: // a store to the read-only code, or a load from the unmapped page after it
        return request.use == MemUse::Load ? kCodeAddress + kCodeBytes + rng_.below(64)
                                           : kCodeAddress + rng_.below(kCodeBytes - bytes);
    case 3: // a non-canonical address: #GP
        return rng_.chance(50) ? kNonCanonical + rng_.below(4096)
                               : ~kNonCanonical + 1 - 4096 + rng_.below(4096);
    default: // a misaligned operand of an instruction that requires alignment: #GP
        if (request.align > 1)
            return kDataAddress + 64 * rng_.below(64) + 1 + rng_.below(request.align - 1);
        return kDataAddress + kDataBytes + rng_.below(4096);
    }
}

uint64_t Builder::pick_target(MemRequest const& request) {
    unsigned const bytes = request.bytes;
    unsigned const natural = std::max(request.align, std::min(bytes, 8U));
    if (rng_.below(kFaultProbeOdds) == 0)
        return fault_target(request);
    if (request.use == MemUse::Load && rng_.chance(3)) {
        uint64_t const address = kCodeAddress + rng_.below(kCodeBytes - bytes);
        return rng_.chance(50) ? align_down(address, natural) : align_down(address, request.align);
    }
    uint64_t base = kDataAddress;
    uint64_t size = kGeneralDataBytes;
    if (request.allow_stack && rng_.chance(15)) {
        base = kStackAddress;
        size = kStackBytes;
    }
    uint64_t const low = base + request.slack;
    uint64_t const high = base + size - bytes - request.slack;
    // Some accesses straddle the page boundary in the middle of the buffer.
    if (request.align == 1 && bytes > 1 && rng_.chance(8))
        return base + kPageBytes - 1 - rng_.below(bytes - 1);
    uint64_t const address = low + rng_.below(high - low + 1);
    return rng_.chance(60) ? align_down(address, natural) : align_down(address, request.align);
}

ZydisEncoderOperand Builder::address_operand(MemRequest const& request, uint64_t target) {
    bool const low = target < (1ULL << 31); // reachable by a sign-extended disp32
    enum Mode { BaseDisp, BaseIndex, IndexOnly, Absolute, RipRelative, RspBase, Bits32, Count };
    Mode mode = BaseDisp;
    for (;;) {
        mode = static_cast<Mode>(rng_.below(Count));
        if (mode == BaseDisp || mode == BaseIndex)
            break;
        if (!low)
            continue;
        if (mode == RipRelative && !request.allow_rip_relative)
            continue;
        if (mode == RspBase && !in_range(target, kStackAddress, kStackBytes))
            continue;
        break;
    }
    auto const bytes = static_cast<uint16_t>(request.bytes);
    if (mode == Absolute)
        return mem(ZYDIS_REGISTER_NONE, ZYDIS_REGISTER_NONE, 0, static_cast<int64_t>(target),
                   bytes);
    if (mode == RipRelative)
        return mem(ZYDIS_REGISTER_RIP, ZYDIS_REGISTER_NONE, 0, static_cast<int64_t>(target), bytes);
    if (mode == RspBase)
        return mem(ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_NONE, 0, static_cast<int64_t>(target - rsp()),
                   bytes);

    int64_t disp = 0;
    switch (rng_.below(3)) {
    case 0:
        break;
    case 1:
        disp = rng_.between(-128, 127);
        break;
    default:
        disp = rng_.between(-(1LL << 31), (1LL << 31) - 1);
        break;
    }
    if (mode == IndexOnly) // [index*scale + disp32]: the displacement carries the address
        disp = rng_.between(0, static_cast<int64_t>(target));
    bool const has_base = mode != IndexOnly;
    bool const has_index = mode != BaseDisp;
    uint8_t const scale = has_index ? rng_.pick<uint8_t>({1, 2, 4, 8}) : 0;
    unsigned const width = mode == Bits32 ? 4 : 8;
    uint64_t const width_mask = width == 4 ? 0xffffffffULL : ~0ULL;

    unsigned index = 0;
    uint64_t index_value = 0;
    if (has_index) {
        index = pick_dest();
        reserve(index);
        index_value = rng_.chance(50) ? static_cast<uint64_t>(rng_.between(-64, 64)) : value();
        if (mode == IndexOnly)
            index_value = (target - static_cast<uint64_t>(disp)) / scale;
    }
    uint64_t remainder = target - static_cast<uint64_t>(disp) - index_value * scale;
    unsigned base = 0;
    if (has_base) {
        base = pick_dest();
        reserve(base);
        // In 32-bit addressing the upper halves do not matter: random ones test that.
        uint64_t const junk = mode == Bits32 ? rng_.next() & ~width_mask : 0;
        set_register(base, (remainder & width_mask) | junk);
    } else {
        // Without a base, index*scale + disp must hit the target exactly.
        disp += static_cast<int64_t>(remainder);
    }
    if (has_index) {
        uint64_t const junk = mode == Bits32 ? rng_.next() & ~width_mask : 0;
        set_register(index, (index_value & width_mask) | junk);
    }
    return mem(has_base ? gpr(base, width) : ZYDIS_REGISTER_NONE,
               has_index ? gpr(index, width) : ZYDIS_REGISTER_NONE, scale, disp, bytes);
}

ZydisEncoderOperand Builder::memory(MemRequest const& request) {
    uint64_t const target = pick_target(request);
    last_address_ = target;
    return address_operand(request, target);
}

ZydisEncoderOperand Builder::memory_at(MemRequest const& request, uint64_t target) {
    last_address_ = target;
    return address_operand(request, target);
}

uint64_t Builder::buffer_address(unsigned before, unsigned after) {
    uint64_t base = kDataAddress;
    uint64_t size = kGeneralDataBytes;
    if (rng_.chance(15)) {
        base = kStackAddress;
        size = kStackBytes;
    }
    return base + before + rng_.below(size - before - after);
}

// --- emission ----------------------------------------------------------------------------

std::optional<FlagEffects> Builder::effects_of(Encoded const& encoded,
                                               std::optional<EffectOverride> override) const {
    auto effects = flag_effects(encoded.span());
    if (!effects)
        return std::nullopt;
    if (override) {
        effects->written = override->written;
        effects->undefined = override->undefined;
    }
    if (stores_fsw(effects->mnemonic))
        effects->fpu_tested = kFpuConditionCodes;
    if (loads_fsw(effects->mnemonic)) {
        effects->fpu_written = kFpuConditionCodes;
        effects->fpu_undefined = 0;
    }
    return effects;
}

bool Builder::needs_definition(FlagEffects const& effects) const {
    return (effects.tested & track_.flags_undefined) != 0 ||
           (effects.fpu_tested & track_.fpu_undefined) != 0;
}

bool Builder::emit(ZydisEncoderRequest const& request, std::optional<EffectOverride> effects) {
    if (failed_)
        return false;
    auto encoded = encode(request, address());
    auto found = encoded ? effects_of(*encoded, effects) : std::nullopt;
    if (!found) {
        failed_ = true;
        return false;
    }
    if (needs_definition(*found)) {
        bool const defined = (found->tested & track_.flags_undefined) != 0 ? define_flags() : true;
        if (!defined ||
            ((found->fpu_tested & track_.fpu_undefined) != 0 && !define_fpu_condition_codes()))
            return false;
        encoded = encode(request, address()); // RIP-relative operands moved
        if (!encoded) {
            failed_ = true;
            return false;
        }
    }
    return append(*encoded, *found);
}

bool Builder::emit_bytes(std::span<uint8_t const> bytes, std::optional<EffectOverride> effects) {
    if (failed_ || bytes.empty() || bytes.size() > kMaxInsnBytes)
        return false;
    Encoded encoded;
    std::memcpy(encoded.bytes, bytes.data(), bytes.size());
    encoded.length = static_cast<uint8_t>(bytes.size());
    auto const found = effects_of(encoded, effects);
    if (!found) {
        failed_ = true;
        return false;
    }
    if ((found->tested & track_.flags_undefined) != 0 && !define_flags())
        return false;
    if ((found->fpu_tested & track_.fpu_undefined) != 0 && !define_fpu_condition_codes())
        return false;
    return append(encoded, *found);
}

bool Builder::append(Encoded const& encoded, FlagEffects const& effects) {
    if (program_.code.size() + encoded.length > kCodeBytes - kCodeReserve) {
        failed_ = true;
        return false;
    }
    ProgramInsn insn;
    insn.address = address();
    insn.length = encoded.length;
    insn.cls = static_cast<uint8_t>(class_);
    insn.flags_undefined = track_.flags_undefined;
    insn.fpu_cc_undefined = static_cast<uint8_t>(track_.fpu_undefined >> 8);
    program_.insns.push_back(insn);
    program_.code.insert(program_.code.end(), encoded.bytes, encoded.bytes + encoded.length);
    uint32_t const flags_touched = effects.written | effects.undefined;
    track_.flags_undefined =
        ((track_.flags_undefined & ~flags_touched) | effects.undefined) & kArithFlags;
    auto const fpu_touched = static_cast<uint16_t>(effects.fpu_written | effects.fpu_undefined);
    track_.fpu_undefined = static_cast<uint16_t>(
        ((track_.fpu_undefined & ~fpu_touched) | effects.fpu_undefined) & kFpuConditionCodes);
    return true;
}

bool Builder::set_register(unsigned number, uint64_t value) {
    InsnClass const saved = class_;
    class_ = InsnClass::Setup;
    auto const as_signed = static_cast<int64_t>(value);
    bool ok = false;
    if (value <= 0xffffffffULL) // mov r32, imm32 zero-extends
        ok = emit(make_request(ZYDIS_MNEMONIC_MOV, {reg(gpr(number, 4)), imm(as_signed)}));
    else
        ok = emit(make_request(ZYDIS_MNEMONIC_MOV, {reg(gpr(number, 8)), imm(as_signed)}));
    class_ = saved;
    return ok;
}

bool Builder::define_flags() {
    InsnClass const saved = class_;
    class_ = InsnClass::Setup;
    bool const ok = emit(
        make_request(ZYDIS_MNEMONIC_CMP, {reg(gpr(pick_source(), 8)), reg(gpr(pick_source(), 8))}));
    class_ = saved;
    return ok;
}

bool Builder::define_fpu_condition_codes() {
    InsnClass const saved = class_;
    class_ = InsnClass::Setup;
    bool const ok = emit(make_request(ZYDIS_MNEMONIC_FXAM, {}));
    class_ = saved;
    return ok;
}

// --- branches and groups -----------------------------------------------------------------

void Builder::open_branch(size_t field_offset, unsigned width, uint64_t origin) {
    pending_branch_ = Branch{field_offset,
                             width,
                             origin,
                             static_cast<unsigned>(rng_.between(1, 4)),
                             track_.flags_undefined,
                             track_.fpu_undefined};
}

void Builder::close_branch() {
    Branch const& branch = *branch_;
    uint64_t const relative = address() - branch.origin;
    for (unsigned i = 0; i < branch.width; ++i)
        program_.code[branch.field_offset + i] = static_cast<uint8_t>(relative >> (8 * i));
    // Past the target, a flag is undefined if it is on either path.
    track_.flags_undefined |= branch.flags_undefined;
    track_.fpu_undefined |= branch.fpu_undefined;
    branch_.reset();
}

void Builder::begin_group(InsnClass cls) {
    if (branch_ && branch_->width == 1 && address() - branch_->origin > kRel8CloseAt)
        close_branch();
    snapshot_ = {program_.code.size(), program_.insns.size(), program_.data_ignored.size(), track_};
    reserved_ = 0;
    failed_ = false;
    class_ = cls;
    pending_branch_.reset();
}

void Builder::rollback() {
    program_.code.resize(snapshot_.code_size);
    program_.insns.resize(snapshot_.insn_count);
    program_.data_ignored.resize(snapshot_.ignored_count);
    track_ = snapshot_.track;
    pending_branch_.reset();
}

bool Builder::commit_group() {
    if (failed_) {
        rollback();
        return false;
    }
    if (branch_ && branch_->width == 1 && address() - branch_->origin > kRel8Reach) {
        rollback();
        close_branch();
        return false;
    }
    if (branch_ && --branch_->groups_left == 0)
        close_branch();
    if (pending_branch_) {
        branch_ = pending_branch_;
        pending_branch_.reset();
    }
    return true;
}

void Builder::finish() {
    if (branch_)
        close_branch();
    class_ = InsnClass::Setup;
    constexpr uint8_t kHlt = 0xf4; // Intel SDM Vol. 2A "HLT": #GP(0) at CPL > 0
    program_.end_address = address();
    Encoded encoded;
    encoded.bytes[0] = kHlt;
    encoded.length = 1;
    failed_ = false;
    (void)append(encoded, FlagEffects{});
}

// --- condition codes ---------------------------------------------------------------------

ZydisMnemonic jcc_mnemonic(unsigned cc) {
    static constexpr ZydisMnemonic kTable[16] = {
        ZYDIS_MNEMONIC_JO, ZYDIS_MNEMONIC_JNO, ZYDIS_MNEMONIC_JB,  ZYDIS_MNEMONIC_JNB,
        ZYDIS_MNEMONIC_JZ, ZYDIS_MNEMONIC_JNZ, ZYDIS_MNEMONIC_JBE, ZYDIS_MNEMONIC_JNBE,
        ZYDIS_MNEMONIC_JS, ZYDIS_MNEMONIC_JNS, ZYDIS_MNEMONIC_JP,  ZYDIS_MNEMONIC_JNP,
        ZYDIS_MNEMONIC_JL, ZYDIS_MNEMONIC_JNL, ZYDIS_MNEMONIC_JLE, ZYDIS_MNEMONIC_JNLE};
    return kTable[cc & 15];
}

ZydisMnemonic setcc_mnemonic(unsigned cc) {
    static constexpr ZydisMnemonic kTable[16] = {
        ZYDIS_MNEMONIC_SETO, ZYDIS_MNEMONIC_SETNO, ZYDIS_MNEMONIC_SETB,  ZYDIS_MNEMONIC_SETNB,
        ZYDIS_MNEMONIC_SETZ, ZYDIS_MNEMONIC_SETNZ, ZYDIS_MNEMONIC_SETBE, ZYDIS_MNEMONIC_SETNBE,
        ZYDIS_MNEMONIC_SETS, ZYDIS_MNEMONIC_SETNS, ZYDIS_MNEMONIC_SETP,  ZYDIS_MNEMONIC_SETNP,
        ZYDIS_MNEMONIC_SETL, ZYDIS_MNEMONIC_SETNL, ZYDIS_MNEMONIC_SETLE, ZYDIS_MNEMONIC_SETNLE};
    return kTable[cc & 15];
}

ZydisMnemonic cmovcc_mnemonic(unsigned cc) {
    static constexpr ZydisMnemonic kTable[16] = {
        ZYDIS_MNEMONIC_CMOVO, ZYDIS_MNEMONIC_CMOVNO, ZYDIS_MNEMONIC_CMOVB,  ZYDIS_MNEMONIC_CMOVNB,
        ZYDIS_MNEMONIC_CMOVZ, ZYDIS_MNEMONIC_CMOVNZ, ZYDIS_MNEMONIC_CMOVBE, ZYDIS_MNEMONIC_CMOVNBE,
        ZYDIS_MNEMONIC_CMOVS, ZYDIS_MNEMONIC_CMOVNS, ZYDIS_MNEMONIC_CMOVP,  ZYDIS_MNEMONIC_CMOVNP,
        ZYDIS_MNEMONIC_CMOVL, ZYDIS_MNEMONIC_CMOVNL, ZYDIS_MNEMONIC_CMOVLE, ZYDIS_MNEMONIC_CMOVNLE};
    return kTable[cc & 15];
}

} // namespace vireo::difftest
