# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the decision stage of hostgate_core.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/connection.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/decision_engine.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/encrypted_dns.cpp)
