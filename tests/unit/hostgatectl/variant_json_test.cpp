// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl's a{sv} conversion: records from the daemon become JSON, request fields get the XML's types.
#include "variant_json.h"

#include "json_compare.h"

#include <QTest>

using namespace hostgate::ctl;
using nlohmann::json;

class VariantJsonTest : public QObject {
    Q_OBJECT

private slots:
    void recordValuesBecomeJsonOfTheSameKind()
    {
        const VariantMap record = {{"id", sdbus::Variant(std::uint64_t{7})},
                                   {"user", sdbus::Variant(std::uint32_t{1000})},
                                   {"pid", sdbus::Variant(std::int32_t{-1})},
                                   {"port", sdbus::Variant(std::uint16_t{443})},
                                   {"created_usec", sdbus::Variant(std::int64_t{1795428000000000})},
                                   {"enabled", sdbus::Variant(true)},
                                   {"host", sdbus::Variant(std::string("a.test"))},
                                   {"kernel_features", sdbus::Variant(std::vector<std::string>{"ringbuf", "btf"})}};
        const json expected = {{"id", 7},
                               {"user", 1000},
                               {"pid", -1},
                               {"port", 443},
                               {"created_usec", 1795428000000000},
                               {"enabled", true},
                               {"host", "a.test"},
                               {"kernel_features", {"ringbuf", "btf"}}};
        HG_COMPARE_JSON(toJson(record), expected);
    }

    void unknownTypesPrintAsTheirSignature()
    {
        const VariantMap record = {{"future", sdbus::Variant(std::vector<std::int32_t>{1, 2})}};
        HG_COMPARE_JSON(toJson(record)["future"], json("<ai>"));
    }

    void requestFieldsGetTheXmlTypes()
    {
        const json fields = {
            {"action", "allow"}, {"user", 65534}, {"until_usec", 1795428000000000}, {"enabled", false}};
        const VariantMap record = toVariantMap(fields);
        QCOMPARE(QString::fromStdString(record.at("action").peekValueType()), QStringLiteral("s"));
        QCOMPARE(QString::fromStdString(record.at("user").peekValueType()), QStringLiteral("u"));
        QCOMPARE(QString::fromStdString(record.at("until_usec").peekValueType()), QStringLiteral("x"));
        QCOMPARE(QString::fromStdString(record.at("enabled").peekValueType()), QStringLiteral("b"));
        QCOMPARE(record.at("user").get<std::uint32_t>(), 65534u);
    }
};

QTEST_GUILESS_MAIN(VariantJsonTest)
#include "variant_json_test.moc"
