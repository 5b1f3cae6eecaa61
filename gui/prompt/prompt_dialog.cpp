// SPDX-License-Identifier: GPL-3.0-or-later
// PromptDialog: every process-supplied string is shown as plain text, hostnames in their ASCII (punycode) form.
#include "prompt/prompt_dialog.h"

#include "prompt/app_info.h"
#include "ui/font_units.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <cmath>

namespace hostgate::gui {
namespace {

constexpr int countdownTickMs = 250;
constexpr int maxCommandLineChars = 300;

QLabel* plainLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    // Attacker-chosen text (command lines, names) must never be read as rich text.
    label->setTextFormat(Qt::PlainText);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label->setWordWrap(true);
    return label;
}

QString elided(const QString& text, int maxChars)
{
    return text.size() <= maxChars ? text : text.left(maxChars) + QStringLiteral("…");
}

} // namespace

PromptDialog::PromptDialog(AppInfoResolver& appResolver, QWidget* parentWidget)
    : QDialog(parentWidget, Qt::Dialog | Qt::WindowStaysOnTopHint), apps(appResolver), countdownTimer(new QTimer(this)),
      inputDelayTimer(new QTimer(this))
{
    setWindowTitle(tr("hostgate: outgoing connection"));
    buildLayout();
    countdownTimer->setInterval(countdownTickMs);
    connect(countdownTimer, &QTimer::timeout, this, &PromptDialog::updateCountdown);
    inputDelayTimer->setSingleShot(true);
    connect(inputDelayTimer, &QTimer::timeout, this, [this] {
        allow->setEnabled(true);
        deny->setEnabled(true);
    });
    connect(allow, &QPushButton::clicked, this, [this] { finish(answerFor(QStringLiteral("allow"))); });
    connect(deny, &QPushButton::clicked, this, [this] { finish(answerFor(QStringLiteral("deny"))); });
}

void PromptDialog::showClaim(const PromptRequestRecord& shown)
{
    if (shown.claimedBy.isEmpty()) {
        claimed->clear();
        claimed->hide();
        return;
    }
    const QString source = shown.claimedBy == QStringLiteral("http-host")  ? tr("its HTTP Host header")
                           : shown.claimedBy == QStringLiteral("quic-sni") ? tr("its QUIC handshake")
                                                                           : tr("its TLS handshake");
    QString text;
    if (shown.claimedHost.isEmpty())
        text = tr("No DNS answer named this address, and %1 names no host.").arg(source);
    else if (shown.claimTrusted)
        text = tr("Claimed name: %1, from %2, not from DNS. Nothing verifies it; this firewall is set to match it "
                  "against name rules anyway.")
                   .arg(asciiHostname(shown.claimedHost), source);
    else
        text = tr("Claimed name: %1, from %2, not from DNS. Nothing verifies it (an app can claim any name), so a "
                  "rule made here names the address.")
                   .arg(asciiHostname(shown.claimedHost), source);
    if (shown.encryptedHello)
        text += QLatin1Char(' ') + tr("The handshake is encrypted (ECH): this is the public name of the server in "
                                      "front, the name the app really wants is hidden.");
    claimed->setText(text);
    claimed->show();
}

