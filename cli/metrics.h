// SPDX-License-Identifier: GPL-3.0-or-later
// hostgatectl metrics: the daemon's status as OpenMetrics text, or as the Prometheus text format that
// node_exporter's textfile collector reads.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace hostgate::ctl {

enum class MetricsFormat {
    OpenMetrics,    // application/openmetrics-text 1.0.0: counters as families without _total, "# EOF" at the end
    PrometheusText, // text/plain 0.0.4: what node_exporter's textfile collector parses (no "info" type, no EOF)
};

// `status` is GetStatus's record as JSON (variant_json.h); keys it lacks give no sample. hostgate_up is 1.
std::string renderMetrics(const nlohmann::json& status, MetricsFormat format);

// What to export when the daemon cannot be asked (not running, bus unreachable): hostgate_up 0, so an alert
// on it fires, instead of stale numbers.
std::string renderUnreachableMetrics(MetricsFormat format);

} // namespace hostgate::ctl
