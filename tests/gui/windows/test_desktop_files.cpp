// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop integration files as a specification: icons render, the resource file lists them, entries launch hostgate.
#include <QFile>
#include <QImage>
#include <QPainter>
#include <QSvgRenderer>
#include <QTest>
#include <QXmlStreamReader>

namespace {

const QString desktopDir = QStringLiteral(HOSTGATE_DESKTOP_DIR);

QStringList iconNames()
{
    return {"hostgate",         "hostgate-enforcing", "hostgate-silent", "hostgate-learning", "hostgate-unreachable",
            "hostgate-warning", "hostgate-paused"};
}

// Renders at the size of a tray icon; the share of painted pixels tells an empty drawing from a real one.
QImage renderAtTraySize(QSvgRenderer& renderer)
{
    QImage image(22, 22, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    renderer.render(&painter);
    painter.end();
    return image;
}

int paintedPixels(const QImage& image)
{
    int painted = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = 0; x < image.width(); ++x) {
            painted += qAlpha(image.pixel(x, y)) > 0 ? 1 : 0;
        }
    }
    return painted;
}

QStringList desktopEntryLines(const QString& relativePath)
{
    QFile file(desktopDir + "/" + relativePath);
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) {
        return {};
    }
    return QString::fromUtf8(file.readAll()).split('\n');
}

} // namespace

class DesktopFilesTest : public QObject {
    Q_OBJECT
private slots:
    void iconIsAValidSvgThatPaintsAtTraySize_data()
    {
        QTest::addColumn<QString>("name");
        for (const QString& name : iconNames()) {
            QTest::newRow(qPrintable(name)) << name;
        }
    }

    void iconIsAValidSvgThatPaintsAtTraySize()
    {
        QFETCH(QString, name);
        QSvgRenderer renderer(desktopDir + "/icons/" + name + ".svg");

        QVERIFY(renderer.isValid());
        QVERIFY(!renderer.defaultSize().isEmpty());
        // At least a fifth of the 22x22 area is drawn: a recognisable symbol, not a speck.
        QVERIFY(paintedPixels(renderAtTraySize(renderer)) > 22 * 22 / 5);
    }

    void resourceFileProvidesEveryIconUnderTheIconsPrefix_data() { iconIsAValidSvgThatPaintsAtTraySize_data(); }

    void resourceFileProvidesEveryIconUnderTheIconsPrefix()
    {
        QFETCH(QString, name);
        QSvgRenderer renderer(":/icons/" + name + ".svg");

        QVERIFY(renderer.isValid());
    }

    void trayStateIconsAllLookDifferent()
    {
        QList<QImage> images;
        for (const QString& name : iconNames()) {
            QSvgRenderer renderer(desktopDir + "/icons/" + name + ".svg");
            const QImage image = renderAtTraySize(renderer);
            for (const QImage& earlier : std::as_const(images)) {
                QVERIFY2(image != earlier, qPrintable(name + " looks like another icon"));
            }
            images << image;
        }
    }

    void launcherStartsHostgateWithItsIconInTheNetworkMenu()
    {
        const QStringList lines = desktopEntryLines("hostgate.desktop");

        QCOMPARE(lines.value(0), QString("[Desktop Entry]"));
        QVERIFY(lines.contains("Type=Application"));
        QVERIFY(lines.contains("Exec=hostgate"));
        QVERIFY(lines.contains("Icon=hostgate"));
        QVERIFY(lines.contains("Categories=Network;Security;Qt;"));
    }

    void autostartEntryStartsTheTrayAtLogin()
    {
        const QStringList lines = desktopEntryLines("autostart/hostgate-tray.desktop");

        QCOMPARE(lines.value(0), QString("[Desktop Entry]"));
        QVERIFY(lines.contains("Exec=hostgate"));
        QVERIFY(lines.contains("X-GNOME-Autostart-enabled=true"));
    }

    void metainfoNamesTheComponentAndItsLauncher()
    {
        QFile file(desktopDir + "/org.hostgate.hostgate.metainfo.xml");
        QVERIFY(file.open(QIODevice::ReadOnly));
        QXmlStreamReader xml(&file);
        QHash<QString, QString> texts;
        QStringList releases;
        while (!xml.atEnd()) {
            if (xml.readNext() != QXmlStreamReader::StartElement) {
                continue;
            }
            if (xml.name() == QLatin1String("release")) {
                releases << xml.attributes().value("version").toString();
            } else if (xml.name() == QLatin1String("id") || xml.name() == QLatin1String("launchable") ||
                       xml.name() == QLatin1String("summary")) {
                texts.insert(xml.name().toString(), xml.readElementText());
            }
        }

        QVERIFY2(!xml.hasError(), qPrintable(xml.errorString()));
        QCOMPARE(texts.value("id"), QString("org.hostgate.hostgate"));
        QCOMPARE(texts.value("launchable"), QString("hostgate.desktop"));
        QVERIFY(!texts.value("summary").isEmpty());
        QCOMPARE(releases, QStringList{"0.1.0"});
    }
};

QTEST_MAIN(DesktopFilesTest)
#include "test_desktop_files.moc"
