// SPDX-License-Identifier: GPL-3.0-or-later
// PromptDialog: asks the user whether one application may connect to one destination, with a countdown to the default.
//
// Keyboard: Enter presses the button of the daemon's default action (so Enter never does more than waiting
// would); Esc, closing the window and the countdown reaching 0 answer "deny, only this time" (Esc/close) or
// "default action, only this time" (timeout). Alt+A Allow, Alt+D Deny, Alt+H host scope, Alt+P port scope,
// Alt+R remember. Both buttons stay disabled for a short input delay after a prompt appears, so a keystroke
// meant for another window cannot answer it.
#pragma once

#include "client/records.h"

#include <QDialog>

#include <chrono>
#include <functional>

class QComboBox;
class QLabel;
class QPushButton;
class QTimer;
class QCheckBox;

class QFormLayout;

namespace hostgate::gui {

class AppInfoResolver;

class PromptDialog : public QDialog {
    Q_OBJECT
public:
    using Clock = std::function<QDateTime()>;

    explicit PromptDialog(AppInfoResolver& apps, QWidget* parent = nullptr);

    // Shows `request` in this dialog (replacing any earlier one) and restarts the countdown.
    void showRequest(const PromptRequestRecord& request);
    quint64 requestId() const { return request.id; }
    // "2 of 5"; hidden when there is only one prompt.
    void setQueuePosition(int position, int total);

    void setInputDelay(std::chrono::milliseconds delay) { inputDelay = delay; }
    void setClock(Clock clock) { now = std::move(clock); }

    // What the dialog shows, for tests and accessibility.
    QString hostText() const;
    QString unicodeHintText() const; // "" unless a hostname has punycode ("xn--") labels
    QString countdownText() const;
    QString queueText() const;
    QPushButton* allowButton() const { return allow; }
    QPushButton* denyButton() const { return deny; }
    QComboBox* hostScopeBox() const { return hostScope; }
    QComboBox* portScopeBox() const { return portScope; }
    QComboBox* lifetimeBox() const { return lifetime; }
    QCheckBox* pinBox() const { return pin; }
    QString packageText() const;

    // The answer the current choices make for `action`.
    PromptAnswerRecord answerFor(const QString& action) const;

    // Shown ASCII-only: a name with non-ASCII characters is converted to punycode first.
    static QString asciiHostname(const QString& hostname);
    static bool isInternationalized(const QString& asciiHostname);

public slots:
    // Re-reads the clock; answers with the default action once the deadline has passed.
    void updateCountdown();
    void reject() override;

signals:
    void answered(quint64 id, const hostgate::gui::PromptAnswerRecord& answer);

private:
    AppInfoResolver& apps;
    PromptRequestRecord request;
    Clock now = [] { return QDateTime::currentDateTime(); };
    std::chrono::milliseconds inputDelay{600};
    QTimer* countdownTimer;
    QTimer* inputDelayTimer;
    bool answeredCurrent = true;

    QLabel* appIcon;
    QLabel* headline;
    QLabel* host;
    QLabel* unicodeHint;
    QLabel* otherNames;
    QLabel* unverified;   // names from a DNS server that is not trusted
    QLabel* encryptedDns; // the connection carries encrypted DNS
    QLabel* claimed;      // the name the first payload claims (no DNS answer named the address)
    QLabel* systemNotice; // a system service's prompt: answering needs an admin
    QLabel* container;
    QLabel* destination;
    QLabel* appPath;
    QLabel* package; // "curl 7.88.1-10 — command line tool for transferring data with URL syntax"
    QLabel* script;
    QFormLayout* detailsForm = nullptr;
    QLabel* commandLine;
    QLabel* process;
    QLabel* user;
    QLabel* parent;
    QLabel* countdown;
    QLabel* queuePosition;
    QComboBox* hostScope;
    QComboBox* portScope;
    QComboBox* lifetime;
    QCheckBox* pin; // pin a lasting answer's rule to this exact binary (its SHA-256)
    QPushButton* allow;
    QPushButton* deny;

    void showClaim(const PromptRequestRecord& shown);
    void buildLayout();
    void fillChoices();
    void finish(const PromptAnswerRecord& answer);
};

} // namespace hostgate::gui
