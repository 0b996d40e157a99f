#include "devices/legacy/debug_exit.h"

#include "base/trace.h"

namespace vireo {

// QEMU's device passes the written value as is, whatever the width and wherever in the four
// ports it lands; so does vireo.
void DebugExit::write(uint64_t offset, std::span<uint8_t const> data) {
    auto const value = static_cast<uint32_t>(load_le(data));
    VIREO_TRACE(Vmm, "debug-exit: {:#x} written at +{} ({} bytes)", value, offset, data.size());
    machine_.request_exit(value);
}

} // namespace vireo
