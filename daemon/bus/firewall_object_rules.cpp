// SPDX-License-Identifier: GPL-3.0-or-later
// FirewallObject: reading and changing rules (validated before polkit, applied after it, then signalled).
#include "bus/firewall_object.h"

#include "bus/reply_budget.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>

#include <optional>

namespace hostgate {

namespace {

// TOML of a rules file people write by hand stays far below this; a larger text is refused unparsed.
constexpr std::size_t maxImportBytes = maxRuleTextBytes; // the same limit as rule files

Error noSuchRule(RuleId id)
{
    return Error::named(std::string(control_error::noSuchRule), fmt::format("No rule has id {}", id));
}

// Admin and base rules are read-only to every caller, so that is known before polkit is asked.
std::optional<Error> notEditable(const std::optional<Rule>& rule, RuleId id)
{
    if (!rule)
        return noSuchRule(id);
    if (isReadOnly(rule->origin)) {
        return Error::named(
            std::string(control_error::readOnlyRule),
            fmt::format("Rule {} is an {} rule from {}; it is read-only", id, originName(rule->origin), rule->source));
    }
    return std::nullopt;
}

} // namespace

std::vector<std::map<std::string, sdbus::Variant>> FirewallObject::ListRules()
{
    return guarded([this] {
        const auto rules = bus_.rulesSnapshot();
        auto page = buildPage(
            rules->size(), [&](std::size_t index) { return ruleToRecord((*rules)[index]); }, maxReplyBytes);
        if (!page.complete) {
            // Refused rather than cut: a client that believes it has every rule must not miss some.
            throw toBusError(Error::named(
                std::string(control_error::limitExceeded),
                fmt::format("{} rules do not fit into one reply of at most {} MiB (the first {} took {} bytes); "
                            "use ListRulesPage",
                            rules->size(), maxReplyBytes / (1024 * 1024), page.records.size(), page.bytes)));
        }
        return page.records;
    });
}

std::tuple<std::vector<std::map<std::string, sdbus::Variant>>, uint64_t, uint64_t>
FirewallObject::ListRulesPage(const uint64_t& offset, const uint32_t& limit)
{
    return guarded([&] {
        const auto rules = bus_.rulesSnapshot();
        const std::uint64_t total = rules->size();
        const std::size_t first = static_cast<std::size_t>(std::min<std::uint64_t>(offset, total));
        const std::size_t count = std::min<std::size_t>(clampPageLimit(limit), rules->size() - first);
        auto page = buildPage(
            count, [&](std::size_t index) { return ruleToRecord((*rules)[first + index]); }, maxPageBytes);
        const std::uint64_t next = first + page.records.size();
        return std::make_tuple(std::move(page.records), total, next);
    });
}

std::map<std::string, sdbus::Variant> FirewallObject::GetRule(const uint64_t& id)
{
    return guarded([&] {
        const auto rule = bus_.control.rule(id);
        if (!rule)
            throw toBusError(noSuchRule(id));
        auto record = ruleToRecord(*rule);
        boundRecord(record);
        return record;
    });
}

std::string FirewallObject::ExportRules()
{
    return guarded([this] {
        auto toml = bus_.control.exportRules();
        if (toml.size() > maxReplyBytes) {
            throw toBusError(Error::named(std::string(control_error::limitExceeded),
                                          fmt::format("The user rules take {} bytes of TOML, more than one reply may "
                                                      "carry ({} MiB); list them with ListRulesPage",
                                                      toml.size(), maxReplyBytes / (1024 * 1024))));
        }
        return toml;
    });
}

void FirewallObject::AddRule(sdbus::Result<uint64_t>&& result, std::map<std::string, sdbus::Variant> record)
{
    // Validate before asking polkit (no password prompt for a request that cannot succeed); apply again
    // afterwards, because an interactive check can take minutes and "until" may have passed meanwhile.
    if (auto checked = newRuleFromRecord(record, Clock::now()); !checked) {
        result.returnError(toBusError(checked.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, record = std::move(record)](const auto& reply, const Caller& caller) {
                      const auto now = Clock::now();
                      auto rule = newRuleFromRecord(record, now);
                      if (!rule) {
                          reply.returnError(toBusError(rule.error()));
                          return;
                      }
                      rule->created = now;
                      auto added = bus_.control.addRule(std::move(rule).value());
                      if (!added) {
                          reply.returnError(toBusError(added.error()));
                          return;
                      }
                      bus_.log.info("Rule added over D-Bus", {{"rule", describe(*added)}, {"uid", caller.uid}});
                      sendRulesChanged();
                      reply.returnResults(added->id);
                  });
}

void FirewallObject::UpdateRule(sdbus::Result<>&& result, uint64_t id, std::map<std::string, sdbus::Variant> changes)
{
    const auto existing = bus_.control.rule(id);
    if (auto refused = notEditable(existing, id)) {
        result.returnError(toBusError(*refused));
        return;
    }
    if (auto checked = applyRuleRecord(*existing, changes, Clock::now()); !checked) {
        result.returnError(toBusError(checked.error()));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, id, changes = std::move(changes)](const auto& reply, const Caller& caller) {
                      const auto current = bus_.control.rule(id);
                      if (!current) {
                          reply.returnError(toBusError(noSuchRule(id)));
                          return;
                      }
                      auto rule = applyRuleRecord(*current, changes, Clock::now());
                      if (!rule) {
                          reply.returnError(toBusError(rule.error()));
                          return;
                      }
                      if (auto updated = bus_.control.updateRule(*rule); !updated) {
                          reply.returnError(toBusError(updated.error()));
                          return;
                      }
                      bus_.log.info("Rule updated over D-Bus", {{"rule", describe(*rule)}, {"uid", caller.uid}});
                      sendRulesChanged();
                      reply.returnResults();
                  });
}

void FirewallObject::RemoveRule(sdbus::Result<>&& result, uint64_t id)
{
    if (auto refused = notEditable(bus_.control.rule(id), id)) {
        result.returnError(toBusError(*refused));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules, [this, id](const auto& reply, const Caller& caller) {
        if (auto removed = bus_.control.removeRule(id); !removed) {
            reply.returnError(toBusError(removed.error()));
            return;
        }
        bus_.log.info("Rule removed over D-Bus", {{"rule", id}, {"uid", caller.uid}});
        sendRulesChanged();
        reply.returnResults();
    });
}

void FirewallObject::SetRuleEnabled(sdbus::Result<>&& result, uint64_t id, bool enabled)
{
    if (auto refused = notEditable(bus_.control.rule(id), id)) {
        result.returnError(toBusError(*refused));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, id, enabled](const auto& reply, const Caller& caller) {
                      if (auto changed = bus_.control.setRuleEnabled(id, enabled); !changed) {
                          reply.returnError(toBusError(changed.error()));
                          return;
                      }
                      bus_.log.info("Rule enabled state changed over D-Bus",
                                    {{"rule", id}, {"enabled", enabled}, {"uid", caller.uid}});
                      sendRulesChanged();
                      reply.returnResults();
                  });
}

void FirewallObject::ImportRules(sdbus::Result<uint32_t>&& result, std::string toml, bool replace)
{
    if (toml.size() > maxImportBytes) {
        result.returnError(toBusError(
            Error::named(std::string(control_error::invalidArgument),
                         fmt::format("Rules text too large: {} bytes (at most {})", toml.size(), maxImportBytes))));
        return;
    }
    authorizeThen(std::move(result), polkit_action::manageRules,
                  [this, toml = std::move(toml), replace](const auto& reply, const Caller& caller) {
                      auto imported = bus_.control.importRules(toml, replace);
                      if (!imported) {
                          reply.returnError(toBusError(imported.error()));
                          return;
                      }
                      bus_.log.info("Rules imported over D-Bus",
                                    {{"count", *imported}, {"replace", replace}, {"uid", caller.uid}});
                      sendRulesChanged();
                      reply.returnResults(static_cast<uint32_t>(*imported));
                  });
}

} // namespace hostgate
