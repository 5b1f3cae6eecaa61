# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the rules stage of hostgate_core.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/rule.cpp ${CMAKE_CURRENT_LIST_DIR}/rule_index.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/rule_validation.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/app_id.cpp)
