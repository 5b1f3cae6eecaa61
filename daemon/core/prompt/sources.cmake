# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the prompt stage of hostgate_core.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/prompt_answer.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/prompt_broker.cpp)
