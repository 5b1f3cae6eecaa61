# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the scope stage of hostgate_core (hostgatectl run / attach: rules of one cgroup).
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/scope_book.cpp)
