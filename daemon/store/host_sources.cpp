// SPDX-License-Identifier: GPL-3.0-or-later
// Host sources: reading apt's, timesyncd's, NetworkManager's and fwupd's configuration for base-policy rules.
#include "store/host_sources.h"

#include "store/file_trust.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <system_error>

namespace hostgate {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t maxConfigBytes = 1024 * 1024;

// Debian builds systemd-timesyncd with these (-Dntp-servers); its shipped timesyncd.conf lists them commented.
constexpr std::string_view debianNtpServers[] = {"0.debian.pool.ntp.org", "1.debian.pool.ntp.org",
                                                 "2.debian.pool.ntp.org", "3.debian.pool.ntp.org"};

std::string_view trim(std::string_view text)
{
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string_view::npos)
        return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::vector<std::string_view> lines(std::string_view text)
{
    std::vector<std::string_view> result;
    while (!text.empty()) {
        const auto end = text.find('\n');
        result.push_back(text.substr(0, end));
        if (end == std::string_view::npos)
            break;
        text.remove_prefix(end + 1);
    }
    return result;
}

std::vector<std::string> words(std::string_view text)
{
    std::vector<std::string> result;
    std::size_t at = 0;
    while (at < text.size()) {
        const auto start = text.find_first_not_of(" \t\r", at);
        if (start == std::string_view::npos)
            break;
        const auto end = text.find_first_of(" \t\r", start);
        result.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        at = end == std::string_view::npos ? text.size() : end;
    }
    return result;
}

std::string lowered(std::string_view text)
{
    std::string result(text);
    std::transform(result.begin(), result.end(), result.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return result;
}

bool equalsIgnoringCase(std::string_view a, std::string_view b)
{
    return lowered(a) == lowered(b);
}

// The URI's host, or a notice when the URI is one apt fetches over the network by a method we do not follow.
void addUriHost(std::string_view uri, std::vector<std::string>& hosts, std::vector<std::string>& notices)
{
    const std::string scheme = lowered(uri.substr(0, uri.find(':')));
    if (scheme == "http" || scheme == "https") {
        if (std::string host = httpUrlHost(uri); !host.empty())
            hosts.push_back(std::move(host));
        else
            notices.push_back(fmt::format("apt source '{}' is not a URL hostgate can read, skipped", uri));
    } else if (scheme != "file" && scheme != "cdrom" && scheme != "copy") {
        // mirror+http, tor+http, s3...: where they connect is not in the URI.
        notices.push_back(fmt::format("apt source '{}' uses a method the base policy does not cover, skipped", uri));
    }
}

// Every regular *.SUFFIX file in `directory`, sorted by name (the order apt and systemd read them in).
std::vector<fs::path> filesWithSuffix(const fs::path& directory, std::string_view suffix)
{
    std::vector<fs::path> files;
    std::error_code error;
    for (fs::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
        const std::string name = it->path().filename().string();
        if (name.size() > suffix.size() && name.ends_with(suffix) && it->is_regular_file(error))
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

// The file's text; "" when it does not exist; a notice when it exists but is refused.
std::string readConfig(const fs::path& path, std::vector<std::string>& notices)
{
    std::error_code error;
    if (!fs::exists(path, error))
        return {};
    Result<std::string> text = readTrustedFile(path, maxConfigBytes);
    if (!text) {
        notices.push_back(text.error().describe());
        return {};
    }
    return std::move(*text);
}

void append(std::vector<std::string>& into, std::vector<std::string> hosts)
{
    into.insert(into.end(), std::make_move_iterator(hosts.begin()), std::make_move_iterator(hosts.end()));
}

// Lower-cased (names in configuration files are written in any case), sorted, each once.
std::vector<std::string> sortedUnique(std::vector<std::string> hosts)
{
    for (std::string& host : hosts)
        host = lowered(host);
    std::sort(hosts.begin(), hosts.end());
    hosts.erase(std::unique(hosts.begin(), hosts.end()), hosts.end());
    std::erase(hosts, std::string());
    return hosts;
}

std::vector<std::string> aptHosts(const fs::path& root, std::vector<std::string>& notices)
{
    std::vector<std::string> hosts;
    const fs::path etc = root / "etc/apt";
    append(hosts, aptOneLineSourceHosts(readConfig(etc / "sources.list", notices), notices));
    for (const fs::path& file : filesWithSuffix(etc / "sources.list.d", ".list"))
        append(hosts, aptOneLineSourceHosts(readConfig(file, notices), notices));
    for (const fs::path& file : filesWithSuffix(etc / "sources.list.d", ".sources"))
        append(hosts, aptDeb822SourceHosts(readConfig(file, notices), notices));
    return sortedUnique(std::move(hosts));
}

// systemd's order: the main file, then drop-ins from all directories sorted by file name (a name in /etc
// masks the same name in /run and /usr/lib).
std::vector<std::string> systemdConfigTexts(const fs::path& root, const fs::path& mainFile, std::string_view dropInDir,
                                            std::vector<std::string>& notices)
{
    std::vector<std::string> texts{readConfig(root / mainFile, notices)};
    std::map<std::string, fs::path> dropIns;
    for (const char* base : {"usr/lib/systemd", "run/systemd", "etc/systemd"})
        for (const fs::path& file : filesWithSuffix(root / base / dropInDir, ".conf"))
            dropIns[file.filename().string()] = file; // later directories win
    for (const auto& [name, file] : dropIns)
        texts.push_back(readConfig(file, notices));
    return texts;
}

std::vector<std::string> timesyncdHosts(const fs::path& root, std::vector<std::string>& notices)
{
    // Each of NTP= and FallbackNTP= is a list; an empty assignment resets it, a later one replaces it.
    std::optional<std::vector<std::string>> ntp;
    std::optional<std::vector<std::string>> fallback;
    for (const std::string& text :
         systemdConfigTexts(root, "etc/systemd/timesyncd.conf", "timesyncd.conf.d", notices)) {
        for (const std::string& value : iniValues(text, "Time", "NTP"))
            ntp = words(value);
        for (const std::string& value : iniValues(text, "Time", "FallbackNTP"))
            fallback = words(value);
    }
    std::vector<std::string> hosts;
    if (ntp)
        append(hosts, *ntp);
    if (fallback)
        append(hosts, *fallback);
    else
        hosts.insert(hosts.end(), std::begin(debianNtpServers), std::end(debianNtpServers));
    return sortedUnique(std::move(hosts));
}

std::vector<std::string> networkManagerHosts(const fs::path& root, std::vector<std::string>& notices)
{
    std::vector<fs::path> files = filesWithSuffix(root / "usr/lib/NetworkManager/conf.d", ".conf");
    files.push_back(root / "etc/NetworkManager/NetworkManager.conf");
    for (const fs::path& file : filesWithSuffix(root / "etc/NetworkManager/conf.d", ".conf"))
        files.push_back(file);
    std::string uri;
    bool enabled = true;
    for (const fs::path& file : files) {
        const std::string text = readConfig(file, notices);
        for (const std::string& value : iniValues(text, "connectivity", "uri"))
            uri = value;
        for (const std::string& value : iniValues(text, "connectivity", "enabled"))
            enabled = !equalsIgnoringCase(value, "false") && value != "0" && !equalsIgnoringCase(value, "no");
    }
    if (!enabled || uri.empty())
        return {};
    std::vector<std::string> hosts;
    addUriHost(uri, hosts, notices);
    return sortedUnique(std::move(hosts));
}

std::vector<std::string> fwupdHosts(const fs::path& root, std::vector<std::string>& notices)
{
    std::vector<std::string> hosts;
    for (const fs::path& file : filesWithSuffix(root / "etc/fwupd/remotes.d", ".conf")) {
        const std::string text = readConfig(file, notices);
        const auto enabled = iniValues(text, "fwupd Remote", "Enabled");
        if (enabled.empty() || !equalsIgnoringCase(enabled.back(), "true"))
            continue;
        for (const char* key : {"MetadataURI", "FirmwareBaseURI"})
            for (const std::string& value : iniValues(text, "fwupd Remote", key))
                if (value.starts_with("http"))
                    addUriHost(value, hosts, notices);
    }
    return sortedUnique(std::move(hosts));
}

} // namespace

bool isHostSourceName(std::string_view name)
{
    return std::find(std::begin(hostSourceNames), std::end(hostSourceNames), name) != std::end(hostSourceNames);
}

const std::vector<std::string>& HostSourceSnapshot::of(std::string_view name) const
{
    static const std::vector<std::string> none;
    const auto it = hosts.find(name);
    return it == hosts.end() ? none : it->second;
}

HostSourceSnapshot readHostSources(const fs::path& root)
{
    HostSourceSnapshot snapshot;
    snapshot.hosts["apt-sources"] = aptHosts(root, snapshot.notices);
    snapshot.hosts["timesyncd-servers"] = timesyncdHosts(root, snapshot.notices);
    snapshot.hosts["networkmanager-connectivity"] = networkManagerHosts(root, snapshot.notices);
    snapshot.hosts["fwupd-remotes"] = fwupdHosts(root, snapshot.notices);
    return snapshot;
}

std::vector<std::string> aptOneLineSourceHosts(std::string_view text, std::vector<std::string>& notices)
{
    std::vector<std::string> hosts;
    for (std::string_view line : lines(text)) {
        line = trim(line.substr(0, line.find('#')));
        if (line.empty())
            continue;
        // deb [ options ] uri suite [component...]
        std::string_view rest = line;
        const auto typeEnd = rest.find_first_of(" \t");
        const std::string_view type = rest.substr(0, typeEnd);
        if ((type != "deb" && type != "deb-src") || typeEnd == std::string_view::npos)
            continue;
        rest = trim(rest.substr(typeEnd));
        if (rest.starts_with('[')) {
            const auto close = rest.find(']');
            if (close == std::string_view::npos) {
                notices.push_back(fmt::format("apt source line '{}' has an unclosed '[', skipped", line));
                continue;
            }
            rest = trim(rest.substr(close + 1));
        }
        const auto uriEnd = rest.find_first_of(" \t");
        if (const std::string_view uri = rest.substr(0, uriEnd); !uri.empty())
            addUriHost(uri, hosts, notices);
    }
    return hosts;
}

std::vector<std::string> aptDeb822SourceHosts(std::string_view text, std::vector<std::string>& notices)
{
    std::vector<std::string> hosts;
    std::vector<std::string> uris;
    bool enabled = true;
    std::string field; // the field a continuation line belongs to
    const auto endStanza = [&] {
        if (enabled)
            for (const std::string& uri : uris)
                addUriHost(uri, hosts, notices);
        uris.clear();
        enabled = true;
        field.clear();
    };
    for (std::string_view line : lines(text)) {
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.starts_with('#'))
            continue;
        if (trim(line).empty()) {
            endStanza();
            continue;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            if (equalsIgnoringCase(field, "URIs"))
                for (std::string& uri : words(line))
                    uris.push_back(std::move(uri));
            continue;
        }
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) {
            field.clear();
            continue;
        }
        field = std::string(trim(line.substr(0, colon)));
        const std::string_view value = trim(line.substr(colon + 1));
        if (equalsIgnoringCase(field, "URIs"))
            for (std::string& uri : words(value))
                uris.push_back(std::move(uri));
        else if (equalsIgnoringCase(field, "Enabled"))
            enabled = !equalsIgnoringCase(value, "no") && !equalsIgnoringCase(value, "false");
    }
    endStanza();
    return hosts;
}

std::string httpUrlHost(std::string_view url)
{
    const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(), &curl_url_cleanup);
    if (!handle || url.find('\0') != std::string_view::npos)
        return {};
    if (curl_url_set(handle.get(), CURLUPART_URL, std::string(url).c_str(), 0) != CURLUE_OK)
        return {};
    char* scheme = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
        return {};
    const std::string schemeText = lowered(scheme);
    curl_free(scheme);
    if (schemeText != "http" && schemeText != "https")
        return {};
    char* host = nullptr;
    if (curl_url_get(handle.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK)
        return {};
    std::string hostText = lowered(host);
    curl_free(host);
    if (hostText.size() > 2 && hostText.front() == '[' && hostText.back() == ']')
        hostText = hostText.substr(1, hostText.size() - 2);
    return hostText;
}

std::vector<std::string> iniValues(std::string_view text, std::string_view section, std::string_view key)
{
    std::vector<std::string> values;
    std::string current;
    for (std::string_view line : lines(text)) {
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';')
            continue;
        if (line.front() == '[') {
            const auto close = line.find(']');
            current = close == std::string_view::npos ? std::string() : std::string(trim(line.substr(1, close - 1)));
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string_view::npos || current != section)
            continue;
        if (trim(line.substr(0, equals)) == key)
            values.emplace_back(trim(line.substr(equals + 1)));
    }
    return values;
}

} // namespace hostgate
