# SPDX-License-Identifier: GPL-3.0-or-later
# Sources of the claimed-names stage of hostgate_core: what a connection's first payload says it is for (TLS SNI,
# HTTP Host, the QUIC Initial's framing; the Initial's decryption is an adapter, daemon/capture/quic_initial.*).
target_sources(hostgate_core PRIVATE ${CMAKE_CURRENT_LIST_DIR}/first_payload.cpp ${CMAKE_CURRENT_LIST_DIR}/quic_frames.cpp)
