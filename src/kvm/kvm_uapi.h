// The kernel's KVM API header, included so that its structures have the same layout in C++ as
// in C. Linux 6.1's uapi <linux/stddef.h> declares flexible array members through an empty
// struct, which is zero bytes in C but one byte in C++: sizeof(kvm_cpuid2) becomes 12 instead
// of 8, the ioctl numbers that encode those sizes change, and the kernel rejects them with
// EINVAL. Later kernels fixed the macro for C++; until Debian's headers have the fix, vireo
// redefines it as a plain zero-length array (a GNU extension g++ and clang both accept).
// Every file that talks to KVM includes this header instead of <linux/kvm.h>.
#pragma once

#include <linux/stddef.h>

#undef __DECLARE_FLEX_ARRAY
#define __DECLARE_FLEX_ARRAY(TYPE, NAME) TYPE NAME[0]

#include <linux/kvm.h>

static_assert(sizeof(kvm_cpuid2) == 8, "kvm_cpuid2 must have the kernel's C layout");
static_assert(sizeof(kvm_msrs) == 8, "kvm_msrs must have the kernel's C layout");
static_assert(sizeof(kvm_irq_routing) == 8, "kvm_irq_routing must have the kernel's C layout");
static_assert(KVM_GET_SUPPORTED_CPUID == 0xc008ae05, "ioctl number as the kernel defines it");
