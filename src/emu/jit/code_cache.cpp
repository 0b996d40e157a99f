#include "emu/jit/code_cache.h"

#include <cstring>

#include <sys/mman.h>

namespace vireo::emu::jit {

Result<std::unique_ptr<CodeCache>> CodeCache::create(size_t bytes) {
    // Writable and executable at once: translations are written while others run, and the
    // executor links them by storing into their data. Pages are only backed once touched.
    void* const base = mmap(nullptr, bytes, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return errno_error("JIT code cache of {} MiB", bytes >> 20);
    return std::unique_ptr<CodeCache>(new CodeCache(static_cast<uint8_t*>(base), bytes));
}

CodeCache::~CodeCache() {
    munmap(base_, size_);
}

void CodeCache::commit_code(size_t bytes) {
    // Each translation starts on a 16-byte boundary, where fetch and decode are cheapest.
    code_end_ = (code_end_ + bytes + 15) & ~size_t{15};
    if (code_end_ > data_begin_)
        code_end_ = data_begin_;
}

void* CodeCache::allocate_data(size_t bytes) {
    size_t const rounded = (bytes + 15) & ~size_t{15};
    if (data_begin_ - code_end_ < rounded)
        return nullptr;
    data_begin_ -= rounded;
    std::memset(base_ + data_begin_, 0, rounded);
    return base_ + data_begin_;
}

void CodeCache::keep_as_prefix() {
    prefix_end_ = code_end_;
}

void CodeCache::flush() {
    code_end_ = prefix_end_;
    data_begin_ = size_;
    ++generation_;
}

} // namespace vireo::emu::jit
