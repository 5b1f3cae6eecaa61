// SPDX-License-Identifier: GPL-3.0-or-later
// The kernel resources hostgate uses unless configured otherwise (mark bits, nfqueue numbers): the one set of
// defaults behind the daemon's configuration (DaemonConfig), the firewall chains (FirewallConfig) and the BPF
// programs (BpfFirewall::Options). Why these bits: see DaemonConfig::markBit.
#pragma once

#include <cstdint>

namespace hostgate::kernel_defaults {

inline constexpr std::uint32_t undecidedMarkBit = 25; // sockets of undecided connections: first packet queued
inline constexpr std::uint32_t rejectMarkBit = 28;    // packets we deny, rejected by our chain with a reset
inline constexpr std::uint32_t replyMarkBit = 31;     // DNS refusals the daemon writes itself: skip the DNS queue
inline constexpr std::uint16_t dnsQueue = 7800;
inline constexpr std::uint16_t decisionQueue = 7801;

inline constexpr std::uint32_t maskOf(std::uint32_t bit)
{
    return std::uint32_t{1} << bit;
}

} // namespace hostgate::kernel_defaults
