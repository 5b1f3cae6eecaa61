// SPDX-License-Identifier: GPL-3.0-or-later
// CallError's wording for people: the daemon's error names become short titles in front of its explanation.
#include "client/firewall_client.h"

namespace hostgate::gui {
namespace {

struct ErrorTitle {
    const char* nameSuffix;
    const char* title;
};

// Matched on the name's last component so both the daemon's and the bus's own errors read well.
constexpr ErrorTitle errorTitles[] = {
    {".NotAuthorized", "Not authorized"},
    {".InvalidArgument", "Invalid argument"},
    {".InvalidRule", "Invalid rule"},
    {".NoSuchRule", "No such rule"},
    {".ReadOnlyRule", "Rule is read-only"},
    {".RulesFileBroken", "The rules file has errors"},
    {".NoSuchAgent", "No such prompt agent"},
    {".LimitExceeded", "A limit of the firewall daemon was exceeded"},
    {".ServiceUnknown", "The firewall daemon is not running"},
    {".NameHasNoOwner", "The firewall daemon is not running"},
    {".NoReply", "The firewall daemon did not answer"},
    {".Timeout", "The firewall daemon did not answer"},
    {".AccessDenied", "Access denied by the bus policy"},
    {".Disconnected", "Not connected to the system bus"},
    {".Failed", "Failed"},
};

} // namespace

bool CallError::daemonUnreachable() const
{
    static constexpr const char* unreachable[] = {".ServiceUnknown", ".NameHasNoOwner", ".NoReply", ".Disconnected"};
    for (const char* suffix : unreachable)
        if (name.endsWith(QLatin1String(suffix)))
            return true;
    return false;
}

QString CallError::describe() const
{
    if (!failed()) {
        return {};
    }
    QString title = name;
    for (const ErrorTitle& known : errorTitles) {
        if (name.endsWith(QLatin1String(known.nameSuffix))) {
            title = QString::fromLatin1(known.title);
            break;
        }
    }
    const QString explanation = message.trimmed();
    if (explanation.isEmpty()) {
        return title;
    }
    return title + QStringLiteral(": ") + explanation;
}

} // namespace hostgate::gui
