// Xbyak, the assembler that writes translated code, configured the same way for every JIT
// file: with XBYAK_NO_EXCEPTION an encoding problem (an operand that does not fit, a full
// buffer) is recorded and read back with Xbyak::GetError() instead of being thrown, since
// vireo does not use exceptions for control flow. Include this header, never Xbyak's own.
#pragma once

#define XBYAK_NO_EXCEPTION
#include <xbyak/xbyak.h>
