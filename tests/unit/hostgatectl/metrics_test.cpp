// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of `hostgatectl metrics`: GetStatus as OpenMetrics and as node_exporter's textfile format.
#include "metrics.h"

#include <QtTest>

#include <string>

using namespace hostgate::ctl;

namespace {

nlohmann::json status()
{
    return {{"version", "0.1.0"},
            {"mode", "enforce"},
            {"default_action", "deny"},
            {"allowed", 12},
            {"denied", 7},
            {"asked", 2},
            {"admin_rules", 3},
            {"user_rules", 5},
            {"runtime_rules", 1},
            {"rules", 9},
            {"pending_prompts", 1},
            {"agents", 2},
            {"rule_errors", {"/etc/hostgate/rules.d/10-x.toml:3:1: bad"}},
            {"missing_features", nlohmann::json::array()},
            {"dns_packets", 4096},
            {"dns_queue_overflows", 3},
            {"decision_queue_overflows", 1},
            {"verdict_entries", 17},
            {"verdict_capacity", 65536},
            {"miss_events_dropped", 5},
            {"proposals", 3},
            {"proposals_dropped", 2},
            {"started_usec", 1764600000500000}};
}

bool hasLine(const std::string& text, const std::string& line)
{
    return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

} // namespace

class MetricsTest : public QObject {
    Q_OBJECT

private slots:
    void decisionsAreACounterPerVerdict()
    {
        const std::string text = renderMetrics(status(), MetricsFormat::OpenMetrics);
        QVERIFY2(hasLine(text, "# TYPE hostgate_decisions counter"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_decisions_total{verdict=\"allowed\"} 12"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_decisions_total{verdict=\"denied\"} 7"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_decisions_total{verdict=\"asked\"} 2"), text.c_str());
    }

    void gaugesCarryRulesPromptsAgentsAndErrors()
    {
        const std::string text = renderMetrics(status(), MetricsFormat::OpenMetrics);
        QVERIFY2(hasLine(text, "hostgate_up 1"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_rules{origin=\"admin\"} 3"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_rules{origin=\"user\"} 5"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_rules{origin=\"runtime\"} 1"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_rule_file_errors 1"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_pending_prompts 1"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_prompt_agents 2"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_missing_kernel_features 0"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_start_time_seconds 1764600000.5"), text.c_str());
    }

    void dnsPacketsQueueDropsAndVerdictMapFill()
    {
        const std::string text = renderMetrics(status(), MetricsFormat::OpenMetrics);
        QVERIFY2(hasLine(text, "# TYPE hostgate_dns_packets counter"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_dns_packets_total 4096"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_queue_overflows_total{queue=\"dns\"} 3"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_queue_overflows_total{queue=\"decision\"} 1"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_verdict_map_entries 17"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_verdict_map_capacity 65536"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_miss_events_dropped_total 5"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_proposals 3"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_proposals_dropped_total 2"), text.c_str());
    }

    void openMetricsEndsWithEofAndHasAnInfoFamily()
    {
        const std::string text = renderMetrics(status(), MetricsFormat::OpenMetrics);
        QVERIFY(text.ends_with("\n# EOF\n"));
        QVERIFY2(hasLine(text, "# TYPE hostgate_build info"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_build_info{version=\"0.1.0\",mode=\"enforce\",default_action=\"deny\"} 1"),
                 text.c_str());
    }

    // node_exporter's parser (Prometheus text 0.0.4) knows no "info" type and names counter families with _total.
    void theTextfileFormatIsWhatNodeExporterParses()
    {
        const std::string text = renderMetrics(status(), MetricsFormat::PrometheusText);
        QVERIFY2(text.find("# EOF") == std::string::npos, text.c_str());
        QVERIFY2(text.find(" info\n") == std::string::npos, text.c_str());
        QVERIFY2(hasLine(text, "# TYPE hostgate_decisions_total counter"), text.c_str());
        QVERIFY2(hasLine(text, "hostgate_decisions_total{verdict=\"denied\"} 7"), text.c_str());
        QVERIFY2(hasLine(text, "# TYPE hostgate_build_info gauge"), text.c_str());
    }

    void labelValuesAreEscaped()
    {
        nlohmann::json odd = status();
        odd["version"] = "0.1\"x\\y";
        const std::string text = renderMetrics(odd, MetricsFormat::OpenMetrics);
        QVERIFY2(text.find("version=\"0.1\\\"x\\\\y\"") != std::string::npos, text.c_str());
    }

    void anUnreachableDaemonIsUpZeroAndNothingElse()
    {
        const std::string text = renderUnreachableMetrics(MetricsFormat::PrometheusText);
        QVERIFY2(hasLine(text, "hostgate_up 0"), text.c_str());
        QVERIFY2(text.find("hostgate_decisions") == std::string::npos, text.c_str());
    }
};

QTEST_GUILESS_MAIN(MetricsTest)
#include "metrics_test.moc"
