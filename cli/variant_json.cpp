// SPDX-License-Identifier: GPL-3.0-or-later
// Converts a{sv} records to JSON and request fields to a{sv}, typed as the introspection XML says.
#include "variant_json.h"

#include <sdbus-c++/Message.h>

#include <cstdint>

namespace hostgate::ctl {

nlohmann::json toJson(const sdbus::Variant& value)
{
    const std::string type = value.peekValueType();
    if (type == "s") {
        return value.get<std::string>();
    }
    if (type == "b") {
        return value.get<bool>();
    }
    if (type == "y") {
        return value.get<std::uint8_t>();
    }
    if (type == "n") {
        return value.get<std::int16_t>();
    }
    if (type == "q") {
        return value.get<std::uint16_t>();
    }
    if (type == "i") {
        return value.get<std::int32_t>();
    }
    if (type == "u") {
        return value.get<std::uint32_t>();
    }
    if (type == "x") {
        return value.get<std::int64_t>();
    }
    if (type == "t") {
        return value.get<std::uint64_t>();
    }
    if (type == "d") {
        return value.get<double>();
    }
    if (type == "o") {
        return std::string(value.get<sdbus::ObjectPath>());
    }
    if (type == "g") {
        return std::string(value.get<sdbus::Signature>());
    }
    if (type == "as") {
        return value.get<std::vector<std::string>>();
    }
    if (type == "a{sv}") {
        return toJson(value.get<VariantMap>());
    }
    if (type == "aa{sv}") {
        return toJson(value.get<std::vector<VariantMap>>());
    }
    return "<" + type + ">";
}

namespace {

template <typename T>
nlohmann::json readBasic(sdbus::Message& message)
{
    T value{};
    message >> value;
    return value;
}

nlohmann::json readRecord(sdbus::Message& message, bool& present);

// The value of a variant the message is positioned at; `contents` is its signature.
nlohmann::json readVariant(sdbus::Message& message, const std::string& contents)
{
    static const std::map<std::string, nlohmann::json (*)(sdbus::Message&)> readers = {
        {"s", readBasic<std::string>},
        {"b", readBasic<bool>},
        {"y", readBasic<std::uint8_t>},
        {"n", readBasic<std::int16_t>},
        {"q", readBasic<std::uint16_t>},
        {"i", readBasic<std::int32_t>},
        {"u", readBasic<std::uint32_t>},
        {"x", readBasic<std::int64_t>},
        {"t", readBasic<std::uint64_t>},
        {"d", readBasic<double>},
        {"as", readBasic<std::vector<std::string>>},
        {"o",
         [](sdbus::Message& m) -> nlohmann::json {
             sdbus::ObjectPath v;
             m >> v;
             return std::string(v);
         }},
        {"g",
         [](sdbus::Message& m) -> nlohmann::json {
             sdbus::Signature v;
             m >> v;
             return std::string(v);
         }},
    };
    if (const auto reader = readers.find(contents); reader != readers.end()) {
        message.enterVariant(contents);
        nlohmann::json value = reader->second(message);
        message.exitVariant();
        return value;
    }
    if (contents == "a{sv}") {
        message.enterVariant(contents);
        bool present = false;
        nlohmann::json value = readRecord(message, present);
        message.exitVariant();
        return value;
    }
    sdbus::Variant other; // a type this client does not know: skipped whole, shown by its signature
    message >> other;
    return "<" + contents + ">";
}

// One a{sv}; `present` is false at the end of the enclosing array.
nlohmann::json readRecord(sdbus::Message& message, bool& present)
{
    nlohmann::json object = nlohmann::json::object();
    present = static_cast<bool>(message.enterContainer("{sv}"));
    if (!present)
        return object;
    while (message.enterDictEntry("sv")) {
        std::string key;
        message >> key;
        std::string type;
        std::string contents;
        message.peekType(type, contents);
        object[key] = readVariant(message, contents);
        message.exitDictEntry();
    }
    message.clearFlags();
    message.exitContainer();
    return object;
}

} // namespace

nlohmann::json readRecords(sdbus::Message& message)
{
    nlohmann::json records = nlohmann::json::array();
    if (!message.enterContainer("a{sv}"))
        return records;
    for (;;) {
        bool present = false;
        nlohmann::json record = readRecord(message, present);
        if (!present)
            break;
        records.push_back(std::move(record));
    }
    message.clearFlags();
    message.exitContainer();
    return records;
}

nlohmann::json toJson(const VariantMap& record)
{
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [key, value] : record) {
        object[key] = toJson(value);
    }
    return object;
}

nlohmann::json toJson(const std::vector<VariantMap>& records)
{
    nlohmann::json array = nlohmann::json::array();
    for (const VariantMap& record : records) {
        array.push_back(toJson(record));
    }
    return array;
}

VariantMap toVariantMap(const nlohmann::json& fields)
{
    VariantMap record;
    for (const auto& [key, value] : fields.items()) {
        if (value.is_string()) {
            record.emplace(key, sdbus::Variant(value.get<std::string>()));
        } else if (value.is_boolean()) {
            record.emplace(key, sdbus::Variant(value.get<bool>()));
        } else if (value.is_number_integer() && key == "user") {
            record.emplace(key, sdbus::Variant(value.get<std::uint32_t>()));
        } else if (value.is_number_integer()) {
            record.emplace(key, sdbus::Variant(value.get<std::int64_t>()));
        }
    }
    return record;
}

} // namespace hostgate::ctl
