# SPDX-License-Identifier: GPL-3.0-or-later
# Packet plumbing: the daemon's firewall rules, nfqueue verdicts, socket lookup and local DNS answers.
pkg_check_modules(LIBNETFILTER_QUEUE REQUIRED IMPORTED_TARGET libnetfilter_queue)
pkg_check_modules(LIBMNL REQUIRED IMPORTED_TARGET libmnl)

target_sources(hostgate_capture PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/packet.cpp
  ${CMAKE_CURRENT_LIST_DIR}/nfqueue.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sock_diag.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firewall_rules.cpp
  ${CMAKE_CURRENT_LIST_DIR}/dns_reply_injector.cpp)
target_link_libraries(hostgate_capture PRIVATE PkgConfig::LIBNETFILTER_QUEUE PkgConfig::LIBMNL)

# Lets tests/kernel know the nfqueue sources are part of hostgate_capture.
set_property(GLOBAL PROPERTY HOSTGATE_CAPTURE_HAS_NFQ TRUE)

# First payloads: QUIC Initial decryption (the claimed-name reading of daemon/core/claims) and conntrack marks.
find_package(OpenSSL REQUIRED)
pkg_check_modules(LIBNETFILTER_CONNTRACK REQUIRED IMPORTED_TARGET libnetfilter_conntrack)
target_sources(hostgate_capture PRIVATE ${CMAKE_CURRENT_LIST_DIR}/quic_initial.cpp ${CMAKE_CURRENT_LIST_DIR}/conntrack_marks.cpp)
target_link_libraries(hostgate_capture PRIVATE OpenSSL::Crypto PkgConfig::LIBNETFILTER_CONNTRACK)
