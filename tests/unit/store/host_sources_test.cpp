// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of host sources: what hosts_from reads from apt's, timesyncd's, NetworkManager's and fwupd's files.
#include "store/host_sources.h"

#include <QtTest>

#include <filesystem>
#include <fstream>

using namespace hostgate;
namespace fs = std::filesystem;
using Hosts = std::vector<std::string>;

namespace {

void writeText(const fs::path& path, const std::string& text)
{
    fs::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << text;
}

} // namespace

class HostSourcesTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    fs::path root() const { return dir_.path().toStdString(); }

private slots:
    void init()
    {
        for (const auto& entry : fs::directory_iterator(root()))
            fs::remove_all(entry.path());
    }

    void oneLineSourcesGiveTheHostsOfHttpAndHttpsUris()
    {
        std::vector<std::string> notices;
        const Hosts hosts = aptOneLineSourceHosts(
            "# a comment\n"
            "deb http://deb.debian.org/debian bookworm main\n"
            "deb-src https://Security.Debian.org/debian-security bookworm-security main # trailing\n"
            "deb [arch=amd64 signed-by=/usr/share/keyrings/x.gpg] https://user:pw@repo.example:8443/apt stable main\n"
            "deb http://[2001:db8::5]/debian bookworm main\r\n"
            "deb file:/srv/local ./\n"
            "deb cdrom:[Debian GNU/Linux 12]/ bookworm main\n"
            "deb mirror+file:/etc/apt/mirrors.txt bookworm main\n"
            "deb [arch=amd64 http://broken.example bookworm main\n"
            "rpm http://not-apt.example/ x\n"
            "deb\n",
            notices);
        QCOMPARE(hosts, (Hosts{"deb.debian.org", "security.debian.org", "repo.example", "2001:db8::5"}));
        QCOMPARE(notices.size(), std::size_t{2}); // mirror+file, the unclosed '['
    }

    void deb822SourcesReadUrisAcrossLinesAndSkipDisabledStanzas()
    {
        std::vector<std::string> notices;
        const Hosts hosts = aptDeb822SourceHosts("Types: deb deb-src\n"
                                                 "URIs: http://deb.debian.org/debian\n"
                                                 " https://mirror.example/debian\n"
                                                 "Suites: bookworm bookworm-updates\n"
                                                 "Components: main\n"
                                                 "\n"
                                                 "# disabled\n"
                                                 "Types: deb\n"
                                                 "uris: https://disabled.example/debian\n"
                                                 "Enabled: no\n"
                                                 "Suites: x\n"
                                                 "\n"
                                                 "Types: deb\n"
                                                 "URIs: https://third.example/apt http://fourth.example/apt\n",
                                                 notices);
        QCOMPARE(hosts, (Hosts{"deb.debian.org", "mirror.example", "third.example", "fourth.example"}));
        QVERIFY(notices.empty());
    }

    void httpUrlHostRefusesOtherSchemesAndMalformedUrls()
    {
        QCOMPARE(httpUrlHost("https://CDN.fwupd.org/downloads/firmware.xml.xz"), std::string("cdn.fwupd.org"));
        QCOMPARE(httpUrlHost("ftp://ftp.example/debian"), std::string());
        QCOMPARE(httpUrlHost("http://"), std::string());
        QCOMPARE(httpUrlHost("not a url"), std::string());
        QCOMPARE(httpUrlHost(std::string_view("http://a.example\0.evil", 23)), std::string());
    }

    void iniValuesAreReadPerSectionInOrder()
    {
        const std::string text = "[Time]\nNTP=a.example b.example\n; comment\n#NTP=commented.example\n"
                                 "[Other]\nNTP=other.example\n[Time]\n NTP = c.example \n";
        QCOMPARE(iniValues(text, "Time", "NTP"), (Hosts{"a.example b.example", "c.example"}));
        QCOMPARE(iniValues(text, "Other", "NTP"), (Hosts{"other.example"}));
        QVERIFY(iniValues(text, "Time", "FallbackNTP").empty());
    }

    void aptSourcesComeFromEveryFileDeduplicated()
    {
        writeText(root() / "etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n");
        writeText(root() / "etc/apt/sources.list.d/extra.list", "deb https://deb.debian.org/debian bookworm contrib\n"
                                                                "deb https://repo.example/apt stable main\n");
        writeText(root() / "etc/apt/sources.list.d/debian.sources", "Types: deb\nURIs: http://mirror.example/debian\n");
        writeText(root() / "etc/apt/sources.list.d/ignored.save", "deb http://ignored.example/ x main\n");
        const HostSourceSnapshot snapshot = readHostSources(root());
        QCOMPARE(snapshot.of("apt-sources"), (Hosts{"deb.debian.org", "mirror.example", "repo.example"}));
        QVERIFY(snapshot.notices.empty());
    }

    void timesyncdUsesItsConfigurationAndDropInsOrDebiansPool()
    {
        QCOMPARE(readHostSources(root()).of("timesyncd-servers"),
                 (Hosts{"0.debian.pool.ntp.org", "1.debian.pool.ntp.org", "2.debian.pool.ntp.org",
                        "3.debian.pool.ntp.org"}));

        writeText(root() / "etc/systemd/timesyncd.conf",
                  "[Time]\nNTP=ntp1.example ntp2.example\nFallbackNTP=fallback.example\n");
        writeText(root() / "usr/lib/systemd/timesyncd.conf.d/10-vendor.conf", "[Time]\nFallbackNTP=vendor.example\n");
        writeText(root() / "etc/systemd/timesyncd.conf.d/20-site.conf", "[Time]\nNTP=site.example\n");
        QCOMPARE(readHostSources(root()).of("timesyncd-servers"), (Hosts{"site.example", "vendor.example"}));
    }

    void networkManagerCheckIsTheLastUriUnlessDisabled()
    {
        QVERIFY(readHostSources(root()).of("networkmanager-connectivity").empty());
        writeText(root() / "usr/lib/NetworkManager/conf.d/20-connectivity-debian.conf",
                  "[connectivity]\nuri=http://network-test.debian.org/nm\n");
        QCOMPARE(readHostSources(root()).of("networkmanager-connectivity"), (Hosts{"network-test.debian.org"}));
        writeText(root() / "etc/NetworkManager/conf.d/90-off.conf", "[connectivity]\nenabled=false\n");
        QVERIFY(readHostSources(root()).of("networkmanager-connectivity").empty());
    }

    void fwupdReadsTheEnabledRemotesOnly()
    {
        writeText(root() / "etc/fwupd/remotes.d/lvfs.conf",
                  "[fwupd Remote]\nEnabled=true\nMetadataURI=https://cdn.fwupd.org/downloads/firmware.xml.xz\n");
        writeText(root() / "etc/fwupd/remotes.d/lvfs-testing.conf",
                  "[fwupd Remote]\nEnabled=false\nMetadataURI=https://testing.example/firmware.xml.xz\n");
        writeText(root() / "etc/fwupd/remotes.d/vendor.conf",
                  "[fwupd Remote]\nEnabled=true\nMetadataURI=file:///usr/share/fwupd/remotes.d/vendor/firmware\n"
                  "FirmwareBaseURI=https://firmware.vendor.example/\n");
        QCOMPARE(readHostSources(root()).of("fwupd-remotes"), (Hosts{"cdn.fwupd.org", "firmware.vendor.example"}));
    }

    void aFileOthersCanWriteIsRefusedWithANotice()
    {
        writeText(root() / "etc/apt/sources.list", "deb http://evil.example/debian bookworm main\n");
        fs::permissions(root() / "etc/apt/sources.list", fs::perms::others_write, fs::perm_options::add);
        const HostSourceSnapshot snapshot = readHostSources(root());
        QVERIFY(snapshot.of("apt-sources").empty());
        QCOMPARE(snapshot.notices.size(), std::size_t{1});
    }
};

QTEST_GUILESS_MAIN(HostSourcesTest)
#include "host_sources_test.moc"
