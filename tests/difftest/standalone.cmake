# Until tests/CMakeLists.txt adds this folder, a build directory can include it with
#   cmake -S . -B build-difftest -G Ninja -DCMAKE_PROJECT_INCLUDE=$PWD/tests/difftest/standalone.cmake
# CMake runs the folder's CMakeLists.txt after the rest of the project (deferred calls may
# not add subdirectories, hence include(); their arguments are expanded when they run, hence
# the variable), so vireo_emu exists by then.
set(VIREO_DIFFTEST_LISTS ${CMAKE_CURRENT_LIST_DIR}/CMakeLists.txt)
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL include ${VIREO_DIFFTEST_LISTS})
