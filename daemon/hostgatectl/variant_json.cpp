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
    return "<" + type + ">";
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
