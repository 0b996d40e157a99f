// Runs a fuzz harness over the files of its seed corpus, without libFuzzer: this is how the
// corpus is replayed in every (g++) build as an ordinary test.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_input.h"

namespace {

std::vector<std::filesystem::path> corpus_files(char const* argument) {
    std::vector<std::filesystem::path> files;
    std::filesystem::path const path(argument);
    if (std::filesystem::is_directory(path)) {
        for (auto const& entry : std::filesystem::directory_iterator(path)) {
            if (entry.is_regular_file())
                files.push_back(entry.path());
        }
    } else if (std::filesystem::is_regular_file(path)) {
        files.push_back(path);
    }
    std::sort(files.begin(), files.end());
    return files;
}

} // namespace

int main(int argc, char** argv) {
    size_t replayed = 0;
    for (int i = 1; i < argc; ++i) {
        for (auto const& file : corpus_files(argv[i])) {
            std::ifstream stream(file, std::ios::binary);
            std::vector<uint8_t> const bytes((std::istreambuf_iterator<char>(stream)),
                                             std::istreambuf_iterator<char>());
            LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
            ++replayed;
        }
    }
    std::printf("replayed %zu inputs\n", replayed);
    // An empty corpus would make the test pass without testing anything.
    return replayed > 0 ? 0 : 1;
}
