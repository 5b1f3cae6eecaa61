// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: the subscribed lists — listing them, refreshing them and switching them on or off.
#include "bus/bus_records.h"
#include "bus/firewall_object.h"

namespace hostgate {

namespace {

VariantMap listToRecord(const ListInfo& list)
{
    const auto usec = [](const std::optional<TimePoint>& time) {
        return sdbus::Variant(time ? toUsec(*time) : std::int64_t{0});
    };
    VariantMap record;
    record["name"] = sdbus::Variant(list.name);
    record["description"] = sdbus::Variant(list.description);
    record["source"] = sdbus::Variant(list.source);
    record["file"] = sdbus::Variant(list.file);
    record["format"] = sdbus::Variant(list.format);
    record["action"] = sdbus::Variant(std::string(toString(list.action)));
    record["enabled"] = sdbus::Variant(list.enabled);
    record["entries"] = sdbus::Variant(std::uint64_t{list.entries});
    record["last_fetch_usec"] = usec(list.lastFetch);
    record["last_success_usec"] = usec(list.lastSuccess);
    record["last_error"] = sdbus::Variant(list.lastError);
    record["next_refresh_usec"] = usec(list.nextRefresh);
    record["fetching"] = sdbus::Variant(list.fetching);
    return record;
}

} // namespace

std::vector<std::map<std::string, sdbus::Variant>> FirewallObject::ListLists()
{
    return guarded([this] {
        Records records;
        for (const auto& list : bus_.control.lists())
            records.push_back(listToRecord(list));
        return records;
    });
}

void FirewallObject::RefreshLists(sdbus::Result<>&& result, std::string name)
{
    if (name.size() > 64) {
        result.returnError(toBusError(Error::named(std::string(control_error::invalidArgument), "List name too long")));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, name = std::move(name)](const auto& reply, const Caller& caller) {
                      if (auto refreshed = bus_.control.refreshLists(name); !refreshed) {
                          reply.returnError(toBusError(refreshed.error()));
                          return;
                      }
                      bus_.log.info("List refresh asked over D-Bus",
                                    {{"list", name.empty() ? std::string("(all)") : name}, {"uid", caller.uid}});
                      reply.returnResults();
                  });
}

void FirewallObject::SetListEnabled(sdbus::Result<>&& result, std::string name, bool enabled)
{
    if (name.size() > 64) {
        result.returnError(toBusError(Error::named(std::string(control_error::invalidArgument), "List name too long")));
        return;
    }
    authorizeThen(
        std::move(result), polkit_action::manageRules,
        [this, name = std::move(name), enabled](const auto& reply, const Caller& caller) {
            if (auto changed = bus_.control.setListEnabled(name, enabled); !changed) {
                reply.returnError(toBusError(changed.error()));
                return;
            }
            bus_.log.info("List switched over D-Bus", {{"list", name}, {"enabled", enabled}, {"uid", caller.uid}});
            sendRulesChanged();
            reply.returnResults();
        });
}

} // namespace hostgate
