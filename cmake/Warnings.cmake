# Warnings are errors for everything vireo compiles itself (not for third-party headers,
# which are included as system headers). -Wnull-dereference is left out: with g++ 12 at -O2 it
# reports false positives inside libstdc++'s inlined string code (seen with CLI11).
set(VIREO_WARNINGS
    -Wall -Wextra -Werror
    -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused
    -Woverloaded-virtual -Wimplicit-fallthrough
    -Wformat=2 -Wmissing-declarations)

function(vireo_target_defaults target)
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:${VIREO_WARNINGS}>)
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    if(VIREO_SANITIZE)
        target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer)
        target_link_options(${target} PUBLIC -fsanitize=address,undefined)
    endif()
endfunction()

# One subsystem, one folder, one library target.
function(vireo_library name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_library(${name} STATIC ${ARG_SOURCES})
    vireo_target_defaults(${name})
    target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()
