// SPDX-License-Identifier: GPL-3.0-or-later
// Specification of QUIC Initial reading (RFC 9001 §5): the client Initial of RFC 9001 Appendix A.2 opens and
// names example.com; a changed byte, another version or a short packet is refused; CRYPTO frames out of order
// and over two datagrams reassemble.
#include "capture/quic_initial.h"
#include "claims/first_payload.h"

#include <QTest>

#include <string>
#include <vector>

using namespace hostgate;

namespace {

// RFC 9001 Appendix A.2: the protected client Initial (DCID 8394c8f03e515708, packet number 2, 1200 bytes).
const char* const kRfc9001ClientInitial =
    "c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c"
    "0bab7df5976d27cd449f63300099f3991c260ec4c60d17b31f8429157bb35a1282a643a8d2262cad67500cadb8e7378c"
    "8eb7539ec4d4905fed1bee1fc8aafba17c750e2c7ace01e6005f80fcb7df621230c83711b39343fa028cea7f7fb5ff89"
    "eac2308249a02252155e2347b63d58c5457afd84d05dfffdb20392844ae812154682e9cf012f9021a6f0be17ddd0c208"
    "4dce25ff9b06cde535d0f920a2db1bf362c23e596d11a4f5a6cf3948838a3aec4e15daf8500a6ef69ec4e3feb6b1d98e"
    "610ac8b7ec3faf6ad760b7bad1db4ba3485e8a94dc250ae3fdb41ed15fb6a8e5eba0fc3dd60bc8e30c5c4287e53805db"
    "059ae0648db2f64264ed5e39be2e20d82df566da8dd5998ccabdae053060ae6c7b4378e846d29f37ed7b4ea9ec5d82e7"
    "961b7f25a9323851f681d582363aa5f89937f5a67258bf63ad6f1a0b1d96dbd4faddfcefc5266ba6611722395c906556"
    "be52afe3f565636ad1b17d508b73d8743eeb524be22b3dcbc2c7468d54119c7468449a13d8e3b95811a198f3491de3e7"
    "fe942b330407abf82a4ed7c1b311663ac69890f4157015853d91e923037c227a33cdd5ec281ca3f79c44546b9d90ca00"
    "f064c99e3dd97911d39fe9c5d0b23a229a234cb36186c4819e8b9c5927726632291d6a418211cc2962e20fe47feb3edf"
    "330f2c603a9d48c0fcb5699dbfe5896425c5bac4aee82e57a85aaf4e2513e4f05796b07ba2ee47d80506f8d2c25e50fd"
    "14de71e6c418559302f939b0e1abd576f279c4b2e0feb85c1f28ff18f58891ffef132eef2fa09346aee33c28eb130ff2"
    "8f5b766953334113211996d20011a198e3fc433f9f2541010ae17c1bf202580f6047472fb36857fe843b19f5984009dd"
    "c324044e847a4f4a0ab34f719595de37252d6235365e9b84392b061085349d73203a4a13e96f5432ec0fd4a1ee65accd"
    "d5e3904df54c1da510b0ff20dcc0c77fcb2c0e0eb605cb0504db87632cf3d8b4dae6e705769d1de354270123cb11450e"
    "fc60ac47683d7b8d0f811365565fd98c4c8eb936bcab8d069fc33bd801b03adea2e1fbc5aa463d08ca19896d2bf59a07"
    "1b851e6c239052172f296bfb5e72404790a2181014f3b94a4e97d117b438130368cc39dbb2d198065ae3986547926cd2"
    "162f40a29f0c3c8745c0f50fba3852e566d44575c29d39a03f0cda721984b6f440591f355e12d439ff150aab7613499d"
    "bd49adabc8676eef023b15b65bfc5ca06948109f23f350db82123535eb8a7433bdabcb909271a6ecbcb58b936a88cd4e"
    "8f2e6ff5800175f113253d8fa9ca8885c2f552e657dc603f252e1a8e308f76f0be79e2fb8f5d5fbbe2e30ecadd220723"
    "c8c0aea8078cdfcb3868263ff8f0940054da48781893a7e49ad5aff4af300cd804a6b6279ab3ff3afb64491c85194aab"
    "760d58a606654f9f4400e8b38591356fbf6425aca26dc85244259ff2b19c41b9f96f3ca9ec1dde434da7d2d392b905dd"
    "f3d1f9af93d1af5950bd493f5aa731b4056df31bd267b6b90a079831aaf579be0a39013137aac6d404f518cfd4684064"
    "7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934";

std::vector<std::uint8_t> fromHex(std::string_view hex)
{
    std::vector<std::uint8_t> bytes;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        bytes.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return bytes;
}

} // namespace

