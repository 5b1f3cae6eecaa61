// SPDX-License-Identifier: GPL-3.0-or-later
// PromptQueue: shows pending prompts one at a time in a single dialog, oldest first, with a "1 of 3" indicator.
//
// One dialog is reused: it is shown (and activated) only when the first prompt arrives; prompts arriving
// while it is visible only update the indicator, so a burst of prompts never steals focus repeatedly.
#pragma once

#include "client/records.h"
#include "prompt/prompt_dialog.h"

#include <QList>
#include <QObject>

#include <chrono>
#include <memory>
#include <optional>

namespace hostgate::gui {

class PromptQueue : public QObject {
    Q_OBJECT
public:
    explicit PromptQueue(AppInfoResolver& apps, QObject* parent = nullptr);
    ~PromptQueue() override;

    // A request with the id of a queued one replaces it (the daemon merged more attempts into it).
    void enqueue(const PromptRequestRecord& request);
    // Drops the prompt without an answer (the daemon cancelled it); closes the dialog if it was showing it.
    void cancel(quint64 id);
    void cancelAll();

    qsizetype size() const { return pending.size(); }
    std::optional<quint64> currentId() const;
    PromptDialog& dialog() { return *promptDialog; }
    // How long a shown prompt may take to become the active window before `unfocused` is emitted.
    void setFocusGrace(std::chrono::milliseconds grace) { focusGrace = grace; }

signals:
    void answered(quint64 id, const hostgate::gui::PromptAnswerRecord& answer);
    // The dialog was shown for `request` but is not the active window after the focus grace.
    void unfocused(const hostgate::gui::PromptRequestRecord& request);
    // No prompt is waiting any more (the dialog is hidden).
    void idle();

private:
    std::unique_ptr<PromptDialog> promptDialog;
    QList<PromptRequestRecord> pending;
    std::chrono::milliseconds focusGrace{1500};

    void showFront();
    void updatePosition();
    void onAnswered(quint64 id, const PromptAnswerRecord& answer);
};

} // namespace hostgate::gui
