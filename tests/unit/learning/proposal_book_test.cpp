// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of the proposal book: one proposal per (app, script, user, destination), names of one
// registrable domain generalised to "*.domain", ports grouped, bounded, rejections remembered.
#include "learning/last_two_labels.h"
#include "learning/proposal_book.h"

#include <QTest>

using namespace hostgate;

namespace {

const TimePoint t0 = TimePoint{} + std::chrono::hours(480000);

Sighting seen(std::string host, std::uint16_t port = 443, std::string app = "/usr/bin/curl", std::uint32_t uid = 1000)
{
    Sighting sighting;
    sighting.app = std::move(app);
    sighting.uid = uid;
    sighting.host = std::move(host);
    sighting.address = *IpAddress::parse("203.0.113.7");
    sighting.port = port;
    sighting.protocol = Protocol::Tcp;
    sighting.at = t0;
    return sighting;
}

QString text(const std::string& value)
{
    return QString::fromStdString(value);
}

} // namespace

class ProposalBookTest : public QObject {
    Q_OBJECT

private slots:
    void aNewDestinationBecomesAnExactProposal()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        QVERIFY(book.observe(seen("www.example.com")) == ProposalBook::Outcome::Added);
        QCOMPARE(book.size(), std::size_t{1});
        const Proposal& proposal = book.proposals().front();
        QCOMPARE(proposal.id, ProposalId{1});
        QCOMPARE(text(proposal.host.toString()), QStringLiteral("www.example.com"));
        QCOMPARE(proposal.portSet(), PortSet::single(443));
        QCOMPARE(proposal.connections, std::uint64_t{1});
    }

    void theSameDestinationIsCountedNotProposedAgain()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("www.example.com"));
        auto later = seen("www.example.com");
        later.at = t0 + std::chrono::minutes(5);
        QVERIFY(book.observe(later) == ProposalBook::Outcome::Merged);
        QCOMPARE(book.size(), std::size_t{1});
        QCOMPARE(book.proposals().front().connections, std::uint64_t{2});
        QCOMPARE(book.proposals().front().firstSeen, t0);
        QCOMPARE(book.proposals().front().lastSeen, later.at);
    }

    void eachAppScriptUserAndProtocolGetsItsOwnProposal()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("www.example.com"));
        book.observe(seen("www.example.com", 443, "/usr/bin/wget"));
        book.observe(seen("www.example.com", 443, "/usr/bin/curl", 1001));
        auto script = seen("www.example.com", 443, "/usr/bin/python3.11");
        script.script = "/home/u/sync.py";
        book.observe(script);
        auto udp = seen("www.example.com");
        udp.protocol = Protocol::Udp;
        book.observe(udp);
        QCOMPARE(book.size(), std::size_t{5});
    }

    void portsOfOneDestinationAreGrouped()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("www.example.com", 443));
        book.observe(seen("www.example.com", 80));
        book.observe(seen("www.example.com", 8080));
        book.observe(seen("www.example.com", 80));
        QCOMPARE(book.size(), std::size_t{1});
        QCOMPARE(text(book.proposals().front().portSet().toString()), QStringLiteral("80,443,8080"));
    }

    void tooManyPortsBecomeAnyPort()
    {
        test::LastTwoLabels domains;
        ProposalLimits limits;
        limits.maxPorts = 3;
        ProposalBook book(domains, limits);
        for (std::uint16_t port = 1000; port < 1004; ++port)
            book.observe(seen("www.example.com", port));
        QVERIFY(book.proposals().front().anyPort);
        QVERIFY(book.proposals().front().portSet().isAny());
        QVERIFY(ruleForProposal(book.proposals().front(), t0).ports.isAny());
    }

    void twoNamesOfOneRegistrableDomainBecomeOneSuffixProposal()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("a.example.com", 443));
        QVERIFY(book.observe(seen("b.example.com", 80)) == ProposalBook::Outcome::Merged);
        QCOMPARE(book.size(), std::size_t{1});
        const Proposal& proposal = book.proposals().front();
        QCOMPARE(text(proposal.host.toString()), QStringLiteral("*.example.com"));
        QCOMPARE(text(proposal.portSet().toString()), QStringLiteral("80,443"));
        QCOMPARE(proposal.examples, (std::vector<std::string>{"a.example.com", "b.example.com"}));
        // Later names under the domain join it, at any depth.
        QVERIFY(book.observe(seen("x.cdn.example.com")) == ProposalBook::Outcome::Merged);
        QCOMPARE(book.size(), std::size_t{1});
        QCOMPARE(book.proposals().front().connections, std::uint64_t{3});
    }

    void theRegistrableDomainItselfStaysExact()
    {
        // "*.example.com" never matches example.com, so the apex keeps a proposal of its own.
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("example.com"));
        book.observe(seen("www.example.com"));
        QCOMPARE(book.size(), std::size_t{2});
        QCOMPARE(text(book.proposals()[0].host.toString()), QStringLiteral("example.com"));
        QCOMPARE(text(book.proposals()[1].host.toString()), QStringLiteral("www.example.com"));
    }

    void namesOfDifferentDomainsAreNotMerged()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("a.example.com"));
        book.observe(seen("a.example.net"));
        QCOMPARE(book.size(), std::size_t{2});
    }

    void anAddressIsProposedWhenNoNameIsKnown()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen(""));
        auto other = seen("");
        other.address = *IpAddress::parse("2001:db8::7");
        book.observe(other);
        book.observe(seen("", 80));
        QCOMPARE(book.size(), std::size_t{2});
        QCOMPARE(text(book.proposals()[0].host.toString()), QStringLiteral("203.0.113.7"));
        QCOMPARE(text(book.proposals()[0].portSet().toString()), QStringLiteral("80,443"));
        QCOMPARE(text(book.proposals()[1].host.toString()), QStringLiteral("2001:db8::7"));
    }

    void aFullBookDropsNewDestinationsAndCountsThem()
    {
        test::LastTwoLabels domains;
        ProposalLimits limits;
        limits.maxProposals = 2;
        ProposalBook book(domains, limits);
        book.observe(seen("a.example.com"));
        book.observe(seen("b.example.net"));
        QVERIFY(book.observe(seen("c.example.org")) == ProposalBook::Outcome::Dropped);
        QVERIFY(book.observe(seen("d.example.org")) == ProposalBook::Outcome::Dropped);
        QCOMPARE(book.size(), std::size_t{2});
        QCOMPARE(book.dropped(), std::uint64_t{2});
        // What joins an existing proposal still counts.
        QVERIFY(book.observe(seen("x.example.com")) == ProposalBook::Outcome::Merged);
        // Deciding one makes room.
        QVERIFY(book.remove(book.proposals().front().id));
        QVERIFY(book.observe(seen("c.example.org")) == ProposalBook::Outcome::Added);
    }

    void aRejectedProposalIsNotProposedAgain()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("a.example.com"));
        book.observe(seen("b.example.com"));
        QVERIFY(book.reject(book.proposals().front().id));
        QCOMPARE(book.size(), std::size_t{0});
        QVERIFY(book.observe(seen("c.example.com")) == ProposalBook::Outcome::Ignored);
        QCOMPARE(book.size(), std::size_t{0});
        // Another app is still proposed.
        QVERIFY(book.observe(seen("c.example.com", 443, "/usr/bin/wget")) == ProposalBook::Outcome::Added);
        QVERIFY(!book.reject(999));
    }

    void idsAreNeverReusedAndSelectableByApp()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        book.observe(seen("a.example.com"));
        book.observe(seen("b.example.net", 443, "/usr/bin/wget"));
        QVERIFY(book.remove(2));
        book.observe(seen("c.example.org", 443, "/usr/bin/wget"));
        QCOMPARE(book.proposals().back().id, ProposalId{3});
        QCOMPARE(book.idsFor(std::string("/usr/bin/wget")), std::vector<ProposalId>{3});
        QCOMPARE(book.idsFor(std::nullopt), (std::vector<ProposalId>{1, 3}));
        QVERIFY(book.find(2) == nullptr);
        QCOMPARE(book.find(3)->id, ProposalId{3});
    }

    void restoreKeepsIdsAboveTheRestoredAndTheLimit()
    {
        test::LastTwoLabels domains;
        ProposalLimits limits;
        limits.maxProposals = 2;
        ProposalBook book(domains, limits);
        ProposalBook::Contents saved;
        for (ProposalId id : {7, 3, 9}) {
            Proposal proposal;
            proposal.id = id;
            proposal.host = HostPattern::exact("h" + std::to_string(id) + ".example.com");
            proposal.ports = {443};
            saved.proposals.push_back(proposal);
        }
        book.restore(saved);
        QCOMPARE(book.size(), std::size_t{2});
        QCOMPARE(book.proposals().front().id, ProposalId{3}); // sorted by id, the newest dropped
        QCOMPARE(book.dropped(), std::uint64_t{1});
        QVERIFY(book.remove(3));
        book.observe(seen("new.example.org"));
        QCOMPARE(book.proposals().back().id, ProposalId{10});
    }

    void theRuleOfAProposalIsAnAllowRuleForever()
    {
        test::LastTwoLabels domains;
        ProposalBook book(domains);
        auto script = seen("a.example.com", 8443, "/usr/bin/python3.11");
        script.script = "/home/u/sync.py";
        book.observe(script);
        const Rule rule = ruleForProposal(book.proposals().front(), t0);
        QCOMPARE(rule.script, std::optional<std::string>("/home/u/sync.py"));
        QCOMPARE(rule.uid, std::optional<std::uint32_t>(1000));
        QVERIFY(rule.action == Action::Allow);
        QVERIFY(rule.lifetime.kind == Lifetime::Kind::Forever);
        QVERIFY(rule.origin == RuleOrigin::User);
        QCOMPARE(text(rule.note), QStringLiteral("learned: proposal #1 (1 connection)"));
    }
};

QTEST_APPLESS_MAIN(ProposalBookTest)
#include "proposal_book_test.moc"
