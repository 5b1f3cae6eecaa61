// SPDX-License-Identifier: GPL-3.0-or-later
// RuleEditorDialog: the rule form, its validation and the AddRule/UpdateRule call behind "Save".
#include "windows/rule_editor_dialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDateTimeEdit>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHostAddress>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QRegularExpression>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace hostgate::gui {

namespace {

bool isValidHostName(QString name)
{
    if (name.endsWith(QLatin1Char('.'))) {
        name.chop(1);
    }
    // International names are checked in their ASCII (punycode) form, as the daemon stores them.
    const QString ascii = QString::fromLatin1(QUrl::toAce(name));
    if (ascii.isEmpty() || ascii.size() > 253) {
        return false;
    }
    static const QRegularExpression label(QStringLiteral("^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$"));
    const QStringList labels = ascii.split(QLatin1Char('.'));
    return std::all_of(labels.begin(), labels.end(), [](const QString& part) { return label.match(part).hasMatch(); });
}

} // namespace

RuleEditorDialog::RuleEditorDialog(FirewallClient& client, QWidget* parent) : QDialog(parent), client_(client)
{
    setWindowTitle(tr("New rule"));
    buildForm();
    refreshValidation();
}

void RuleEditorDialog::buildForm()
{
    auto* form = new QFormLayout;

    appEdit_ = new QLineEdit(this);
    appEdit_->setObjectName(QStringLiteral("appEdit"));
    appEdit_->setPlaceholderText(tr("any application, or e.g. /usr/bin/curl or flatpak:org.mozilla.firefox"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(this, tr("Choose application"), QStringLiteral("/usr/bin"));
        if (!path.isEmpty()) {
            appEdit_->setText(path);
        }
    });
    auto* appRow = new QHBoxLayout;
    appRow->addWidget(appEdit_);
    appRow->addWidget(browse);
    form->addRow(tr("&Application:"), appRow);

    scriptEdit_ = new QLineEdit(this);
    scriptEdit_->setObjectName(QStringLiteral("scriptEdit"));
    scriptEdit_->setPlaceholderText(tr("any script (for interpreters such as python3)"));
    form->addRow(tr("&Script:"), scriptEdit_);

    userEdit_ = new QLineEdit(this);
    userEdit_->setObjectName(QStringLiteral("userEdit"));
    userEdit_->setPlaceholderText(tr("any user, or a numeric uid"));
    form->addRow(tr("&User:"), userEdit_);

    hostEdit_ = new QLineEdit(QStringLiteral("*"), this);
    hostEdit_->setObjectName(QStringLiteral("hostEdit"));
    hostEdit_->setPlaceholderText(tr("* (any), www.example.com, *.example.com, 203.0.113.0/24"));
    form->addRow(tr("&Host:"), hostEdit_);

    portsEdit_ = new QLineEdit(this);
    portsEdit_->setObjectName(QStringLiteral("portsEdit"));
    portsEdit_->setPlaceholderText(tr("any, or 80,443,8000-8100"));
    form->addRow(tr("&Ports:"), portsEdit_);

    protocolCombo_ = new QComboBox(this);
    protocolCombo_->setObjectName(QStringLiteral("protocolCombo"));
    protocolCombo_->addItem(tr("any"), QStringLiteral("any"));
    protocolCombo_->addItem(QStringLiteral("TCP"), QStringLiteral("tcp"));
    protocolCombo_->addItem(QStringLiteral("UDP"), QStringLiteral("udp"));
    form->addRow(tr("P&rotocol:"), protocolCombo_);

    actionCombo_ = new QComboBox(this);
    actionCombo_->setObjectName(QStringLiteral("actionCombo"));
    actionCombo_->addItem(tr("Choose…"), QString());
    actionCombo_->addItem(tr("Allow"), QStringLiteral("allow"));
    actionCombo_->addItem(tr("Deny"), QStringLiteral("deny"));
    form->addRow(tr("A&ction:"), actionCombo_);

    lifetimeCombo_ = new QComboBox(this);
    lifetimeCombo_->setObjectName(QStringLiteral("lifetimeCombo"));
    lifetimeCombo_->addItem(tr("Forever"), QStringLiteral("forever"));
    lifetimeCombo_->addItem(tr("Until a time"), QStringLiteral("until-time"));
    untilEdit_ = new QDateTimeEdit(QDateTime::currentDateTime().addSecs(3600), this);
    untilEdit_->setObjectName(QStringLiteral("untilEdit"));
    untilEdit_->setCalendarPopup(true);
    untilEdit_->setDisplayFormat(QStringLiteral("yyyy-MM-dd HH:mm"));
    auto* lifetimeRow = new QHBoxLayout;
    lifetimeRow->addWidget(lifetimeCombo_);
    lifetimeRow->addWidget(untilEdit_, 1);
    form->addRow(tr("&Lifetime:"), lifetimeRow);

    enabledCheck_ = new QCheckBox(tr("&Enabled"), this);
    enabledCheck_->setObjectName(QStringLiteral("enabledCheck"));
    enabledCheck_->setChecked(true);
    form->addRow(QString(), enabledCheck_);

    noteEdit_ = new QLineEdit(this);
    noteEdit_->setObjectName(QStringLiteral("noteEdit"));
    form->addRow(tr("&Note:"), noteEdit_);

    problemLabel_ = new QLabel(this);
    problemLabel_->setObjectName(QStringLiteral("problemLabel"));
    problemLabel_->setWordWrap(true);
    problemLabel_->setStyleSheet(QStringLiteral("color: #c01c28;"));

    buttons_ = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel, this);
    connect(buttons_, &QDialogButtonBox::accepted, this, &RuleEditorDialog::accept);
    connect(buttons_, &QDialogButtonBox::rejected, this, &RuleEditorDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(problemLabel_);
    layout->addWidget(buttons_);

    for (QLineEdit* edit : {appEdit_, scriptEdit_, userEdit_, hostEdit_, portsEdit_, noteEdit_}) {
        connect(edit, &QLineEdit::textChanged, this, &RuleEditorDialog::refreshValidation);
    }
    for (QComboBox* combo : {protocolCombo_, actionCombo_, lifetimeCombo_}) {
        connect(combo, &QComboBox::currentIndexChanged, this, &RuleEditorDialog::refreshValidation);
    }
    connect(untilEdit_, &QDateTimeEdit::dateTimeChanged, this, &RuleEditorDialog::refreshValidation);
}

