// SPDX-License-Identifier: GPL-3.0-or-later
// Changes the mark of one conntrack entry through ctnetlink (libnetfilter_conntrack): how the daemon ends a
// flow's wait for its first payload when no packet of it is in hand (firewall_rules.h, "Waiting flows").
#pragma once

#include "capture/packet.h"
#include "util/result.h"

#include <cstdint>
#include <memory>

struct nfct_handle;

namespace hostgate {

// One ctnetlink handle reused for every change, in the network namespace it was opened in.
class ConntrackMarks {
public:
    static Result<ConntrackMarks> open();

    // Clears `bits` in the ct mark of the entry whose original direction is `outgoing` (other bits kept: a
    // read, then an update of the mark alone). Fails when no entry matches.
    Result<void> clearBits(const FiveTuple& outgoing, std::uint32_t bits);

private:
    struct Closer {
        void operator()(nfct_handle* handle) const;
    };
    explicit ConntrackMarks(std::unique_ptr<nfct_handle, Closer> handle) : handle_(std::move(handle)) {}

    std::unique_ptr<nfct_handle, Closer> handle_;
};

} // namespace hostgate
