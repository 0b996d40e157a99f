// Executable memory for translated code, one region per vCPU. Code is written upwards from
// the start, the data it refers to (chain slots, translation records) downwards from the
// end, so that both stay within reach of RIP-relative addressing. Nothing is freed alone:
// when the two meet, the cache is flushed whole, except the stubs written first (the
// prefix), and its generation advances so that every Block forgets its translation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/result.h"

namespace vireo::emu::jit {

class CodeCache {
public:
    static Result<std::unique_ptr<CodeCache>> create(size_t bytes);
    ~CodeCache();
    CodeCache(CodeCache const&) = delete;
    CodeCache& operator=(CodeCache const&) = delete;

    // Where the next code goes, and how many bytes it may take.
    uint8_t* code_cursor() const { return base_ + code_end_; }
    size_t room() const { return data_begin_ - code_end_; }
    void commit_code(size_t bytes);

    // `bytes` of zeroed data aligned to 16, or nullptr when the cache is full.
    void* allocate_data(size_t bytes);

    // Makes everything committed so far permanent: flush() keeps it.
    void keep_as_prefix();
    void flush();
    uint32_t generation() const { return generation_; }
    size_t used() const { return code_end_ + (size_ - data_begin_); }
    size_t size() const { return size_; }

private:
    CodeCache(uint8_t* base, size_t size)
        : base_(base)
        , size_(size)
        , data_begin_(size) {}

    uint8_t* base_;
    size_t size_;
    size_t prefix_end_ = 0;
    size_t code_end_ = 0;
    size_t data_begin_;
    uint32_t generation_ = 1;
};

} // namespace vireo::emu::jit
