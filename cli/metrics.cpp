// SPDX-License-Identifier: GPL-3.0-or-later
// Renders GetStatus as OpenMetrics / Prometheus text: one family per counter or gauge, labels for the kinds.
#include "metrics.h"

#include <fmt/format.h>

#include <string_view>
#include <utility>
#include <vector>

namespace hostgate::ctl {

namespace {

// Label values are status strings the daemon chose (version, mode); escaped as the formats require anyway.
std::string escapeLabel(std::string_view value)
{
    std::string escaped;
    for (const char c : value) {
        if (c == '\\' || c == '"')
            escaped += '\\';
        if (c == '\n') {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return escaped;
}

class Writer {
public:
    explicit Writer(MetricsFormat format) : format_(format) {}

    // A counter: the family is `name`, its sample `name_total` (both formats agree on the sample's name; only
    // OpenMetrics names the family without the suffix).
    void counter(std::string_view name, std::string_view help,
                 const std::vector<std::pair<std::string, std::uint64_t>>& samples)
    {
        const std::string family =
            format_ == MetricsFormat::OpenMetrics ? std::string(name) : fmt::format("{}_total", name);
        header(family, "counter", help);
        for (const auto& [labels, value] : samples)
            out_ += fmt::format("{}_total{} {}\n", name, labels, value);
    }

    void gauge(std::string_view name, std::string_view help, const std::vector<std::pair<std::string, double>>& samples)
    {
        header(name, "gauge", help);
        for (const auto& [labels, value] : samples)
            out_ += fmt::format("{}{} {}\n", name, labels, value);
    }

    // OpenMetrics' info type; the textfile format has none, so there it is the usual gauge of value 1.
    void info(std::string_view name, std::string_view help, const std::string& labels)
    {
        if (format_ == MetricsFormat::OpenMetrics) {
            header(name, "info", help);
            out_ += fmt::format("{}_info{} 1\n", name, labels);
        } else {
            const std::string family = fmt::format("{}_info", name);
            header(family, "gauge", help);
            out_ += fmt::format("{}{} 1\n", family, labels);
        }
    }

    std::string finish()
    {
        if (format_ == MetricsFormat::OpenMetrics)
            out_ += "# EOF\n";
        return std::move(out_);
    }

private:
    void header(std::string_view family, std::string_view type, std::string_view help)
    {
        out_ += fmt::format("# TYPE {} {}\n# HELP {} {}\n", family, type, family, help);
    }

    MetricsFormat format_;
    std::string out_;
};

std::uint64_t unsignedOf(const nlohmann::json& status, const char* key)
{
    const auto found = status.find(key);
    return found != status.end() && found->is_number_unsigned() ? found->get<std::uint64_t>()
           : found != status.end() && found->is_number_integer() && found->get<std::int64_t>() >= 0
               ? static_cast<std::uint64_t>(found->get<std::int64_t>())
               : 0;
}

std::size_t sizeOf(const nlohmann::json& status, const char* key)
{
    const auto found = status.find(key);
    return found != status.end() && found->is_array() ? found->size() : 0;
}

std::string stringOf(const nlohmann::json& status, const char* key)
{
    const auto found = status.find(key);
    return found != status.end() && found->is_string() ? found->get<std::string>() : std::string();
}

} // namespace

std::string renderMetrics(const nlohmann::json& status, MetricsFormat format)
{
    Writer out(format);
    out.gauge("hostgate_up", "Whether hostgated answered over D-Bus (1) or not (0).", {{"", 1}});
    out.info("hostgate_build", "The daemon's version and mode.",
             fmt::format("{{version=\"{}\",mode=\"{}\",default_action=\"{}\"}}",
                         escapeLabel(stringOf(status, "version")), escapeLabel(stringOf(status, "mode")),
                         escapeLabel(stringOf(status, "default_action"))));
    out.counter("hostgate_decisions",
                "Connections decided since the daemon started, by verdict (kernel fast-path hits are not counted).",
                {{"{verdict=\"allowed\"}", unsignedOf(status, "allowed")},
                 {"{verdict=\"denied\"}", unsignedOf(status, "denied")},
                 {"{verdict=\"asked\"}", unsignedOf(status, "asked")}});
    out.gauge("hostgate_rules", "Rules in force, by origin.",
              {{"{origin=\"admin\"}", static_cast<double>(unsignedOf(status, "admin_rules"))},
               {"{origin=\"user\"}", static_cast<double>(unsignedOf(status, "user_rules"))},
               {"{origin=\"runtime\"}", static_cast<double>(unsignedOf(status, "runtime_rules"))}});
    out.gauge("hostgate_rule_file_errors", "Rule files that failed to load (their last good rules stay in force).",
              {{"", static_cast<double>(sizeOf(status, "rule_errors"))}});
    out.gauge("hostgate_pending_prompts", "Connections held while a user is asked.",
              {{"", static_cast<double>(unsignedOf(status, "pending_prompts"))}});
    out.gauge("hostgate_prompt_agents", "Registered prompt agents (tray applications).",
              {{"", static_cast<double>(unsignedOf(status, "agents"))}});
    out.gauge("hostgate_missing_kernel_features", "Kernel features the daemon runs without.",
              {{"", static_cast<double>(sizeOf(status, "missing_features"))}});
    out.counter("hostgate_dns_packets", "DNS queries and answers that passed through the daemon's DNS queue.",
                {{"", unsignedOf(status, "dns_packets")}});
    out.counter("hostgate_queue_overflows",
                "Times the kernel dropped messages of a queue (its socket buffer was full).",
                {{"{queue=\"dns\"}", unsignedOf(status, "dns_queue_overflows")},
                 {"{queue=\"decision\"}", unsignedOf(status, "decision_queue_overflows")}});
    out.counter("hostgate_miss_events_dropped",
                "Kernel reports of verdict misses lost because the ring buffer was full.",
                {{"", unsignedOf(status, "miss_events_dropped")}});
    out.gauge("hostgate_proposals", "Learning proposals waiting for review.",
              {{"", static_cast<double>(unsignedOf(status, "proposals"))}});
    out.counter("hostgate_proposals_dropped", "Destinations learning mode did not propose because the list was full.",
                {{"", unsignedOf(status, "proposals_dropped")}});
    out.gauge("hostgate_verdict_map_entries", "Entries in the kernel's verdict map.",
              {{"", static_cast<double>(unsignedOf(status, "verdict_entries"))}});
    out.gauge("hostgate_verdict_map_capacity", "Size of the kernel's verdict map.",
              {{"", static_cast<double>(unsignedOf(status, "verdict_capacity"))}});
    if (status.contains("started_usec"))
        out.gauge("hostgate_start_time_seconds", "When the daemon started, in seconds since the epoch.",
                  {{"", static_cast<double>(unsignedOf(status, "started_usec")) / 1e6}});
    return out.finish();
}

std::string renderUnreachableMetrics(MetricsFormat format)
{
    Writer out(format);
    out.gauge("hostgate_up", "Whether hostgated answered over D-Bus (1) or not (0).", {{"", 0}});
    return out.finish();
}

} // namespace hostgate::ctl
