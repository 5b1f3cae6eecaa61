# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when a translation is not complete for the current sources: each .ts of TS_FILES is copied to WORK_DIR,
# updated there by lupdate from SOURCE_DIR (the way `update_translations` does), and must then hold no
# unfinished and no vanished message. The checked-in files are never changed.
# cmake -DLUPDATE=... -DSOURCE_DIR=... -DWORK_DIR=... "-DTS_FILES=a.ts;b.ts" [-DOPTIONS=-pluralonly] -P check_translations.cmake
cmake_minimum_required(VERSION 3.21)
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(problems "")
foreach(ts IN LISTS TS_FILES)
  get_filename_component(name "${ts}" NAME)
  set(copy "${WORK_DIR}/${name}")
  file(COPY_FILE "${ts}" "${copy}")
  execute_process(COMMAND "${LUPDATE}" -silent -locations none -no-obsolete ${OPTIONS} "${SOURCE_DIR}" -ts "${copy}"
                  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "Failed to run lupdate on ${name}: ${err}")
  endif()
  file(READ "${copy}" text)
  # Semicolons would split the matches below (CMake lists): no message needs them to be found.
  string(REPLACE ";" "," text "${text}")
  # Each message's source and whether its translation is unfinished or vanished.
  string(REGEX MATCHALL "<source>[^<]*</source>[^<]*(<comment>[^<]*</comment>[^<]*)?<translation type=\"(unfinished|vanished|obsolete)\""
         open "${text}")
  list(LENGTH open count)
  if(count GREATER 0)
    set(sources "")
    foreach(entry IN LISTS open)
      string(REGEX REPLACE "^<source>([^<]*)</source>.*$" "\\1" source "${entry}")
      string(APPEND sources "\n  ${source}")
    endforeach()
    string(APPEND problems "\n${name}: ${count} message(s) not translated (run `cmake --build build --target update_translations` and translate them in Qt Linguist):${sources}")
  endif()
endforeach()
if(problems)
  message(FATAL_ERROR "Translations are incomplete:${problems}")
endif()
message(STATUS "Translations complete: ${TS_FILES}")
