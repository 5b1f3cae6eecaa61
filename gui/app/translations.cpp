// SPDX-License-Identifier: GPL-3.0-or-later
// installTranslations: QTranslator::load by locale (its UI languages in order, e.g. de_DE then de).
#include "app/translations.h"

#include <QCoreApplication>
#include <QLibraryInfo>
#include <QTranslator>

namespace hostgate::gui {

QString installTranslations(QCoreApplication& app, const QLocale& locale)
{
    // Qt's own strings (QDialogButtonBox's standard buttons, context menus of text fields), if installed.
    auto* qt = new QTranslator(&app);
    if (qt->load(locale, QStringLiteral("qtbase"), QStringLiteral("_"),
                 QLibraryInfo::path(QLibraryInfo::TranslationsPath))) {
        QCoreApplication::installTranslator(qt);
    } else {
        delete qt;
    }
    auto* own = new QTranslator(&app);
    // Without a translation for the locale, English: its plural forms ("1 rule", "2 rules").
    if (!own->load(locale, QStringLiteral("hostgate"), QStringLiteral("_"), QStringLiteral(":/i18n")) &&
        !own->load(QStringLiteral("hostgate_en"), QStringLiteral(":/i18n"))) {
        delete own;
        return {};
    }
    QCoreApplication::installTranslator(own);
    return own->filePath();
}

} // namespace hostgate::gui
