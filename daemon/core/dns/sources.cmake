# Sources of the dns stage of hostgate_core: outstanding-query tracking and the validated DNS cache.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/dns_query_tracker.cpp
                                     ${CMAKE_CURRENT_LIST_DIR}/dns_cache.cpp)
