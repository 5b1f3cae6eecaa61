# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the traffic stage of hostgate_core (the network monitor: what was decided for each flow).
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/flow_book.cpp)
