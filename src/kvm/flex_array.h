// KVM ioctls take structures that end in a flexible array member (kvm_cpuid2, kvm_msrs,
// kvm_irq_routing). FlexArray allocates one with room for `count` entries.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

namespace vireo::kvm {

template <typename Header, typename Entry>
class FlexArray {
public:
    explicit FlexArray(size_t count)
        : storage_(new (std::align_val_t(alignof(Header)))
                       std::byte[sizeof(Header) + count * sizeof(Entry)]()) {}
    ~FlexArray() { ::operator delete[](storage_, std::align_val_t(alignof(Header))); }
    FlexArray(FlexArray const&) = delete;
    FlexArray& operator=(FlexArray const&) = delete;

    Header* get() { return reinterpret_cast<Header*>(storage_); }
    Header* operator->() { return get(); }

private:
    std::byte* storage_;
};

} // namespace vireo::kvm