void RuleEditorDialog::prefillNewRule(const RuleRecord& draft)
{
    original_.reset();
    setWindowTitle(tr("New rule"));
    showRule(draft);
}

void RuleEditorDialog::editRule(const RuleRecord& rule)
{
    original_ = rule;
    setWindowTitle(tr("Edit rule #%1").arg(rule.id));
    showRule(rule);
}

void RuleEditorDialog::showRule(const RuleRecord& rule)
{
    appEdit_->setText(rule.app);
    scriptEdit_->setText(rule.script);
    userEdit_->setText(rule.user ? QString::number(*rule.user) : QString());
    hostEdit_->setText(rule.host);
    portsEdit_->setText(rule.ports);
    const int protocol = protocolCombo_->findData(rule.protocol);
    protocolCombo_->setCurrentIndex(protocol < 0 ? 0 : protocol);
    const int action = actionCombo_->findData(rule.action);
    actionCombo_->setCurrentIndex(action < 0 ? 0 : action);
    // Lifetimes the form cannot create (once, until the app quits) stay selectable for rules that have them.
    int lifetime = lifetimeCombo_->findData(rule.lifetime);
    if (lifetime < 0) {
        lifetimeCombo_->addItem(
            rule.lifetime == QLatin1String("until-exit") ? tr("Until the app quits") : rule.lifetime, rule.lifetime);
        lifetime = lifetimeCombo_->count() - 1;
    }
    lifetimeCombo_->setCurrentIndex(lifetime);
    if (rule.until) {
        untilEdit_->setDateTime(rule.until->toLocalTime());
    }
    enabledCheck_->setChecked(rule.enabled);
    noteEdit_->setText(rule.note);
    refreshValidation();
}

RuleRecord RuleEditorDialog::draft() const
{
    RuleRecord rule = original_.value_or(RuleRecord{});
    rule.app = appEdit_->text().trimmed();
    rule.script = scriptEdit_->text().trimmed();
    const QString user = userEdit_->text().trimmed();
    bool userOk = false;
    const uint uid = user.toUInt(&userOk);
    rule.user = userOk ? std::optional<uint>(uid) : std::nullopt;
    rule.host = hostEdit_->text().trimmed();
    rule.ports = portsEdit_->text().trimmed();
    rule.protocol = protocolCombo_->currentData().toString();
    rule.action = actionCombo_->currentData().toString();
    rule.lifetime = lifetimeCombo_->currentData().toString();
    if (rule.lifetime == QLatin1String("until-time")) {
        rule.until = untilEdit_->dateTime();
    } else {
        rule.until.reset();
    }
    rule.enabled = enabledCheck_->isChecked();
    rule.note = noteEdit_->text();
    return rule;
}

QVariantMap RuleEditorDialog::fields() const
{
    return draft().editableFields();
}

bool RuleEditorDialog::isValidHost(const QString& host)
{
    const QString text = host.trimmed();
    if (text == QLatin1String("*") || text.compare(QLatin1String("any"), Qt::CaseInsensitive) == 0) {
        return true;
    }
    if (text.startsWith(QLatin1String("*."))) {
        return isValidHostName(text.mid(2));
    }
    if (text.startsWith(QLatin1String("re:"))) {
        // RE2 syntax; the daemon compiles it and names any problem. Here: present, bounded, printable ASCII.
        const QString pattern = text.mid(3);
        return !pattern.isEmpty() && pattern.size() <= 256 && std::all_of(pattern.begin(), pattern.end(), [](QChar c) {
            return c.unicode() >= 0x20 && c.unicode() < 0x7f;
        });
    }
    if (text.contains(QLatin1Char('/'))) {
        return QHostAddress::parseSubnet(text).second >= 0;
    }
    if (!QHostAddress(text).isNull()) {
        return true;
    }
    return !text.contains(QLatin1Char(':')) && isValidHostName(text);
}

