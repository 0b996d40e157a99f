// How the control API spells a VM's state and its balloon in JSON (docs/api.md): member
// names in lower case with hyphens, sizes in bytes, times in milliseconds.
#pragma once

#include "control/protocol.h"
#include "control/vm_control.h"

namespace vireo::control {

Json encode_status(VmStatus const& status);
Json encode_balloon(virtio::BalloonStatus const& status);

} // namespace vireo::control
