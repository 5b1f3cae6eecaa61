// SPDX-License-Identifier: GPL-3.0-or-later
// Sizes in units of a widget's font (average character width, line spacing) instead of pixels, so windows follow
// the user's font size and the display's scale (QT_SCALE_FACTOR, high-DPI screens) without clipping.
#pragma once

#include <QFontMetricsF>
#include <QGuiApplication>
#include <QScreen>
#include <QSize>
#include <QWidget>
#include <QtMath>

#include <initializer_list>

namespace hostgate::gui {

// The width of `columns` average characters of `widget`'s font.
inline int textColumns(const QWidget& widget, qreal columns)
{
    return qCeil(QFontMetricsF(widget.font()).averageCharWidth() * columns);
}

// The height of `lines` lines of `widget`'s font.
inline int textLines(const QWidget& widget, qreal lines)
{
    return qCeil(QFontMetricsF(widget.font()).lineSpacing() * lines);
}

// A window's first size: `columns` × `lines` of its font, but never larger than the screen it opens on.
inline QSize initialWindowSize(const QWidget& window, qreal columns, qreal lines)
{
    const QSize wanted(textColumns(window, columns), textLines(window, lines));
    const QScreen* screen = window.screen() ? window.screen() : QGuiApplication::primaryScreen();
    return screen ? wanted.boundedTo(screen->availableGeometry().size()) : wanted;
}

// Column widths of a view in characters of its font.
template <class View>
void setColumnWidthsInCharacters(View& view, std::initializer_list<qreal> columns)
{
    int column = 0;
    for (const qreal characters : columns) {
        view.setColumnWidth(column++, textColumns(view, characters));
    }
}

} // namespace hostgate::gui
