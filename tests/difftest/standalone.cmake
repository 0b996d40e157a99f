# For a build directory of a tree whose tests/CMakeLists.txt does not yet add this folder:
#   cmake -S . -B build-difftest -G Ninja -DCMAKE_PROJECT_INCLUDE=$PWD/tests/difftest/standalone.cmake
# CMake then runs the folder's CMakeLists.txt after the rest of the project, unless the
# project already did (deferred calls may not add subdirectories, hence include()).
set(VIREO_DIFFTEST_LISTS ${CMAKE_CURRENT_LIST_DIR}/CMakeLists.txt)
function(vireo_difftest_standalone)
    if(NOT TARGET difftest)
        include(${VIREO_DIFFTEST_LISTS})
    endif()
endfunction()
cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL vireo_difftest_standalone)