class QuicInitialTest : public QObject {
    Q_OBJECT

private slots:
    void theRfcClientInitialOpensAndNamesExampleCom()
    {
        const auto datagram = fromHex(kRfc9001ClientInitial);
        QCOMPARE(datagram.size(), std::size_t{1200});
        CryptoStream stream(kMaxClientHelloBytes);
        const auto read = readQuicInitials(datagram, stream);
        QVERIFY2(read.ok(), read.ok() ? "" : read.error().message.c_str());
        QCOMPARE(stream.contiguous().size(), std::size_t{241}); // the ClientHello of A.2
        const auto scan = scanHandshake(stream.contiguous(), ClaimSource::QuicSni);
        QCOMPARE(scan.status, ScanStatus::Found);
        QCOMPARE(QString::fromStdString(scan.claim->host), QStringLiteral("example.com"));
        QCOMPARE(scan.claim->source, ClaimSource::QuicSni);
        QVERIFY(!scan.claim->encryptedHello);
    }

    void aChangedByteFailsTheTagAndIsRefused()
    {
        auto datagram = fromHex(kRfc9001ClientInitial);
        datagram[600] ^= 0x01;
        CryptoStream stream(kMaxClientHelloBytes);
        QVERIFY(!readQuicInitials(datagram, stream).ok());
        QCOMPARE(stream.contiguous().size(), std::size_t{0});
    }

    void anotherVersionOrAShortHeaderIsRefused()
    {
        auto datagram = fromHex(kRfc9001ClientInitial);
        datagram[4] = 0x02; // version 0x00000002
        CryptoStream stream(kMaxClientHelloBytes);
        QVERIFY(!readQuicInitials(datagram, stream).ok());
        const auto full = fromHex(kRfc9001ClientInitial);
        for (std::size_t length : {0, 1, 6, 18, 40}) {
            std::vector<std::uint8_t> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(length));
            QVERIFY(!readQuicInitials(prefix, stream).ok());
        }
        const std::vector<std::uint8_t> shortHeader{0x40, 0x01, 0x02, 0x03};
        QVERIFY(!readQuicInitials(shortHeader, stream).ok());
    }

    void cryptoFramesReassembleInAnyOrder()
    {
        CryptoStream stream(64);
        const std::vector<std::uint8_t> tail{4, 5, 6};
        const std::vector<std::uint8_t> head{1, 2, 3};
        QVERIFY(stream.add(3, tail).ok());
        QCOMPARE(stream.contiguous().size(), std::size_t{0});
        QVERIFY(stream.add(0, head).ok());
        QCOMPARE(stream.contiguous().size(), std::size_t{6});
        QVERIFY(stream.add(1, head).ok());   // an overlap
        QVERIFY(!stream.add(62, head).ok()); // past the bound
    }

    void framesOtherThanInitialOnesAreRefused()
    {
        CryptoStream stream(64);
        const std::vector<std::uint8_t> stream0{0x08, 0x00, 0x01}; // a STREAM frame
        QVERIFY(!collectCryptoFrames(stream0, stream).ok());
        const std::vector<std::uint8_t> padding{0x00, 0x00, 0x01, 0x06, 0x00, 0x02, 0xaa, 0xbb};
        QVERIFY(collectCryptoFrames(padding, stream).ok());
        QCOMPARE(stream.contiguous().size(), std::size_t{2});
        const std::vector<std::uint8_t> overlong{0x06, 0x00, 0x09, 0xaa};
        QVERIFY(!collectCryptoFrames(overlong, stream).ok());
    }
};

QTEST_GUILESS_MAIN(QuicInitialTest)
#include "quic_initial_test.moc"
