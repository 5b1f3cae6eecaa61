// SPDX-License-Identifier: GPL-3.0-or-later
// Conversion between the API's a{sv} records (sdbus-c++ Variants) and the JSON values hostgatectl works with.
#pragma once

#include <nlohmann/json.hpp>
#include <sdbus-c++/Message.h>
#include <sdbus-c++/Types.h>

#include <map>
#include <string>
#include <vector>

namespace hostgate::ctl {

using VariantMap = std::map<std::string, sdbus::Variant>;

// Basic types become JSON numbers, strings and booleans; "as" an array of strings; object paths and
// signatures strings. A value of another type becomes its D-Bus signature in angle brackets ("<a{sv}>"), so
// a record with a field this client does not know still prints.
nlohmann::json toJson(const sdbus::Variant& value);
nlohmann::json toJson(const VariantMap& record);
nlohmann::json toJson(const std::vector<VariantMap>& records);

// Reads an "aa{sv}" array from `message` straight into JSON (the same values toJson gives), without building a
// Variant per field: sdbus-c++ 1.2 makes each Variant a D-Bus message of its own, which made listing 100k
// rules take 2 GB. Leaves the message after the array.
nlohmann::json readRecords(sdbus::Message& message);

// A flat JSON object of request fields as a{sv} with the XML's types: strings "s", booleans "b", "user" "u",
// other integers (until_usec, since_usec) "x".
VariantMap toVariantMap(const nlohmann::json& fields);

} // namespace hostgate::ctl
