# SPDX-License-Identifier: GPL-3.0-or-later
# Compiler settings shared by every project target: warnings as errors and the optional sanitizers.

if(HOSTGATE_SANITIZE AND HOSTGATE_TSAN)
  message(FATAL_ERROR "HOSTGATE_SANITIZE (ASan/UBSan) and HOSTGATE_TSAN (ThreadSanitizer) exclude each other")
endif()
# ThreadSanitizer, for the daemon's threads (its DNS lane and main loop): scripts/test.sh builds hostgated with
# it in a build directory of its own and runs the DNS end-to-end tests against that binary.
if(HOSTGATE_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
endif()

if(HOSTGATE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Applies the project's warning policy to a target we own (not to generated or third-party code).
function(hostgate_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wnull-dereference -Wimplicit-fallthrough)
  # GCC 12 at -O3 reports false -Wrestrict/-Warray-bounds/-Wstringop-overflow inside libstdc++'s string and
  # vector code (GCC bugs 105329, 105651); they stay visible as warnings but cannot fail an optimized build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-error=restrict -Wno-error=array-bounds
                                             -Wno-error=stringop-overflow)
  endif()
endfunction()

# Adds a Qt Test executable named NAME from SOURCES, linked to LIBS and Qt6::Test, registered with CTest.
function(hostgate_unit_test name)
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} Qt6::Test)
  # moc cannot parse libstdc++'s C++20 headers (<concept>); without compiler predefines it skips them.
  set_target_properties(${name} PROPERTIES AUTOMOC ON AUTOMOC_COMPILER_PREDEFINES OFF)
  hostgate_warnings(${name})
  # moc output trips -Wold-style-cast? keep project code strict, relax only for Qt macros' expansion.
  target_compile_options(${name} PRIVATE -Wno-old-style-cast -Wno-null-dereference)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
endfunction()
