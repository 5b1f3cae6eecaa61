# SPDX-License-Identifier: GPL-3.0-or-later
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/ip_address.cpp ${CMAKE_CURRENT_LIST_DIR}/hostname.cpp)
