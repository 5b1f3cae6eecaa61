// SPDX-License-Identifier: GPL-3.0-or-later
// ListSet: longest entry per name, deny over allow, over every name of a connection.
#include "lists/list_set.h"

#include <fmt/format.h>

namespace hostgate {

std::optional<ListMatch> ListSet::match(const std::vector<std::string>& hostnames) const
{
    std::optional<ListMatch> allowed;
    for (const auto& host : hostnames) {
        const DomainList* best = nullptr;
        std::string_view bestEntry;
        for (const auto& list : lists_) {
            const auto entry = list->domains.matchSuffix(host);
            if (entry.empty())
                continue;
            if (!best || entry.size() > bestEntry.size() ||
                (entry.size() == bestEntry.size() && list->action == Action::Deny && best->action != Action::Deny)) {
                best = list.get();
                bestEntry = entry;
            }
        }
        if (!best)
            continue;
        std::shared_ptr<const DomainList> owner;
        for (const auto& list : lists_)
            if (list.get() == best)
                owner = list;
        ListMatch found{std::move(owner), host, std::string(bestEntry)};
        if (best->action == Action::Deny)
            return found;
        if (!allowed)
            allowed = std::move(found);
    }
    return allowed;
}

std::string listExplanation(const ListMatch& match)
{
    auto explanation = fmt::format("list \"{}\" ({}): {} {}", match.list->name, match.list->source,
                                   toString(match.list->action), match.host);
    if (match.entry != match.host)
        explanation += fmt::format(" (entry {})", match.entry);
    return explanation;
}

} // namespace hostgate
