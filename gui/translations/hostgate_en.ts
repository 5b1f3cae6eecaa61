<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US">
<context>
    <name>hostgate::gui::DenialNotifier</name>
    <message numerus="yes">
        <source>and %n more connection(s)</source>
        <translation>
            <numerusform>and %n more connection</numerusform>
            <numerusform>and %n more connections</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n connection(s) denied</source>
        <translation>
            <numerusform>%1: %n connection denied</numerusform>
            <numerusform>%1: %n connections denied</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %n connection(s) learned</source>
        <translation>
            <numerusform>%1: %n connection learned</numerusform>
            <numerusform>%1: %n connections learned</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::MonitorWindow</name>
    <message numerus="yes">
        <source>%n application(s)</source>
        <translation>
            <numerusform>%n application</numerusform>
            <numerusform>%n applications</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n open connection(s)</source>
        <translation>
            <numerusform>%n open connection</numerusform>
            <numerusform>%n open connections</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::ProposalsModel</name>
    <message numerus="yes">
        <source>Accepted %n proposal(s)</source>
        <translation>
            <numerusform>Accepted %n proposal</numerusform>
            <numerusform>Accepted %n proposals</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Rejected %n proposal(s)</source>
        <translation>
            <numerusform>Rejected %n proposal</numerusform>
            <numerusform>Rejected %n proposals</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RulesGroupModel</name>
    <message numerus="yes">
        <source>%n rule(s)</source>
        <translation>
            <numerusform>%n rule</numerusform>
            <numerusform>%n rules</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n rule(s), %1 off</source>
        <translation>
            <numerusform>%n rule, %1 off</numerusform>
            <numerusform>%n rules, %1 off</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::RulesWindow</name>
    <message numerus="yes">
        <source>%1 — %2, %n entries</source>
        <translation>
            <numerusform>%1 — %2, %n entry</numerusform>
            <numerusform>%1 — %2, %n entries</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrafficModel</name>
    <message numerus="yes">
        <source>%n open</source>
        <translation>
            <numerusform>%n open</numerusform>
            <numerusform>%n open</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>, %n in all</source>
        <translation>
            <numerusform>, %n in all</numerusform>
            <numerusform>, %n in all</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>hostgate::gui::TrayIcon</name>
    <message numerus="yes">
        <source>%n learned rule(s) waiting for review</source>
        <translation>
            <numerusform>%n learned rule waiting for review</numerusform>
            <numerusform>%n learned rules waiting for review</numerusform>
        </translation>
    </message>
</context>
</TS>
