// SPDX-License-Identifier: GPL-3.0-or-later
// RulesModel: the daemon's rules as a table for the rules window, one row per RuleRecord.
#pragma once

#include "client/records.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QHash>
#include <QIcon>
#include <QStringList>

#include <functional>
#include <optional>

namespace hostgate::gui {

class RulesModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        EnabledColumn,
        AppColumn,
        HostColumn,
        PortsColumn,
        ProtocolColumn,
        ActionColumn,
        LifetimeColumn,
        HitsColumn,
        LastHitColumn,
        UserColumn,
        NoteColumn,
        OriginColumn,
        IdColumn, // the short id the log and hostgatectl use ("#12")
        ColumnCount,
    };
    enum Role {
        RuleIdRole = Qt::UserRole + 1,
        // Values that sort naturally (numbers and times rather than their display text).
        SortRole,
        ReadOnlyRole,
    };

    explicit RulesModel(QObject* parent = nullptr);

    // Replaces every row in one model reset: cheaper than row-by-row diffs for thousands of rules.
    void setRules(QList<RuleRecord> rules);
    const RuleRecord& ruleAt(int row) const { return rules_.at(row); }
    const QList<RuleRecord>& rules() const { return rules_; }
    // Distinct application paths named by the rules, sorted; "" (any application) included when used.
    QStringList applications() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    // Only the enabled checkbox is editable; the change is shown at once and announced via enabledToggled.
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;

    // "forever", "once", "until 14:30 (in 25 min)" (today), "until 2024-05-03 14:30 (in 2 d 5 h)", "ended at
    // 14:30", "until app quits (pid 123)".
    static QString describeLifetime(const RuleRecord& rule, const QDateTime& now);
    // "in 45 s", "in 25 min", "in 5 h 30 min", "in 2 d 5 h" (rounded down to the unit shown).
    static QString describeCountdown(qint64 seconds);
    // Where the rule comes from: "admin file 10-corp.toml", "prompt" (an answer lasting until the app quits,
    // which only prompts make), "user".
    static QString describeOrigin(const RuleRecord& rule);
    // Tells the views that expiry countdowns moved on (the rules window calls it every 30 s).
    void refreshCountdowns();
    // Where the application column's icons come from (the rules window resolves them from .desktop files, as
    // prompts do); asked once per application and script, then remembered.
    using IconLookup = std::function<QIcon(const RuleRecord&)>;
    void setIconLookup(IconLookup lookup);
    // "14:30" (today), "2024-05-03 14:30", "never".
    static QString describeLastHit(const std::optional<QDateTime>& lastHit, const QDateTime& now);
    // The basename shown for a rule's application, with its script when it has one.
    static QString describeApp(const RuleRecord& rule);

signals:
    void enabledToggled(quint64 id, bool enabled);

private:
    QVariant displayText(const RuleRecord& rule, int column) const;
    QVariant sortValue(const RuleRecord& rule, int column) const;
    QString toolTip(const RuleRecord& rule, int column) const;

    QIcon iconFor(const RuleRecord& rule) const;

    QList<RuleRecord> rules_;
    IconLookup iconLookup_;
    mutable QHash<QString, QIcon> icons_; // by app + '\n' + script
};

} // namespace hostgate::gui
