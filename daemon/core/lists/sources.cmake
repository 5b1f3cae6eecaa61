# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the subscribed-lists stage of hostgate_core: parsers and the lookup structure.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/domain_set.cpp ${CMAKE_CURRENT_LIST_DIR}/list_parser.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/list_set.cpp)
