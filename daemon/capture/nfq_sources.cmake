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
