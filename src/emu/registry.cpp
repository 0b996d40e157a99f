#include "emu/registry.h"

#include "emu/handlers.h"

namespace vireo::emu {

void Registry::add_entry(ZydisMnemonic mnemonic, Entry const& added) {
    auto const index = static_cast<size_t>(mnemonic);
    if (by_mnemonic_.size() <= index)
        by_mnemonic_.resize(index + 1);
    for (Entry& entry : by_mnemonic_[index]) {
        if (entry.form == added.form) {
            entry = added;
            return;
        }
    }
    by_mnemonic_[index].push_back(added);
}

Registry::Entry const* Registry::find(ZydisMnemonic mnemonic, Form form) const {
    auto const index = static_cast<size_t>(mnemonic);
    if (index >= by_mnemonic_.size())
        return nullptr;
    Entry const* any = nullptr;
    for (Entry const& entry : by_mnemonic_[index]) {
        if (entry.form == form)
            return &entry;
        if (entry.form == kAnyForm)
            any = &entry;
    }
    return any;
}

namespace {

Registry build_registry() {
    Registry registry;
    register_alu(registry);
    register_move(registry);
    register_shift(registry);
    register_muldiv(registry);
    register_bits(registry);
    register_control(registry);
    register_stack(registry);
    register_string(registry);
    register_atomic(registry);
    register_system(registry);
    register_segment(registry);
    register_io(registry);
    register_misc(registry);
    register_fpu_state(registry);
    register_sse(registry);
    register_mmx(registry);
    register_x87(registry);
    return registry;
}

} // namespace

Registry const& handler_registry() {
    static Registry const registry = build_registry();
    return registry;
}

} // namespace vireo::emu
