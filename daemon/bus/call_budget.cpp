// SPDX-License-Identifier: GPL-3.0-or-later
// CallBudget: per-uid and total counters of calls waiting for polkit.
#include "bus/call_budget.h"

namespace hostgate {

bool CallBudget::tryAcquire(std::uint32_t uid)
{
    if (total_ >= limits_.total || inFlightOf(uid) >= limits_.perUid)
        return false;
    ++byUid_[uid];
    ++total_;
    return true;
}

void CallBudget::release(std::uint32_t uid)
{
    const auto it = byUid_.find(uid);
    if (it == byUid_.end())
        return;
    if (--it->second == 0)
        byUid_.erase(it);
    --total_;
}

std::size_t CallBudget::inFlightOf(std::uint32_t uid) const
{
    const auto it = byUid_.find(uid);
    return it == byUid_.end() ? 0 : it->second;
}

} // namespace hostgate