bool RuleEditorDialog::isValidPorts(const QString& ports)
{
    const QString text = ports.trimmed();
    if (text.isEmpty() || text == QLatin1String("*") || text.compare(QLatin1String("any"), Qt::CaseInsensitive) == 0) {
        return true;
    }
    static const QRegularExpression item(QStringLiteral("^\\s*(\\d{1,5})\\s*(?:-\\s*(\\d{1,5})\\s*)?$"));
    const QStringList items = text.split(QLatin1Char(','));
    return std::all_of(items.begin(), items.end(), [](const QString& part) {
        const QRegularExpressionMatch match = item.match(part);
        if (!match.hasMatch()) {
            return false;
        }
        const int first = match.captured(1).toInt();
        const int last = match.captured(2).isEmpty() ? first : match.captured(2).toInt();
        return first >= 1 && last <= 65535 && first <= last;
    });
}

QString RuleEditorDialog::validationProblem() const
{
    const QString app = appEdit_->text().trimmed();
    // App ids (the daemon checks each kind's name and says what is wrong with it).
    static const QStringList appIdPrefixes{QStringLiteral("flatpak:"), QStringLiteral("snap:"),
                                           QStringLiteral("appimage:"), QStringLiteral("unit:")};
    const bool isAppId = std::any_of(appIdPrefixes.cbegin(), appIdPrefixes.cend(), [&](const QString& prefix) {
        return app.size() > prefix.size() && app.startsWith(prefix);
    });
    if (!app.isEmpty() && !app.startsWith(QLatin1Char('/')) && !isAppId) {
        return tr(
            "The application must be an absolute path such as /usr/bin/curl, an app id (flatpak:org.mozilla.firefox, "
            "snap:firefox, appimage:Tool.AppImage, unit:cups.service), or empty for any application.");
    }
    const QString user = userEdit_->text().trimmed();
    bool userOk = false;
    user.toUInt(&userOk);
    if (!user.isEmpty() && !userOk) {
        return tr("The user must be a numeric uid, or empty for any user.");
    }
    if (!isValidHost(hostEdit_->text())) {
        return tr("The host must be * (any host), a name (www.example.com), *.domain, an address, a network "
                  "(203.0.113.0/24) or re: and a regular expression of at most 256 characters.");
    }
    if (!isValidPorts(portsEdit_->text())) {
        return tr("Ports must be empty (any port) or a list such as 80,443,8000-8100 with ports from 1 to 65535.");
    }
    if (actionCombo_->currentData().toString().isEmpty()) {
        return tr("Choose whether the rule allows or denies the connections.");
    }
    if (lifetimeCombo_->currentData().toString() == QLatin1String("until-time") &&
        untilEdit_->dateTime() <= QDateTime::currentDateTime()) {
        return tr("Choose a time in the future for the rule to end.");
    }
    return {};
}

void RuleEditorDialog::refreshValidation()
{
    untilEdit_->setEnabled(lifetimeCombo_->currentData().toString() == QLatin1String("until-time"));
    const QString problem = validationProblem();
    problemLabel_->setText(problem);
    buttons_->button(QDialogButtonBox::Save)->setEnabled(problem.isEmpty() && !busy_);
}

void RuleEditorDialog::setBusy(bool busy)
{
    busy_ = busy;
    refreshValidation();
}

void RuleEditorDialog::accept()
{
    if (busy_ || !validationProblem().isEmpty()) {
        return;
    }
    QPointer<RuleEditorDialog> self(this);
    if (!original_) {
        setBusy(true);
        client_.addRule(fields(), [self](quint64 id, const CallError& error) {
            if (self) {
                self->finishSave(id, error);
            }
        });
        return;
    }
    // UpdateRule keeps the keys it is not given, so only what the user changed is sent.
    const QVariantMap before = original_->editableFields();
    QVariantMap changes;
    const QVariantMap after = fields();
    for (auto it = after.begin(); it != after.end(); ++it) {
        if (before.value(it.key()) != it.value()) {
            changes.insert(it.key(), it.value());
        }
    }
    if (changes.isEmpty()) {
        QDialog::accept();
        return;
    }
    setBusy(true);
    const quint64 id = original_->id;
    client_.updateRule(id, changes, [self, id](const CallError& error) {
        if (self) {
            self->finishSave(id, error);
        }
    });
}

void RuleEditorDialog::finishSave(quint64 id, const CallError& error)
{
    setBusy(false);
    if (error.failed()) {
        problemLabel_->setText(error.describe());
        emit saveFailed(isEditing() ? tr("save rule #%1").arg(id) : tr("add the rule"), error);
        return;
    }
    emit ruleSaved(id);
    QDialog::accept();
}

} // namespace hostgate::gui
