<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>hostgate::gui::ConnectionLogModel</name>
    <message>
        <source>unknown</source>
        <translation>unbekannt</translation>
    </message>
    <message>
        <source>default</source>
        <translation>Standard</translation>
    </message>
    <message>
        <source>%1
pid %2, uid %3</source>
        <translation>%1
PID %2, UID %3</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Rule</source>
        <translation>Regel</translation>
    </message>
    <message>
        <source>Explanation</source>
        <translation>Begründung</translation>
    </message>
    <message>
        <source>%1 (claimed)</source>
        <translation>%1 (behauptet)</translation>
    </message>
    <message>
        <source>%1 (claimed, trusted)</source>
        <translation>%1 (behauptet, vertraut)</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::ConnectionLogWindow</name>
    <message>
        <source>Connection log — hostgate</source>
        <translation>Verbindungsprotokoll — hostgate</translation>
    </message>
    <message>
        <source>The hostgate daemon is not running; no new events.</source>
        <translation>Der hostgate-Dienst läuft nicht; es kommen keine neuen Ereignisse.</translation>
    </message>
    <message>
        <source>Log</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Filter by application, host or address</source>
        <translation>Nach Anwendung, Host oder Adresse filtern</translation>
    </message>
    <message>
        <source>All verdicts</source>
        <translation>Alle Entscheidungen</translation>
    </message>
    <message>
        <source>Allowed</source>
        <translation>Erlaubt</translation>
    </message>
    <message>
        <source>Denied</source>
        <translation>Verweigert</translation>
    </message>
    <message>
        <source>Asked</source>
        <translation>Gefragt</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Anhalten</translation>
    </message>
    <message>
        <source>Hold new events so the list stays still while you read it</source>
        <translation>Neue Ereignisse zurückhalten, damit die Liste beim Lesen stillsteht</translation>
    </message>
    <message>
        <source>&amp;Make rule from this event…</source>
        <translation>&amp;Regel aus diesem Ereignis erstellen…</translation>
    </message>
    <message>
        <source>&amp;Disable its rule</source>
        <translation>Zugehörige Regel &amp;deaktivieren</translation>
    </message>
    <message>
        <source>Turn off the rule that decided this connection</source>
        <translation>Die Regel abschalten, die über diese Verbindung entschieden hat</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>read the connection log</source>
        <translation>Lesen des Verbindungsprotokolls</translation>
    </message>
    <message>
        <source>Paused: 1 new event held</source>
        <translation>Angehalten: 1 neues Ereignis zurückgehalten</translation>
    </message>
    <message>
        <source>Paused: %1 new events held</source>
        <translation>Angehalten: %1 neue Ereignisse zurückgehalten</translation>
    </message>
    <message>
        <source>&amp;Disable rule #%1</source>
        <translation>Regel #%1 &amp;deaktivieren</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::DenialNotifier</name>
    <message>
        <source>An unknown application</source>
        <translation>Eine unbekannte Anwendung</translation>
    </message>
    <message>
        <source>Allowed from a notification</source>
        <translation>Aus einer Benachrichtigung erlaubt</translation>
    </message>
    <message>
        <source>&amp;Notifications</source>
        <translation>Be&amp;nachrichtigungen</translation>
    </message>
    <message>
        <source>&amp;Notify about denied and learned connections</source>
        <translation>Über verweigerte und gelernte Verbindungen &amp;benachrichtigen</translation>
    </message>
    <message>
        <source>&amp;Repeat for applications already notified</source>
        <translation>Für bereits gemeldete Anwendungen &amp;wiederholen</translation>
    </message>
    <message>
        <source>&amp;Forget which applications were notified</source>
        <translation>&amp;Vergessen, welche Anwendungen gemeldet wurden</translation>
    </message>
    <message numerus="yes">
        <source>and %n more connection(s)</source>
        <translation>
            <numerusform>und %n weitere Verbindung</numerusform>
            <numerusform>und %n weitere Verbindungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n connection(s) denied</source>
        <translation>
            <numerusform>%1: %n Verbindung verweigert</numerusform>
            <numerusform>%1: %n Verbindungen verweigert</numerusform>
        </translation>
    </message>
    <message>
        <source>Allow once</source>
        <translation>Einmal erlauben</translation>
    </message>
    <message>
        <source>Always allow</source>
        <translation>Immer erlauben</translation>
    </message>
    <message numerus="yes">
        <source>%1: %n connection(s) learned</source>
        <translation>
            <numerusform>%1: %n Verbindung gelernt</numerusform>
            <numerusform>%1: %n Verbindungen gelernt</numerusform>
        </translation>
    </message>
    <message>
        <source>Review learned rules</source>
        <translation>Gelernte Regeln prüfen</translation>
    </message>
    <message>
        <source>The rule was not added</source>
        <translation>Die Regel wurde nicht hinzugefügt</translation>
    </message>
    <message>
        <source>%1 asks to connect</source>
        <translation>%1 möchte eine Verbindung herstellen</translation>
    </message>
    <message>
        <source>%1 port %2 (%3). The prompt is waiting behind another window.</source>
        <translation>%1 Port %2 (%3). Die Rückfrage wartet hinter einem anderen Fenster.</translation>
    </message>
    <message>
        <source>Show prompt</source>
        <translation>Rückfrage zeigen</translation>
    </message>
    <message>
        <source>Open monitor</source>
        <translation>Monitor öffnen</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::DesktopNotifications</name>
    <message>
        <source>No session bus: %1</source>
        <translation>Kein Sitzungsbus: %1</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::MonitorWindow</name>
    <message>
        <source>Network monitor — hostgate</source>
        <translation>Netzwerkmonitor — hostgate</translation>
    </message>
    <message>
        <source>Monitor</source>
        <translation>Monitor</translation>
    </message>
    <message>
        <source>Filter by application, host or address</source>
        <translation>Nach Anwendung, Host oder Adresse filtern</translation>
    </message>
    <message>
        <source>&amp;Make rule…</source>
        <translation>Regel &amp;erstellen…</translation>
    </message>
    <message>
        <source>Make a rule for this application and destination</source>
        <translation>Eine Regel für diese Anwendung und dieses Ziel erstellen</translation>
    </message>
    <message>
        <source>&amp;Show in rules</source>
        <translation>In Regeln &amp;zeigen</translation>
    </message>
    <message>
        <source>Open the rules of this application</source>
        <translation>Die Regeln dieser Anwendung öffnen</translation>
    </message>
    <message>
        <source>&amp;Disable its rule</source>
        <translation>Ihre Regel &amp;deaktivieren</translation>
    </message>
    <message>
        <source>Turn off the rule that decided this connection</source>
        <translation>Die Regel abschalten, die diese Verbindung entschieden hat</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>Applications and their connections</source>
        <translation>Anwendungen und ihre Verbindungen</translation>
    </message>
    <message>
        <source>The hostgate daemon is not running; traffic is not shown.</source>
        <translation>Der hostgate-Dienst läuft nicht; kein Datenverkehr wird angezeigt.</translation>
    </message>
    <message>
        <source>read the network monitor</source>
        <translation>den Netzwerkmonitor lesen</translation>
    </message>
    <message>
        <source>&amp;Disable rule #%1</source>
        <translation>Regel #%1 &amp;deaktivieren</translation>
    </message>
    <message>
        <source>All applications</source>
        <translation>Alle Anwendungen</translation>
    </message>
    <message numerus="yes">
        <source>%n application(s)</source>
        <translation>
            <numerusform>%n Anwendung</numerusform>
            <numerusform>%n Anwendungen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open connection(s)</source>
        <translation>
            <numerusform>%n offene Verbindung</numerusform>
            <numerusform>%n offene Verbindungen</numerusform>
        </translation>
    </message>
    <message>
        <source>sent %1, received %2</source>
        <translation>gesendet %1, empfangen %2</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::PromptAgent</name>
    <message>
        <source>Failed to export the prompt agent: not connected to the system bus</source>
        <translation>Der Rückfrage-Agent konnte nicht bereitgestellt werden: keine Verbindung zum Systembus</translation>
    </message>
    <message>
        <source>Failed to export the prompt agent: %1</source>
        <translation>Der Rückfrage-Agent konnte nicht bereitgestellt werden: %1</translation>
    </message>
    <message>
        <source>Only %1 may ask this agent</source>
        <translation>Nur %1 darf diesen Agenten fragen</translation>
    </message>
    <message>
        <source>Prompts are paused</source>
        <translation>Rückfragen sind angehalten</translation>
    </message>
    <message>
        <source>Asked again</source>
        <translation>Erneut gefragt</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::PromptDialog</name>
    <message>
        <source>hostgate: outgoing connection</source>
        <translation>hostgate: ausgehende Verbindung</translation>
    </message>
    <message>
        <source>Application:</source>
        <translation>Anwendung:</translation>
    </message>
    <message>
        <source>Package:</source>
        <translation>Paket:</translation>
    </message>
    <message>
        <source>Script:</source>
        <translation>Skript:</translation>
    </message>
    <message>
        <source>Container:</source>
        <translation>Container:</translation>
    </message>
    <message>
        <source>Command line:</source>
        <translation>Befehlszeile:</translation>
    </message>
    <message>
        <source>Process:</source>
        <translation>Prozess:</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Parent:</source>
        <translation>Elternprozess:</translation>
    </message>
    <message>
        <source>&amp;Host:</source>
        <translation>&amp;Host:</translation>
    </message>
    <message>
        <source>&amp;Port:</source>
        <translation>&amp;Port:</translation>
    </message>
    <message>
        <source>&amp;Remember:</source>
        <translation>&amp;Merken:</translation>
    </message>
    <message>
        <source>Only this exact &amp;binary (a changed program is not covered)</source>
        <translation>Nur genau diese Programm&amp;datei (ein geändertes Programm ist nicht erfasst)</translation>
    </message>
    <message>
        <source>&amp;Allow</source>
        <translation>&amp;Erlauben</translation>
    </message>
    <message>
        <source>&amp;Deny</source>
        <translation>&amp;Verweigern</translation>
    </message>
    <message>
        <source>uid %1</source>
        <translation>UID %1</translation>
    </message>
    <message>
        <source>System service %1 (user %2) wants to connect to</source>
        <translation>Der Systemdienst %1 (Benutzer %2) möchte sich verbinden mit</translation>
    </message>
    <message>
        <source>This is not one of your programs: answering needs an administrator&apos;s password.</source>
        <translation>Dies ist keines Ihrer Programme: Zum Antworten ist das Passwort eines Administrators nötig.</translation>
    </message>
    <message>
        <source>%1 wants to connect to</source>
        <translation>%1 möchte sich verbinden mit</translation>
    </message>
    <message>
        <source>Unicode form, for reference only (it may imitate another name): %1</source>
        <translation>Unicode-Form, nur zur Information (sie kann einen anderen Namen nachahmen): %1</translation>
    </message>
    <message>
        <source>Also: %1</source>
        <translation>Auch: %1</translation>
    </message>
    <message>
        <source>%1 port %2 (%3)</source>
        <translation>%1 Port %2 (%3)</translation>
    </message>
    <message>
        <source>Unverified: %1 says this is %2 (not a trusted resolver: name rules do not apply)</source>
        <translation>Unbestätigt: %1 gibt dies als %2 aus (kein vertrauenswürdiger Resolver: Namensregeln gelten nicht)</translation>
    </message>
    <message>
        <source>a DNS server</source>
        <translation>ein DNS-Server</translation>
    </message>
    <message>
        <source>Encrypted DNS: %1. Names this app looks up this way are invisible to the firewall, so its later connections can only be matched by address.</source>
        <translation>Verschlüsseltes DNS: %1. Namen, die diese Anwendung so auflöst, sieht die Firewall nicht; ihre späteren Verbindungen lassen sich nur nach Adresse zuordnen.</translation>
    </message>
    <message>
        <source>%1 (this attempt was refused; your answer applies to the next one)</source>
        <translation>%1 (dieser Versuch wurde abgelehnt; Ihre Antwort gilt für den nächsten)</translation>
    </message>
    <message>
        <source>%1 (runs %2; the rule will name the app id)</source>
        <translation>%1 (führt %2 aus; die Regel nennt die App-ID)</translation>
    </message>
    <message>
        <source>%1 (in %2)</source>
        <translation>%1 (in %2)</translation>
    </message>
    <message>
        <source>%1 %2 — %3</source>
        <translation>%1 %2 — %3</translation>
    </message>
    <message>
        <source>PID %1 (%2 attempts)</source>
        <translation>PID %1 (%2 Versuche)</translation>
    </message>
    <message>
        <source>PID %1</source>
        <translation>PID %1</translation>
    </message>
    <message>
        <source>%1 (uid %2)</source>
        <translation>%1 (UID %2)</translation>
    </message>
    <message>
        <source>%1 (PID %2)</source>
        <translation>%1 (PID %2)</translation>
    </message>
    <message>
        <source>Only %1</source>
        <translation>Nur %1</translation>
    </message>
    <message>
        <source>Any host matching %1</source>
        <translation>Jeder Host, der zu %1 passt</translation>
    </message>
    <message>
        <source>Any host</source>
        <translation>Jeder Host</translation>
    </message>
    <message>
        <source>Only port %1</source>
        <translation>Nur Port %1</translation>
    </message>
    <message>
        <source>Any port</source>
        <translation>Jeder Port</translation>
    </message>
    <message>
        <source>Only this time</source>
        <translation>Nur dieses Mal</translation>
    </message>
    <message>
        <source>Until the application quits</source>
        <translation>Bis die Anwendung beendet wird</translation>
    </message>
    <message>
        <source>For 1 hour</source>
        <translation>Für 1 Stunde</translation>
    </message>
    <message>
        <source>Forever</source>
        <translation>Für immer</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>Allowing in %1 s</source>
        <translation>Erlaube in %1 s</translation>
    </message>
    <message>
        <source>Denying in %1 s</source>
        <translation>Verweigere in %1 s</translation>
    </message>
    <message>
        <source>its HTTP Host header</source>
        <translation>seinem HTTP-Host-Header</translation>
    </message>
    <message>
        <source>its QUIC handshake</source>
        <translation>seinem QUIC-Handshake</translation>
    </message>
    <message>
        <source>its TLS handshake</source>
        <translation>seinem TLS-Handshake</translation>
    </message>
    <message>
        <source>No DNS answer named this address, and %1 names no host.</source>
        <translation>Keine DNS-Antwort nannte diese Adresse, und %1 nennt keinen Host.</translation>
    </message>
    <message>
        <source>Claimed name: %1, from %2, not from DNS. Nothing verifies it; this firewall is set to match it against name rules anyway.</source>
        <translation>Behaupteter Name: %1, aus %2, nicht aus DNS. Nichts bestätigt ihn; diese Firewall ist so eingestellt, dass sie ihn trotzdem mit Namensregeln abgleicht.</translation>
    </message>
    <message>
        <source>Claimed name: %1, from %2, not from DNS. Nothing verifies it (an app can claim any name), so a rule made here names the address.</source>
        <translation>Behaupteter Name: %1, aus %2, nicht aus DNS. Nichts bestätigt ihn (eine App kann jeden Namen behaupten), daher nennt eine hier erstellte Regel die Adresse.</translation>
    </message>
    <message>
        <source>The handshake is encrypted (ECH): this is the public name of the server in front, the name the app really wants is hidden.</source>
        <translation>Der Handshake ist verschlüsselt (ECH): Dies ist der öffentliche Name des vorgeschalteten Servers, der Name, den die App wirklich will, ist verborgen.</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::ProposalsModel</name>
    <message>
        <source>Could not read the proposals</source>
        <translation>Die Vorschläge konnten nicht gelesen werden</translation>
    </message>
    <message>
        <source>Could not accept the proposal for %1</source>
        <translation>Der Vorschlag für %1 konnte nicht angenommen werden</translation>
    </message>
    <message>
        <source>Accepted %1 as rule %2</source>
        <translation>%1 als Regel %2 angenommen</translation>
    </message>
    <message>
        <source>Could not reject the proposal for %1</source>
        <translation>Der Vorschlag für %1 konnte nicht abgelehnt werden</translation>
    </message>
    <message>
        <source>Rejected %1</source>
        <translation>%1 abgelehnt</translation>
    </message>
    <message>
        <source>Could not accept the proposals</source>
        <translation>Die Vorschläge konnten nicht angenommen werden</translation>
    </message>
    <message numerus="yes">
        <source>Accepted %n proposal(s)</source>
        <translation>
            <numerusform>%n Vorschlag angenommen</numerusform>
            <numerusform>%n Vorschläge angenommen</numerusform>
        </translation>
    </message>
    <message>
        <source>Could not reject the proposals</source>
        <translation>Die Vorschläge konnten nicht abgelehnt werden</translation>
    </message>
    <message numerus="yes">
        <source>Rejected %n proposal(s)</source>
        <translation>
            <numerusform>%n Vorschlag abgelehnt</numerusform>
            <numerusform>%n Vorschläge abgelehnt</numerusform>
        </translation>
    </message>
    <message>
        <source>unknown application</source>
        <translation>unbekannte Anwendung</translation>
    </message>
    <message>
        <source>Seen: %1</source>
        <translation>Gesehen: %1</translation>
    </message>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Ports</source>
        <translation>Ports</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Connections</source>
        <translation>Verbindungen</translation>
    </message>
    <message>
        <source>Last seen</source>
        <translation>Zuletzt gesehen</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::ProposalsWindow</name>
    <message>
        <source>hostgate — learned rules to review</source>
        <translation>hostgate — gelernte Regeln zur Prüfung</translation>
    </message>
    <message>
        <source>Application:</source>
        <translation>Anwendung:</translation>
    </message>
    <message>
        <source>*, a name, *.domain, an address or a CIDR</source>
        <translation>*, ein Name, *.domain, eine Adresse oder ein CIDR-Netz</translation>
    </message>
    <message>
        <source>e.g. 443 or 80,8000-8100; * for any port</source>
        <translation>z. B. 443 oder 80,8000-8100; * für jeden Port</translation>
    </message>
    <message>
        <source>Allow &amp;host:</source>
        <translation>&amp;Host erlauben:</translation>
    </message>
    <message>
        <source>On &amp;ports:</source>
        <translation>Auf &amp;Ports:</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;Annehmen</translation>
    </message>
    <message>
        <source>&amp;Reject</source>
        <translation>A&amp;blehnen</translation>
    </message>
    <message>
        <source>Accept a&amp;ll shown</source>
        <translation>A&amp;lle gezeigten annehmen</translation>
    </message>
    <message>
        <source>Reject all s&amp;hown</source>
        <translation>Alle gezeigten abl&amp;ehnen</translation>
    </message>
    <message>
        <source>All applications (%1)</source>
        <translation>Alle Anwendungen (%1)</translation>
    </message>
    <message>
        <source>unknown application</source>
        <translation>unbekannte Anwendung</translation>
    </message>
    <message>
        <source>Nothing to review: no proposals are waiting.</source>
        <translation>Nichts zu prüfen: Es warten keine Vorschläge.</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RuleEditorDialog</name>
    <message>
        <source>New rule</source>
        <translation>Neue Regel</translation>
    </message>
    <message>
        <source>any application, or e.g. /usr/bin/curl or flatpak:org.mozilla.firefox</source>
        <translation>jede Anwendung, oder z. B. /usr/bin/curl oder flatpak:org.mozilla.firefox</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Choose application</source>
        <translation>Anwendung wählen</translation>
    </message>
    <message>
        <source>&amp;Application:</source>
        <translation>&amp;Anwendung:</translation>
    </message>
    <message>
        <source>any script (for interpreters such as python3)</source>
        <translation>jedes Skript (für Interpreter wie python3)</translation>
    </message>
    <message>
        <source>&amp;Script:</source>
        <translation>&amp;Skript:</translation>
    </message>
    <message>
        <source>any user, or a numeric uid</source>
        <translation>jeder Benutzer, oder eine numerische UID</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>&amp;Benutzer:</translation>
    </message>
    <message>
        <source>* (any), www.example.com, *.example.com, 203.0.113.0/24</source>
        <translation>* (jeder), www.example.com, *.example.com, 203.0.113.0/24</translation>
    </message>
    <message>
        <source>&amp;Host:</source>
        <translation>&amp;Host:</translation>
    </message>
    <message>
        <source>any, or 80,443,8000-8100</source>
        <translation>jeder, oder 80,443,8000-8100</translation>
    </message>
    <message>
        <source>&amp;Ports:</source>
        <translation>&amp;Ports:</translation>
    </message>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <source>P&amp;rotocol:</source>
        <translation>P&amp;rotokoll:</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Wählen…</translation>
    </message>
    <message>
        <source>Allow</source>
        <translation>Erlauben</translation>
    </message>
    <message>
        <source>Deny</source>
        <translation>Verweigern</translation>
    </message>
    <message>
        <source>A&amp;ction:</source>
        <translation>A&amp;ktion:</translation>
    </message>
    <message>
        <source>Forever</source>
        <translation>Für immer</translation>
    </message>
    <message>
        <source>Until a time</source>
        <translation>Bis zu einem Zeitpunkt</translation>
    </message>
    <message>
        <source>&amp;Lifetime:</source>
        <translation>&amp;Gültigkeit:</translation>
    </message>
    <message>
        <source>&amp;Enabled</source>
        <translation>Akti&amp;viert</translation>
    </message>
    <message>
        <source>&amp;Note:</source>
        <translation>&amp;Notiz:</translation>
    </message>
    <message>
        <source>Edit rule #%1</source>
        <translation>Regel #%1 bearbeiten</translation>
    </message>
    <message>
        <source>Until the app quits</source>
        <translation>Bis die Anwendung beendet wird</translation>
    </message>
    <message>
        <source>The application must be an absolute path such as /usr/bin/curl, an app id (flatpak:org.mozilla.firefox, snap:firefox, appimage:Tool.AppImage, unit:cups.service), or empty for any application.</source>
        <translation>Die Anwendung muss ein absoluter Pfad wie /usr/bin/curl sein, eine App-ID (flatpak:org.mozilla.firefox, snap:firefox, appimage:Tool.AppImage, unit:cups.service) oder leer für jede Anwendung.</translation>
    </message>
    <message>
        <source>The user must be a numeric uid, or empty for any user.</source>
        <translation>Der Benutzer muss eine numerische UID sein oder leer für jeden Benutzer.</translation>
    </message>
    <message>
        <source>The host must be * (any host), a name (www.example.com), *.domain, an address, a network (203.0.113.0/24) or re: and a regular expression of at most 256 characters.</source>
        <translation>Der Host muss * (jeder Host) sein, ein Name (www.example.com), *.domain, eine Adresse, ein Netz (203.0.113.0/24) oder re: mit einem regulären Ausdruck von höchstens 256 Zeichen.</translation>
    </message>
    <message>
        <source>Ports must be empty (any port) or a list such as 80,443,8000-8100 with ports from 1 to 65535.</source>
        <translation>Ports müssen leer sein (jeder Port) oder eine Liste wie 80,443,8000-8100 mit Ports von 1 bis 65535.</translation>
    </message>
    <message>
        <source>Choose whether the rule allows or denies the connections.</source>
        <translation>Wählen Sie, ob die Regel die Verbindungen erlaubt oder verweigert.</translation>
    </message>
    <message>
        <source>Choose a time in the future for the rule to end.</source>
        <translation>Wählen Sie einen Zeitpunkt in der Zukunft, an dem die Regel endet.</translation>
    </message>
    <message>
        <source>save rule #%1</source>
        <translation>Speichern von Regel #%1</translation>
    </message>
    <message>
        <source>add the rule</source>
        <translation>Hinzufügen der Regel</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RulesGroupModel</name>
    <message>
        <source>Any application</source>
        <translation>Jede Anwendung</translation>
    </message>
    <message numerus="yes">
        <source>%n rule(s)</source>
        <translation>
            <numerusform>%n Regel</numerusform>
            <numerusform>%n Regeln</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rule(s), %1 off</source>
        <translation>
            <numerusform>%n Regel, %1 aus</numerusform>
            <numerusform>%n Regeln, %1 aus</numerusform>
        </translation>
    </message>
    <message>
        <source>Rules that apply to every application</source>
        <translation>Regeln, die für jede Anwendung gelten</translation>
    </message>
    <message>
        <source>%1 running %2</source>
        <translation>%1 führt %2 aus</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RulesModel</name>
    <message>
        <source>once</source>
        <translation>einmal</translation>
    </message>
    <message>
        <source>until app quits (pid %1)</source>
        <translation>bis die Anwendung endet (PID %1)</translation>
    </message>
    <message>
        <source>until app quits</source>
        <translation>bis die Anwendung endet</translation>
    </message>
    <message>
        <source>until a time not given</source>
        <translation>bis zu einem nicht angegebenen Zeitpunkt</translation>
    </message>
    <message>
        <source>ended at %1</source>
        <translation>beendet um %1</translation>
    </message>
    <message>
        <source>until %1 (%2)</source>
        <translation>bis %1 (%2)</translation>
    </message>
    <message>
        <source>forever</source>
        <translation>für immer</translation>
    </message>
    <message>
        <source>in %1 s</source>
        <translation>in %1 s</translation>
    </message>
    <message>
        <source>in %1 min</source>
        <translation>in %1 min</translation>
    </message>
    <message>
        <source>in %1 h</source>
        <translation>in %1 h</translation>
    </message>
    <message>
        <source>in %1 h %2 min</source>
        <translation>in %1 h %2 min</translation>
    </message>
    <message>
        <source>in %1 d</source>
        <translation>in %1 T</translation>
    </message>
    <message>
        <source>in %1 d %2 h</source>
        <translation>in %1 T %2 h</translation>
    </message>
    <message>
        <source>base policy</source>
        <translation>Grundrichtlinie</translation>
    </message>
    <message>
        <source>base policy %1</source>
        <translation>Grundrichtlinie %1</translation>
    </message>
    <message>
        <source>admin file</source>
        <translation>Admin-Datei</translation>
    </message>
    <message>
        <source>admin file %1</source>
        <translation>Admin-Datei %1</translation>
    </message>
    <message>
        <source>prompt</source>
        <translation>Rückfrage</translation>
    </message>
    <message>
        <source>user</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>any application</source>
        <translation>jede Anwendung</translation>
    </message>
    <message>
        <source>any host</source>
        <translation>jeder Host</translation>
    </message>
    <message>
        <source>any</source>
        <translation>beliebig</translation>
    </message>
    <message>
        <source>never</source>
        <translation>nie</translation>
    </message>
    <message>
        <source>Any application</source>
        <translation>Jede Anwendung</translation>
    </message>
    <message>
        <source>Script: %1</source>
        <translation>Skript: %1</translation>
    </message>
    <message>
        <source>Admin rule from %1 (read-only)</source>
        <translation>Admin-Regel aus %1 (schreibgeschützt)</translation>
    </message>
    <message>
        <source>an admin rules file</source>
        <translation>einer Admin-Regeldatei</translation>
    </message>
    <message>
        <source>On</source>
        <translation>An</translation>
    </message>
    <message>
        <source>Application</source>
        <translation>Anwendung</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>Ports</source>
        <translation>Ports</translation>
    </message>
    <message>
        <source>Protocol</source>
        <translation>Protokoll</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Aktion</translation>
    </message>
    <message>
        <source>Lifetime</source>
        <translation>Gültigkeit</translation>
    </message>
    <message>
        <source>Hits</source>
        <translation>Treffer</translation>
    </message>
    <message>
        <source>Last hit</source>
        <translation>Letzter Treffer</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Notiz</translation>
    </message>
    <message>
        <source>Origin</source>
        <translation>Herkunft</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>Nr.</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RulesWindow</name>
    <message>
        <source>Firewall rules — hostgate</source>
        <translation>Firewall-Regeln — hostgate</translation>
    </message>
    <message>
        <source>enable rule #%1</source>
        <translation>Aktivieren von Regel #%1</translation>
    </message>
    <message>
        <source>disable rule #%1</source>
        <translation>Deaktivieren von Regel #%1</translation>
    </message>
    <message>
        <source>The hostgate daemon is not running; rules cannot be changed.</source>
        <translation>Der hostgate-Dienst läuft nicht; Regeln können nicht geändert werden.</translation>
    </message>
    <message>
        <source>Rules</source>
        <translation>Regeln</translation>
    </message>
    <message>
        <source>&amp;Add…</source>
        <translation>&amp;Hinzufügen…</translation>
    </message>
    <message>
        <source>&amp;Edit…</source>
        <translation>&amp;Bearbeiten…</translation>
    </message>
    <message>
        <source>&amp;Delete</source>
        <translation>&amp;Löschen</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <source>E&amp;xport…</source>
        <translation>E&amp;xportieren…</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>Filter by application, host or note</source>
        <translation>Nach Anwendung, Host oder Notiz filtern</translation>
    </message>
    <message>
        <source>Subscribed lists (below every rule; checked = in force):</source>
        <translation>Abonnierte Listen (unter jeder Regel; angehakt = in Kraft):</translation>
    </message>
    <message numerus="yes">
        <source>%1 — %2, %n entries</source>
        <translation>
            <numerusform>%1 — %2, %n Eintrag</numerusform>
            <numerusform>%1 — %2, %n Einträge</numerusform>
        </translation>
    </message>
    <message>
        <source> — last refresh failed: %1</source>
        <translation> — letzte Aktualisierung fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>switch on the list %1</source>
        <translation>Einschalten der Liste %1</translation>
    </message>
    <message>
        <source>switch off the list %1</source>
        <translation>Ausschalten der Liste %1</translation>
    </message>
    <message>
        <source>List %1 switched on</source>
        <translation>Liste %1 eingeschaltet</translation>
    </message>
    <message>
        <source>List %1 switched off</source>
        <translation>Liste %1 ausgeschaltet</translation>
    </message>
    <message>
        <source>load the rules</source>
        <translation>Laden der Regeln</translation>
    </message>
    <message>
        <source>1 rule, %1 from admin files</source>
        <translation>1 Regel, %1 aus Admin-Dateien</translation>
    </message>
    <message>
        <source>%1 rules, %2 from admin files</source>
        <translation>%1 Regeln, %2 aus Admin-Dateien</translation>
    </message>
    <message>
        <source>All applications</source>
        <translation>Alle Anwendungen</translation>
    </message>
    <message>
        <source>Any application (rules for every app)</source>
        <translation>Jede Anwendung (Regeln für alle Anwendungen)</translation>
    </message>
    <message>
        <source>Rules that apply to every application</source>
        <translation>Regeln, die für jede Anwendung gelten</translation>
    </message>
    <message>
        <source>Saved rule #%1</source>
        <translation>Regel #%1 gespeichert</translation>
    </message>
    <message>
        <source>Rule #%1 comes from %2 and is read-only; an administrator changes it there.</source>
        <translation>Regel #%1 stammt aus %2 und ist schreibgeschützt; ein Administrator ändert sie dort.</translation>
    </message>
    <message>
        <source>Admin rules are read-only; they are changed in /etc/hostgate/rules.d.</source>
        <translation>Admin-Regeln sind schreibgeschützt; sie werden in /etc/hostgate/rules.d geändert.</translation>
    </message>
    <message>
        <source>Delete rule #%1?</source>
        <translation>Regel #%1 löschen?</translation>
    </message>
    <message>
        <source>Delete these %1 rules?</source>
        <translation>Diese %1 Regeln löschen?</translation>
    </message>
    <message>
        <source>The selected admin rules are read-only and stay.</source>
        <translation>Die ausgewählten Admin-Regeln sind schreibgeschützt und bleiben.</translation>
    </message>
    <message>
        <source>Delete rules</source>
        <translation>Regeln löschen</translation>
    </message>
    <message>
        <source>Deleted the rule</source>
        <translation>Die Regel wurde gelöscht</translation>
    </message>
    <message>
        <source>Deleted %1 rules</source>
        <translation>%1 Regeln gelöscht</translation>
    </message>
    <message>
        <source>delete rule #%1</source>
        <translation>Löschen von Regel #%1</translation>
    </message>
    <message>
        <source>delete %1 of %2 rules</source>
        <translation>Löschen von %1 der %2 Regeln</translation>
    </message>
    <message>
        <source>Import rules</source>
        <translation>Regeln importieren</translation>
    </message>
    <message>
        <source>Rule files (*.toml);;All files (*)</source>
        <translation>Regeldateien (*.toml);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Add the rules from %1 to your rules, or replace all your rules with them?</source>
        <translation>Die Regeln aus %1 zu Ihren Regeln hinzufügen oder alle Ihre Regeln durch sie ersetzen?</translation>
    </message>
    <message>
        <source>&amp;Add to my rules</source>
        <translation>Zu meinen Regeln &amp;hinzufügen</translation>
    </message>
    <message>
        <source>&amp;Replace my rules</source>
        <translation>Meine Regeln &amp;ersetzen</translation>
    </message>
    <message>
        <source>read %1</source>
        <translation>Lesen von %1</translation>
    </message>
    <message>
        <source>import rules from %1</source>
        <translation>Importieren der Regeln aus %1</translation>
    </message>
    <message>
        <source>Imported 1 rule from %1</source>
        <translation>1 Regel aus %1 importiert</translation>
    </message>
    <message>
        <source>Imported %1 rules from %2</source>
        <translation>%1 Regeln aus %2 importiert</translation>
    </message>
    <message>
        <source>Export rules</source>
        <translation>Regeln exportieren</translation>
    </message>
    <message>
        <source>export the rules</source>
        <translation>Exportieren der Regeln</translation>
    </message>
    <message>
        <source>write %1</source>
        <translation>Schreiben von %1</translation>
    </message>
    <message>
        <source>Exported the rules to %1</source>
        <translation>Die Regeln wurden nach %1 exportiert</translation>
    </message>
    <message>
        <source>No rule names %1 yet; showing all rules</source>
        <translation>Noch keine Regel nennt %1; alle Regeln werden gezeigt</translation>
    </message>
    <message>
        <source>&amp;Group by application</source>
        <translation>Nach Anwendung &amp;gruppieren</translation>
    </message>
    <message>
        <source>One row per application with its rules below (Ctrl+G)</source>
        <translation>Eine Zeile je Anwendung, ihre Regeln darunter (Strg+G)</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrafficChart</name>
    <message>
        <source>Traffic of the last five minutes</source>
        <translation>Datenverkehr der letzten fünf Minuten</translation>
    </message>
    <message>
        <source>%1: at most %2 in the last five minutes</source>
        <translation>%1: höchstens %2 in den letzten fünf Minuten</translation>
    </message>
    <message>
        <source>now</source>
        <translation>jetzt</translation>
    </message>
    <message>
        <source>-%1 min</source>
        <translation>-%1 min</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrafficModel</name>
    <message>
        <source>Unknown application</source>
        <translation>Unbekannte Anwendung</translation>
    </message>
    <message>
        <source>Unknown (%1)</source>
        <translation>Unbekannt (%1)</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>The socket&apos;s owner is not known</source>
        <translation>Der Besitzer des Sockets ist nicht bekannt</translation>
    </message>
    <message numerus="yes">
        <source>%n open</source>
        <translation>
            <numerusform>%n offen</numerusform>
            <numerusform>%n offen</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n in all</source>
        <translation>
            <numerusform>, %n insgesamt</numerusform>
            <numerusform>, %n insgesamt</numerusform>
        </translation>
    </message>
    <message>
        <source>↑ %1  ↓ %2</source>
        <translation>↑ %1  ↓ %2</translation>
    </message>
    <message>
        <source>allowed by rule #%1</source>
        <translation>erlaubt durch Regel #%1</translation>
    </message>
    <message>
        <source>allowed by default</source>
        <translation>erlaubt durch die Voreinstellung</translation>
    </message>
    <message>
        <source>denied by rule #%1</source>
        <translation>verweigert durch Regel #%1</translation>
    </message>
    <message>
        <source>denied by default</source>
        <translation>verweigert durch die Voreinstellung</translation>
    </message>
    <message>
        <source>asked</source>
        <translation>nachgefragt</translation>
    </message>
    <message>
        <source>no decision recorded</source>
        <translation>keine Entscheidung aufgezeichnet</translation>
    </message>
    <message>
        <source>%1 packets sent, %2 received</source>
        <translation>%1 Pakete gesendet, %2 empfangen</translation>
    </message>
    <message>
        <source>Container: %1</source>
        <translation>Container: %1</translation>
    </message>
    <message>
        <source>Process %1 (%2)</source>
        <translation>Prozess %1 (%2)</translation>
    </message>
    <message>
        <source>%1, refused</source>
        <translation>%1, abgewiesen</translation>
    </message>
    <message>
        <source>%1, open</source>
        <translation>%1, offen</translation>
    </message>
    <message>
        <source>%1, closed</source>
        <translation>%1, geschlossen</translation>
    </message>
    <message>
        <source>Application / destination</source>
        <translation>Anwendung / Ziel</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Verbindung</translation>
    </message>
    <message>
        <source>Decision</source>
        <translation>Entscheidung</translation>
    </message>
    <message>
        <source>Since</source>
        <translation>Seit</translation>
    </message>
    <message>
        <source>Sent</source>
        <translation>Gesendet</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>Empfangen</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Rate</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrayApplication</name>
    <message>
        <source>Prompts are not shown</source>
        <translation>Rückfragen werden nicht angezeigt</translation>
    </message>
    <message>
        <source>Welcome to hostgate</source>
        <translation>Willkommen bei hostgate</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrayIcon</name>
    <message>
        <source>&amp;Enforce (ask about new connections)</source>
        <translation>&amp;Durchsetzen (bei neuen Verbindungen fragen)</translation>
    </message>
    <message>
        <source>Silently &amp;allow</source>
        <translation>Still &amp;erlauben</translation>
    </message>
    <message>
        <source>Silently &amp;deny</source>
        <translation>Still &amp;verweigern</translation>
    </message>
    <message>
        <source>&amp;Learning (allow and propose rules)</source>
        <translation>&amp;Lernen (erlauben und Regeln vorschlagen)</translation>
    </message>
    <message>
        <source>Enforcing</source>
        <translation>Durchsetzen</translation>
    </message>
    <message>
        <source>Silently allowing</source>
        <translation>Still erlauben</translation>
    </message>
    <message>
        <source>Silently denying</source>
        <translation>Still verweigern</translation>
    </message>
    <message>
        <source>Learning</source>
        <translation>Lernen</translation>
    </message>
    <message>
        <source>hostgate is enforcing: the first time a program connects to a host, the connection is held and you are asked; your answer can become a rule. Unanswered questions are allowed.</source>
        <translation>hostgate setzt durch: Wenn sich ein Programm zum ersten Mal mit einem Host verbindet, wird die Verbindung angehalten und Sie werden gefragt; Ihre Antwort kann zur Regel werden. Unbeantwortete Fragen werden erlaubt.</translation>
    </message>
    <message>
        <source>hostgate is enforcing: the first time a program connects to a host, the connection is held and you are asked; your answer can become a rule. Unanswered questions are denied.</source>
        <translation>hostgate setzt durch: Wenn sich ein Programm zum ersten Mal mit einem Host verbindet, wird die Verbindung angehalten und Sie werden gefragt; Ihre Antwort kann zur Regel werden. Unbeantwortete Fragen werden verweigert.</translation>
    </message>
    <message>
        <source>hostgate is learning: every connection is allowed and proposed as a rule; review the proposals from this menu, then switch to Enforcing.</source>
        <translation>hostgate lernt: Jede Verbindung wird erlaubt und als Regel vorgeschlagen; prüfen Sie die Vorschläge über dieses Menü und wechseln Sie dann zu Durchsetzen.</translation>
    </message>
    <message>
        <source>hostgate is silently denying: connections no rule allows are refused without a question.</source>
        <translation>hostgate verweigert still: Verbindungen, die keine Regel erlaubt, werden ohne Rückfrage abgelehnt.</translation>
    </message>
    <message>
        <source>hostgate is silently allowing: connections no rule denies are allowed without a question.</source>
        <translation>hostgate erlaubt still: Verbindungen, die keine Regel verweigert, werden ohne Rückfrage erlaubt.</translation>
    </message>
    <message>
        <source>hostgate is in mode %1.</source>
        <translation>hostgate ist im Modus %1.</translation>
    </message>
    <message>
        <source>System services follow the shipped base policy (apt, time sync, NetworkManager, fwupd); their other connections are asked here and need an administrator&apos;s password. Change the mode from this menu.</source>
        <translation>Systemdienste folgen der mitgelieferten Grundrichtlinie (apt, Zeitabgleich, NetworkManager, fwupd); nach ihren anderen Verbindungen wird hier gefragt, und die Antwort braucht das Passwort eines Administrators. Den Modus ändern Sie über dieses Menü.</translation>
    </message>
    <message>
        <source>&amp;Pause prompts</source>
        <translation>Rückfragen &amp;anhalten</translation>
    </message>
    <message>
        <source>The daemon applies its default action instead of asking</source>
        <translation>Der Dienst wendet seine Standardaktion an, statt zu fragen</translation>
    </message>
    <message>
        <source>&amp;Rules…</source>
        <translation>&amp;Regeln…</translation>
    </message>
    <message>
        <source>&amp;Connection log…</source>
        <translation>Verbindungs&amp;protokoll…</translation>
    </message>
    <message>
        <source>Review &amp;learned rules…</source>
        <translation>&amp;Gelernte Regeln prüfen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Could not switch to %1</source>
        <translation>Wechsel zu %1 nicht möglich</translation>
    </message>
    <message>
        <source>hostgate: the firewall daemon is not reachable</source>
        <translation>hostgate: Der Firewall-Dienst ist nicht erreichbar</translation>
    </message>
    <message>
        <source>hostgate: status unknown</source>
        <translation>hostgate: Status unbekannt</translation>
    </message>
    <message>
        <source>hostgate: %1</source>
        <translation>hostgate: %1</translation>
    </message>
    <message>
        <source>Prompts paused: the default action (%1) applies</source>
        <translation>Rückfragen angehalten: Die Standardaktion (%1) gilt</translation>
    </message>
    <message>
        <source>%1 rules · %2 allowed · %3 denied · %4 asked</source>
        <translation>%1 Regeln · %2 erlaubt · %3 verweigert · %4 gefragt</translation>
    </message>
    <message numerus="yes">
        <source>%n learned rule(s) waiting for review</source>
        <translation>
            <numerusform>%n gelernte Regel wartet auf Prüfung</numerusform>
            <numerusform>%n gelernte Regeln warten auf Prüfung</numerusform>
        </translation>
    </message>
    <message>
        <source>Learned rules could not be loaded: %1</source>
        <translation>Gelernte Regeln konnten nicht geladen werden: %1</translation>
    </message>
    <message>
        <source>Missing kernel features: %1</source>
        <translation>Fehlende Kernel-Funktionen: %1</translation>
    </message>
    <message>
        <source>Rule file errors: %1</source>
        <translation>Fehler in Regeldateien: %1</translation>
    </message>
    <message>
        <source>Status unknown</source>
        <translation>Status unbekannt</translation>
    </message>
    <message>
        <source>Firewall daemon not reachable</source>
        <translation>Firewall-Dienst nicht erreichbar</translation>
    </message>
    <message>
        <source>Review &amp;learned rules (%1)…</source>
        <translation>&amp;Gelernte Regeln prüfen (%1)…</translation>
    </message>
    <message>
        <source>Network &amp;monitor…</source>
        <translation>Netzwerk&amp;monitor…</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::disableRuleFrom</name>
    <message>
        <source>disable rule #%1</source>
        <translation>Regel #%1 deaktivieren</translation>
    </message>
    <message>
        <source>Rule #%1 disabled</source>
        <translation>Regel #%1 deaktiviert</translation>
    </message>
</context>
<context>
    <name>hostgate::gui::reportFailure</name>
    <message>
        <source>Failed to %1: %2</source>
        <translation>%1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Failed to %1.</source>
        <translation>%1 fehlgeschlagen.</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Tray application of the hostgate application firewall</source>
        <translation>Taskleistenprogramm der Anwendungsfirewall hostgate</translation>
    </message>
    <message>
        <source>Do not answer prompts (the daemon applies its default action)</source>
        <translation>Keine Rückfragen beantworten (der Dienst wendet seine Standardaktion an)</translation>
    </message>
    <message>
        <source>Open the rules window</source>
        <translation>Das Regelfenster öffnen</translation>
    </message>
    <message>
        <source>Open the connection log</source>
        <translation>Das Verbindungsprotokoll öffnen</translation>
    </message>
</context>
</TS>
