// SPDX-License-Identifier: GPL-3.0-or-later
// ListSet: the subscribed lists in force, and which of them decides a connection no rule decides.
#pragma once

#include "lists/domain_set.h"
#include "rules/rule.h"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

// One parsed list as the engine consults it. Immutable once built: a refresh builds a new one and swaps the
// pointer, so a lookup never sees half a list.
struct DomainList {
    std::string name;   // "ads"
    std::string source; // the admin's file that configures it, "/etc/hostgate/lists.d/ads.toml"
    Action action = Action::Deny;
    DomainSet domains;
};

struct ListMatch {
    std::shared_ptr<const DomainList> list;
    std::string host;  // the connection's name that matched, "ads.example.com"
    std::string entry; // the list's entry covering it, "example.com"
};

// An entry covers its name and every name under it. For one name the longest covering entry of any list wins,
// deny over allow at equal length; over a connection's names (its CNAME chain), a deny for any name wins over
// an allow for another, so a cloaked tracker behind an allowed alias is still blocked.
class ListSet {
public:
    ListSet() = default;
    explicit ListSet(std::vector<std::shared_ptr<const DomainList>> lists) : lists_(std::move(lists)) {}

    std::optional<ListMatch> match(const std::vector<std::string>& hostnames) const;
    const std::vector<std::shared_ptr<const DomainList>>& lists() const { return lists_; }
    bool empty() const { return lists_.empty(); }

private:
    std::vector<std::shared_ptr<const DomainList>> lists_;
};

// "list "ads" (/etc/hostgate/lists.d/ads.toml): deny ads.example.com (entry example.com)"
std::string listExplanation(const ListMatch& match);

} // namespace hostgate
