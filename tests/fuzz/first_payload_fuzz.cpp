// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer target: the first payload of a nameless flow, as an app (or an attacker) sends it (issue 14.2). The
// first byte picks the parser: 0 the start of a TCP stream (TLS records or an HTTP head), 1 an HTTP head,
// 2 bare handshake messages (QUIC's CRYPTO stream), 3 a QUIC datagram (long header, then the Initial's
// decryption with the keys of its own connection id, the CRYPTO frames and the ClientHello in them),
// 4 decrypted Initial frames. Whatever the bytes: no crash, no read past them (ASan), and a claim only with
// "found", normalized, at most 253 characters.
#include "capture/quic_initial.h"
#include "claims/first_payload.h"
#include "claims/quic_frames.h"
#include "net/hostname.h"

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace {

void check(const hostgate::PayloadScan& scan)
{
    const bool found = scan.status == hostgate::ScanStatus::Found;
    if (found != scan.claim.has_value()) {
        std::fprintf(stderr, "first_payload_fuzz: a claim without Found, or Found without a claim\n");
        std::abort();
    }
    if (!scan.claim || scan.claim->host.empty())
        return;
    const auto normalized = hostgate::normalizeHostname(scan.claim->host);
    if (scan.claim->host.size() > 253 || !normalized || *normalized != scan.claim->host) {
        std::fprintf(stderr, "first_payload_fuzz: a claimed host that is not a normalized name\n");
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    return hostgate::warmUpQuicInitialCrypto() ? 0 : 1;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    const std::span<const std::uint8_t> bytes(data + 1, size - 1);
    switch (data[0] % 5) {
    case 0:
        check(hostgate::scanStreamStart(bytes));
        break;
    case 1:
        check(hostgate::scanHttpRequest(bytes));
        break;
    case 2:
        check(hostgate::scanHandshake(bytes, hostgate::ClaimSource::QuicSni));
        break;
    case 3: {
        hostgate::CryptoStream stream(hostgate::kMaxClientHelloBytes);
        if (hostgate::readQuicInitials(bytes, stream))
            check(hostgate::scanHandshake(stream.contiguous(), hostgate::ClaimSource::QuicSni));
        break;
    }
    default: {
        hostgate::CryptoStream stream(hostgate::kMaxClientHelloBytes);
        if (hostgate::collectCryptoFrames(bytes, stream))
            check(hostgate::scanHandshake(stream.contiguous(), hostgate::ClaimSource::QuicSni));
        break;
    }
    }
    return 0;
}
