// SPDX-License-Identifier: GPL-3.0-or-later
// Fetching one subscribed list with libcurl's easy interface (the worker thread owns the handle).
#include "hostgated/list_fetcher.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <string_view>

namespace hostgate {

namespace {

struct Transfer {
    std::string body;
    std::string etag;
    std::string lastModified;
    std::uint64_t maxBytes = 0;
    bool tooBig = false;
};

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const std::size_t bytes = size * count;
    if (transfer.body.size() + bytes > transfer.maxBytes) {
        transfer.tooBig = true;
        return 0; // aborts the transfer (CURLE_WRITE_ERROR)
    }
    transfer.body.append(data, bytes);
    return bytes;
}

std::string_view trimmed(std::string_view text)
{
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
        text.remove_prefix(1);
    while (!text.empty() && (text.back() == '\r' || text.back() == '\n' || text.back() == ' '))
        text.remove_suffix(1);
    return text;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix)
{
    if (text.size() < prefix.size())
        return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        const char c = text[i] >= 'A' && text[i] <= 'Z' ? static_cast<char>(text[i] - 'A' + 'a') : text[i];
        if (c != prefix[i])
            return false;
    }
    return true;
}

std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user)
{
    auto& transfer = *static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    // Each response of a redirect chain starts with its status line: validators of an earlier one are void.
    if (line.starts_with("HTTP/")) {
        transfer.etag.clear();
        transfer.lastModified.clear();
    } else if (startsWithNoCase(line, "etag:")) {
        transfer.etag = std::string(trimmed(line.substr(5))).substr(0, 1024);
    } else if (startsWithNoCase(line, "last-modified:")) {
        transfer.lastModified = std::string(trimmed(line.substr(14))).substr(0, 1024);
    }
    return size * count;
}

int onProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t)
{
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel && cancel->load() ? 1 : 0;
}

struct CurlDeleter {
    void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

} // namespace

void initListFetching()
{
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<ListFetchResult> fetchList(const ListFetchRequest& request)
{
    if (!request.url.starts_with("https://"))
        return Error(fmt::format("Not an https URL: {}", request.url));
    std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
    if (!curl)
        return Error("Failed to create a curl handle");
    Transfer transfer;
    transfer.maxBytes = request.maxBytes;
    std::unique_ptr<curl_slist, SlistDeleter> headers;
    auto addHeader = [&headers](const std::string& header) {
        headers.reset(curl_slist_append(headers.release(), header.c_str()));
    };
    if (!request.etag.empty())
        addHeader("If-None-Match: " + request.etag);
    if (!request.lastModified.empty())
        addHeader("If-Modified-Since: " + request.lastModified);
    const long timeoutMs = static_cast<long>(request.timeout.count()) * 1000;
    CURL* handle = curl.get();
    curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!request.caFile.empty())
        curl_easy_setopt(handle, CURLOPT_CAINFO, request.caFile.c_str());
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, timeoutMs);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, timeoutMs);
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.maxBytes));
    curl_easy_setopt(handle, CURLOPT_ACCEPT_ENCODING, ""); // whatever this libcurl can decode
    curl_easy_setopt(handle, CURLOPT_USERAGENT, "hostgated/" HOSTGATE_VERSION);
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &onBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, &onHeader);
    curl_easy_setopt(handle, CURLOPT_HEADERDATA, &transfer);
    curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, &onProgress);
    curl_easy_setopt(handle, CURLOPT_XFERINFODATA, request.cancel);
    char message[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, message);

    const CURLcode code = curl_easy_perform(handle);
    if (transfer.tooBig || code == CURLE_FILESIZE_EXCEEDED)
        return Error(fmt::format("larger than {} bytes", request.maxBytes));
    if (code != CURLE_OK)
        return Error(message[0] != '\0' ? std::string(message) : std::string(curl_easy_strerror(code)));
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    ListFetchResult result;
    if (status == 304) {
        result.notModified = true;
    } else if (status != 200) {
        return Error(fmt::format("HTTP {}", status));
    }
    result.body = std::move(transfer.body);
    result.etag = std::move(transfer.etag);
    result.lastModified = std::move(transfer.lastModified);
    return result;
}

} // namespace hostgate
