# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the learning stage of hostgate_core: what learning mode saw, as rules to propose.
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/proposal_book.cpp)
