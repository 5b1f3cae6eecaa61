# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the dns stage of hostgate_core: outstanding-query tracking, the validated DNS cache and the
# trusted resolvers.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/dns_query_tracker.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/dns_cache.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/trusted_resolvers.cpp)
