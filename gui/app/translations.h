// SPDX-License-Identifier: GPL-3.0-or-later
// The tray's translations: hostgate_<lang>.qm compiled from gui/translations/*.ts and embedded under :/i18n,
// plus Qt's own (standard buttons) when the system has them.
#pragma once

#include <QLocale>
#include <QString>

class QCoreApplication;

namespace hostgate::gui {

// Installs the translators for `locale` on `app` (they live as long as the application); returns the name of
// the hostgate translation loaded (e.g. ":/i18n/hostgate_de.qm"); English (":/i18n/hostgate_en.qm", only
// plural forms: the sources are English) when there is none for the locale.
QString installTranslations(QCoreApplication& app, const QLocale& locale = QLocale());

} // namespace hostgate::gui
