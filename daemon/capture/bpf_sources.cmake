# SPDX-License-Identifier: GPL-3.0-or-later
# Kernel enforcement via cgroup eBPF: program loading, verdict/owner maps, miss events, feature probing.
pkg_check_modules(LIBBPF REQUIRED IMPORTED_TARGET libbpf)

target_sources(hostgate_capture PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/bpf_features.cpp
  ${CMAKE_CURRENT_LIST_DIR}/bpf_firewall.cpp)
target_link_libraries(hostgate_capture PRIVATE hostgate_bpf_skel PkgConfig::LIBBPF)
