// SPDX-License-Identifier: GPL-3.0-or-later
// App ids: validation of a rule's app field, and the keys a process is matched by.
#include "rules/app_id.h"

#include "decision/connection.h"

#include <algorithm>
#include <array>

namespace hostgate {

namespace {

bool isAsciiAlnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool hasControlOrSpace(std::string_view text)
{
    return std::any_of(text.begin(), text.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7f;
    });
}

std::optional<std::string> flatpakProblem(std::string_view id)
{
    // As flatpak_is_valid_name(): at most 255 bytes, at least three dot-separated elements of [A-Za-z0-9_-],
    // none empty or starting with a digit.
    if (id.size() > 255)
        return "a Flatpak id is at most 255 bytes";
    std::size_t elements = 0;
    std::size_t start = 0;
    while (start <= id.size()) {
        const auto end = std::min(id.find('.', start), id.size());
        const auto element = id.substr(start, end - start);
        if (element.empty())
            return "a Flatpak id has no empty parts (e.g. org.mozilla.firefox)";
        if (element.front() >= '0' && element.front() <= '9')
            return "a part of a Flatpak id does not start with a digit";
        if (!std::all_of(element.begin(), element.end(),
                         [](char c) { return isAsciiAlnum(c) || c == '_' || c == '-'; }))
            return "a Flatpak id has letters, digits, '_' and '-' between its dots";
        ++elements;
        start = end + 1;
    }
    if (elements < 3)
        return "a Flatpak id has at least three parts (e.g. org.mozilla.firefox)";
    return std::nullopt;
}

std::optional<std::string> snapProblem(std::string_view name)
{
    if (name.size() > 40)
        return "a snap name is at most 40 characters";
    if (!std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }))
        return "a snap name has lower-case letters, digits and '-' only";
    if (name.front() == '-' || name.back() == '-')
        return "a snap name neither starts nor ends with '-'";
    return std::nullopt;
}

std::optional<std::string> unitProblem(std::string_view unit)
{
    if (unit.size() > 255)
        return "a unit name is at most 255 bytes";
    if (!unit.ends_with(".service") && !unit.ends_with(".scope"))
        return "a unit is a .service or .scope (e.g. unit:cups.service)";
    if (!std::all_of(unit.begin(), unit.end(), [](char c) {
            return isAsciiAlnum(c) || c == ':' || c == '-' || c == '_' || c == '.' || c == '\\' || c == '@';
        }))
        return "a unit name has letters, digits and \":-_.\\@\" only";
    return std::nullopt;
}

} // namespace

bool isAppId(std::string_view app)
{
    return app.starts_with(kFlatpakPrefix) || app.starts_with(kSnapPrefix) || app.starts_with(kAppImagePrefix) ||
           app.starts_with(kUnitPrefix);
}

std::optional<std::string> appFieldProblem(std::string_view app)
{
    if (hasControlOrSpace(app) && !app.starts_with('/'))
        return std::string("an app id has no spaces or control characters");
    if (app.starts_with('/')) {
        if (std::any_of(app.begin(), app.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
            return std::string("a path has no control characters");
        return std::nullopt;
    }
    const std::array<std::pair<std::string_view, std::optional<std::string> (*)(std::string_view)>, 4> kinds{{
        {kFlatpakPrefix, &flatpakProblem},
        {kSnapPrefix, &snapProblem},
        {kAppImagePrefix,
         [](std::string_view name) -> std::optional<std::string> {
             if (name.find('/') != std::string_view::npos || name == "." || name == "..")
                 return "an AppImage is named by its file name, without a directory (e.g. "
                        "appimage:Foo-x86_64.AppImage)";
             return std::nullopt;
         }},
        {kUnitPrefix, &unitProblem},
    }};
    for (const auto& [prefix, check] : kinds) {
        if (!app.starts_with(prefix))
            continue;
        const auto name = app.substr(prefix.size());
        if (name.empty())
            return "names no " + std::string(prefix.substr(0, prefix.size() - 1)) + " app after '" +
                   std::string(prefix) + "'";
        return check(name);
    }
    return std::string("must be an absolute executable path, \"*\", or an app id: flatpak:ID, snap:NAME, "
                       "appimage:FILE or unit:NAME.service|.scope");
}

AppKeys appKeysOf(const AppIdentity& app)
{
    AppKeys keys;
    if (!app.ownRoot && !app.path.empty())
        keys.keys[keys.count++] = app.path;
    if (app.appId)
        keys.keys[keys.count++] = *app.appId;
    if (app.unit)
        keys.keys[keys.count++] = *app.unit;
    return keys;
}

} // namespace hostgate