void PromptDialog::buildLayout()
{
    appIcon = new QLabel(this);
    headline = plainLabel(this);
    QFont headlineFont = headline->font();
    headlineFont.setBold(true);
    headlineFont.setPointSizeF(headlineFont.pointSizeF() * 1.2);
    headline->setFont(headlineFont);
    host = plainLabel(this);
    QFont hostFont = host->font();
    hostFont.setBold(true);
    hostFont.setPointSizeF(hostFont.pointSizeF() * 1.4);
    host->setFont(hostFont);
    unicodeHint = plainLabel(this);
    otherNames = plainLabel(this);
    unverified = plainLabel(this);
    encryptedDns = plainLabel(this);
    encryptedDns->setObjectName(QStringLiteral("encryptedDns"));
    claimed = plainLabel(this);
    claimed->setObjectName(QStringLiteral("claimedName"));
    systemNotice = plainLabel(this);
    systemNotice->setObjectName(QStringLiteral("systemNotice"));
    container = plainLabel(this);
    package = plainLabel(this);
    destination = plainLabel(this);
    appPath = plainLabel(this);
    script = plainLabel(this);
    commandLine = plainLabel(this);
    process = plainLabel(this);
    user = plainLabel(this);
    parent = plainLabel(this);
    countdown = plainLabel(this);
    queuePosition = plainLabel(this);

    auto* header = new QHBoxLayout;
    header->addWidget(appIcon, 0, Qt::AlignTop);
    auto* headerText = new QVBoxLayout;
    headerText->addWidget(headline);
    headerText->addWidget(systemNotice);
    headerText->addWidget(host);
    headerText->addWidget(unicodeHint);
    headerText->addWidget(otherNames);
    headerText->addWidget(unverified);
    headerText->addWidget(encryptedDns);
    headerText->addWidget(claimed);
    headerText->addWidget(destination);
    header->addLayout(headerText, 1);

    auto* details = new QFormLayout;
    detailsForm = details;
    details->addRow(tr("Application:"), appPath);
    details->addRow(tr("Package:"), package);
    details->addRow(tr("Script:"), script);
    details->addRow(tr("Container:"), container);
    details->addRow(tr("Command line:"), commandLine);
    details->addRow(tr("Process:"), process);
    details->addRow(tr("User:"), user);
    details->addRow(tr("Parent:"), parent);

    hostScope = new QComboBox(this);
    portScope = new QComboBox(this);
    lifetime = new QComboBox(this);
    auto* choices = new QFormLayout;
    auto addChoice = [&](const QString& text, QComboBox* box) {
        auto* label = new QLabel(text, this);
        label->setBuddy(box);
        choices->addRow(label, box);
    };
    addChoice(tr("&Host:"), hostScope);
    addChoice(tr("&Port:"), portScope);
    addChoice(tr("&Remember:"), lifetime);
    pin = new QCheckBox(tr("Only this exact &binary (a changed program is not covered)"), this);
    choices->addRow(QString(), pin);
    // A pin belongs to a rule: an answer for this time only makes none.
    connect(lifetime, &QComboBox::currentIndexChanged, this,
            [this] { pin->setEnabled(lifetime->currentData().toString() != QLatin1String("once")); });

    allow = new QPushButton(tr("&Allow"), this);
    deny = new QPushButton(tr("&Deny"), this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(countdown, 1);
    buttons->addWidget(queuePosition);
    buttons->addWidget(deny);
    buttons->addWidget(allow);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(header);
    layout->addLayout(details);
    layout->addLayout(choices);
    layout->addLayout(buttons);
    setMinimumWidth(textColumns(*this, 68));
}

QString PromptDialog::asciiHostname(const QString& hostname)
{
    for (const QChar character : hostname) {
        if (character.unicode() > 0x7f) {
            const QByteArray ace = QUrl::toAce(hostname);
            // A name that cannot be converted is shown escaped rather than in a form that may deceive.
            return ace.isEmpty() ? QString::fromLatin1(hostname.toUtf8().toPercentEncoding(".-"))
                                 : QString::fromLatin1(ace);
        }
    }
    return hostname;
}

bool PromptDialog::isInternationalized(const QString& asciiName)
{
    const QStringList labels = asciiName.split(QLatin1Char('.'));
    return std::any_of(labels.cbegin(), labels.cend(), [](const QString& label) {
        return label.startsWith(QLatin1String("xn--"), Qt::CaseInsensitive);
    });
}

void PromptDialog::showRequest(const PromptRequestRecord& newRequest)
{
    request = newRequest;
    answeredCurrent = false;

    const AppInfo app = apps.resolve(request.app, request.script, request.appId);
    // Three lines of text high, in device pixels of this screen (sharp at any scale).
    const int iconSide = textLines(*this, 3);
    appIcon->setPixmap(app.icon().pixmap(QSize(iconSide, iconSide), devicePixelRatioF()));
    if (request.systemService) {
        // Name the service, not just the binary: "systemd-timesyncd.service" says more than its path.
        const QString unit = request.unit.startsWith(QStringLiteral("unit:")) ? request.unit.mid(5) : request.unit;
        const QString who = request.user.isEmpty() ? tr("uid %1").arg(request.uid) : request.user;
        headline->setText(unit.isEmpty() ? tr("System service %1 (user %2) wants to connect to").arg(app.name, who)
                                         : tr("System service %1 (user %2) wants to connect to").arg(unit, who));
        systemNotice->setText(tr("This is not one of your programs: answering needs an administrator's password."));
        systemNotice->show();
    } else {
        headline->setText(tr("%1 wants to connect to").arg(app.name));
        systemNotice->clear();
        systemNotice->hide();
    }

    QStringList names;
    for (const QString& name : std::as_const(request.hostnames)) {
        names.append(asciiHostname(name));
    }
    host->setText(names.isEmpty() ? request.address : names.constFirst());
    const QString primary = names.isEmpty() ? QString() : names.constFirst();
    if (!primary.isEmpty() && isInternationalized(primary)) {
        unicodeHint->setText(tr("Unicode form, for reference only (it may imitate another name): %1")
                                 .arg(QUrl::fromAce(primary.toLatin1())));
        unicodeHint->show();
    } else {
        unicodeHint->clear();
        unicodeHint->hide();
    }
    otherNames->setText(names.size() > 1 ? tr("Also: %1").arg(names.mid(1).join(QStringLiteral(", "))) : QString());
    otherNames->setVisible(names.size() > 1);
    destination->setText(tr("%1 port %2 (%3)").arg(request.address).arg(request.port).arg(request.protocol.toUpper()));
    if (!request.unverifiedHostnames.isEmpty()) {
        QStringList unverifiedNames;
        for (const QString& name : std::as_const(request.unverifiedHostnames))
            unverifiedNames.append(asciiHostname(name));
        unverified->setText(
            tr("Unverified: %1 says this is %2 (not a trusted resolver: name rules do not apply)")
                .arg(request.unverifiedResolver.isEmpty() ? tr("a DNS server") : request.unverifiedResolver,
                     unverifiedNames.join(QStringLiteral(", "))));
        unverified->show();
    } else {
        unverified->clear();
        unverified->hide();
    }
    showClaim(request);
    if (!request.encryptedDns.isEmpty()) {
        encryptedDns->setText(tr("Encrypted DNS: %1. Names this app looks up this way are invisible to the firewall, "
                                 "so its later connections can only be matched by address.")
                                  .arg(request.encryptedDns));
        encryptedDns->show();
    } else {
        encryptedDns->clear();
        encryptedDns->hide();
    }
    container->setText(
        request.container.isEmpty()
            ? QString()
            : tr("%1 (this attempt was refused; your answer applies to the next one)").arg(request.container));
    detailsForm->setRowVisible(container, !request.container.isEmpty());

    // A sandboxed app's rule names its app id (its path is the sandbox's own), so the id is what is shown first.
    if (!request.appId.isEmpty())
        appPath->setText(tr("%1 (runs %2; the rule will name the app id)").arg(request.appId, request.app));
    else if (!request.unit.isEmpty())
        appPath->setText(tr("%1 (in %2)").arg(request.app, request.unit));
    else
        appPath->setText(request.app);
    package->setText(request.package.isEmpty()
                         ? QString()
                         : tr("%1 %2 — %3").arg(request.package, request.packageVersion, request.packageSummary));
    detailsForm->setRowVisible(package, !request.package.isEmpty());
    script->setText(request.script);
    // The whole row, label included: most programs are not interpreters running a script.
    detailsForm->setRowVisible(script, !request.script.isEmpty());
    commandLine->setText(elided(request.commandLine, maxCommandLineChars));
    commandLine->setToolTip(request.commandLine);
    process->setText(request.attempts > 1 ? tr("PID %1 (%2 attempts)").arg(request.pid).arg(request.attempts)
                                          : tr("PID %1").arg(request.pid));
    user->setText(request.user.isEmpty() ? tr("uid %1").arg(request.uid)
                                         : tr("%1 (uid %2)").arg(request.user).arg(request.uid));
    parent->setText(request.parentApp.isEmpty() ? tr("PID %1").arg(request.parentPid)
                                                : tr("%1 (PID %2)").arg(request.parentApp).arg(request.parentPid));

    fillChoices();

    const bool defaultAllows = request.defaultAction == QLatin1String("allow");
    QPushButton* defaultButton = defaultAllows ? allow : deny;
    QPushButton* otherButton = defaultAllows ? deny : allow;
    otherButton->setDefault(false);
    otherButton->setAutoDefault(false);
    defaultButton->setAutoDefault(true);
    defaultButton->setDefault(true);
    defaultButton->setFocus();

    allow->setEnabled(inputDelay.count() <= 0);
    deny->setEnabled(inputDelay.count() <= 0);
    if (inputDelay.count() > 0) {
        inputDelayTimer->start(inputDelay);
    }
    if (request.deadline.isValid()) {
        countdownTimer->start();
    } else {
        countdownTimer->stop();
    }
    countdown->setVisible(request.deadline.isValid());
    updateCountdown();
}

void PromptDialog::fillChoices()
{
    const QString shownHost = host->text();
    hostScope->clear();
    hostScope->addItem(tr("Only %1").arg(shownHost), QStringLiteral("host"));
    if (!request.domainPattern.isEmpty()) {
        hostScope->addItem(tr("Any host matching %1").arg(asciiHostname(request.domainPattern)),
                           QStringLiteral("domain"));
    }
    hostScope->addItem(tr("Any host"), QStringLiteral("any"));

    portScope->clear();
    portScope->addItem(tr("Only port %1").arg(request.port), QStringLiteral("port"));
    portScope->addItem(tr("Any port"), QStringLiteral("any"));

    lifetime->clear();
    lifetime->addItem(tr("Only this time"), QStringLiteral("once"));
    lifetime->addItem(tr("Until the application quits"), QStringLiteral("until-exit"));
    lifetime->addItem(tr("For 1 hour"), QStringLiteral("hour"));
    lifetime->addItem(tr("Forever"), QStringLiteral("forever"));
    pin->setChecked(false);
    pin->setEnabled(lifetime->currentData().toString() != QLatin1String("once"));
}

PromptAnswerRecord PromptDialog::answerFor(const QString& action) const
{
    PromptAnswerRecord answer;
    answer.action = action;
    answer.hostScope = hostScope->currentData().toString();
    answer.portScope = portScope->currentData().toString();
    const QString chosenLifetime = lifetime->currentData().toString();
    if (chosenLifetime == QLatin1String("hour")) {
        answer.lifetime = QStringLiteral("until-time");
        answer.until = now().addSecs(60 * 60);
    } else {
        answer.lifetime = chosenLifetime;
    }
    answer.pin = pin->isEnabled() && pin->isChecked();
    return answer;
}

QString PromptDialog::packageText() const
{
    return package->text();
}

QString PromptDialog::hostText() const
{
    return host->text();
}

QString PromptDialog::unicodeHintText() const
{
    return unicodeHint->text();
}

QString PromptDialog::countdownText() const
{
    return countdown->text();
}

QString PromptDialog::queueText() const
{
    return queuePosition->isVisibleTo(this) ? queuePosition->text() : QString();
}

void PromptDialog::setQueuePosition(int position, int total)
{
    queuePosition->setText(tr("%1 of %2").arg(position).arg(total));
    queuePosition->setVisible(total > 1);
}

void PromptDialog::updateCountdown()
{
    if (answeredCurrent || !request.deadline.isValid()) {
        return;
    }
    const qint64 remainingMs = now().msecsTo(request.deadline);
    const bool defaultAllows = request.defaultAction == QLatin1String("allow");
    if (remainingMs <= 0) {
        // Waiting out the prompt never creates a lasting rule.
        PromptAnswerRecord answer;
        answer.action = defaultAllows ? QStringLiteral("allow") : QStringLiteral("deny");
        finish(answer);
        return;
    }
    const auto seconds = qint64(std::ceil(double(remainingMs) / 1000.0));
    countdown->setText(defaultAllows ? tr("Allowing in %1 s").arg(seconds) : tr("Denying in %1 s").arg(seconds));
}

void PromptDialog::reject()
{
    if (answeredCurrent) {
        QDialog::reject();
        return;
    }
    finish(PromptAnswerRecord{}); // deny, this host and port, only this time
}

void PromptDialog::finish(const PromptAnswerRecord& answer)
{
    if (answeredCurrent) {
        return;
    }
    answeredCurrent = true;
    countdownTimer->stop();
    emit answered(request.id, answer);
}

} // namespace hostgate::gui
