# SPDX-License-Identifier: GPL-3.0-or-later
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/verdict_cache_policy.cpp)
