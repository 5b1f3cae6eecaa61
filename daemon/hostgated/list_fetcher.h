// SPDX-License-Identifier: GPL-3.0-or-later
// Fetching one subscribed list over https with libcurl: verified TLS, bounded size and time, conditional.
#pragma once

#include "util/result.h"
#include "util/time.h"

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>

namespace hostgate {

struct ListFetchRequest {
    std::string url;              // https:// only (redirects too)
    std::string etag;             // sent as If-None-Match when not empty
    std::string lastModified;     // sent as If-Modified-Since when not empty
    std::filesystem::path caFile; // empty: the system's CA store
    std::uint64_t maxBytes = 64ULL << 20;
    Seconds timeout{60};
    const std::atomic<bool>* cancel = nullptr; // set: the transfer is aborted soon after
};

struct ListFetchResult {
    bool notModified = false; // 304: the cached copy is current
    std::string body;
    std::string etag;
    std::string lastModified;
};

// Once per process, on the main thread before any worker fetches (curl_global_init is not thread-safe).
void initListFetching();

// Blocks for at most request.timeout; call it off the event loop. Any status but 200 and 304 is an error
// ("HTTP 500"), as are TLS failures, a body over maxBytes and timeouts.
Result<ListFetchResult> fetchList(const ListFetchRequest& request);

} // namespace hostgate
