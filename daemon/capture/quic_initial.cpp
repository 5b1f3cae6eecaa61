// SPDX-License-Identifier: GPL-3.0-or-later
// QUIC Initial decryption with OpenSSL's HKDF and AES (RFC 9001 §5.2-5.4, QUIC v2: RFC 9369 §3.3).
#include "capture/quic_initial.h"

#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hostgate {

namespace {

constexpr std::array<std::uint8_t, 20> kSaltV1{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
                                               0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a};
constexpr std::array<std::uint8_t, 20> kSaltV2{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
                                               0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9};
constexpr std::size_t kTagBytes = 16;
constexpr std::size_t kSampleBytes = 16;
constexpr std::size_t kMaxHeaderBytes = 2048; // a long header with a retry token of up to ~2 KB

struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct CipherCtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

struct InitialKeys {
    std::array<std::uint8_t, 16> key{};
    std::array<std::uint8_t, 12> iv{};
    std::array<std::uint8_t, 16> hp{};
};

Error cryptoError(std::string_view step)
{
    return Error("Failed to read a QUIC Initial: OpenSSL refused " + std::string(step));
}

Result<void> hkdf(int mode, std::span<const std::uint8_t> salt, std::span<const std::uint8_t> key,
                  std::span<const std::uint8_t> info, std::span<std::uint8_t> out)
{
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr));
    if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 || EVP_PKEY_CTX_set_hkdf_mode(ctx.get(), mode) <= 0 ||
        EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
        EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), key.data(), static_cast<int>(key.size())) <= 0)
        return cryptoError("HKDF");
    if (!salt.empty() && EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), salt.data(), static_cast<int>(salt.size())) <= 0)
        return cryptoError("HKDF's salt");
    if (!info.empty() && EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), info.data(), static_cast<int>(info.size())) <= 0)
        return cryptoError("HKDF's info");
    std::size_t length = out.size();
    if (EVP_PKEY_derive(ctx.get(), out.data(), &length) <= 0 || length != out.size())
        return cryptoError("HKDF's output");
    return Ok{};
}

// HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
Result<void> expandLabel(std::span<const std::uint8_t> secret, std::string_view label, std::span<std::uint8_t> out)
{
    std::vector<std::uint8_t> info;
    const std::string full = "tls13 " + std::string(label);
    info.push_back(static_cast<std::uint8_t>(out.size() >> 8));
    info.push_back(static_cast<std::uint8_t>(out.size()));
    info.push_back(static_cast<std::uint8_t>(full.size()));
    info.insert(info.end(), full.begin(), full.end());
    info.push_back(0);
    return hkdf(EVP_PKEY_HKDEF_MODE_EXPAND_ONLY, {}, secret, info, out);
}

Result<InitialKeys> clientInitialKeys(std::uint32_t version, std::span<const std::uint8_t> dcid)
{
    const bool v2 = version == kQuicVersion2;
    std::array<std::uint8_t, 32> initial{};
    std::array<std::uint8_t, 32> client{};
    InitialKeys keys;
    if (auto extracted = hkdf(EVP_PKEY_HKDEF_MODE_EXTRACT_ONLY, v2 ? std::span<const std::uint8_t>(kSaltV2) : kSaltV1,
                              dcid, {}, initial);
        !extracted)
        return extracted.error();
    if (auto expanded = expandLabel(initial, "client in", client); !expanded)
        return expanded.error();
    if (auto key = expandLabel(client, v2 ? "quicv2 key" : "quic key", keys.key); !key)
        return key.error();
    if (auto iv = expandLabel(client, v2 ? "quicv2 iv" : "quic iv", keys.iv); !iv)
        return iv.error();
    if (auto hp = expandLabel(client, v2 ? "quicv2 hp" : "quic hp", keys.hp); !hp)
        return hp.error();
    return keys;
}

Result<void> headerMask(const InitialKeys& keys, std::span<const std::uint8_t> sample,
                        std::array<std::uint8_t, 16>& mask)
{
    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    int length = 0;
    if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_128_ecb(), nullptr, keys.hp.data(), nullptr) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
        EVP_EncryptUpdate(ctx.get(), mask.data(), &length, sample.data(), static_cast<int>(sample.size())) != 1 ||
        length != static_cast<int>(mask.size()))
        return cryptoError("AES-ECB for header protection");
    return Ok{};
}

// Decrypts one Initial packet (`packet` spans exactly it). Returns its plaintext frames.
Result<std::vector<std::uint8_t>> openInitial(std::span<const std::uint8_t> packet, const QuicInitialHeader& header)
{
    auto keys = clientInitialKeys(header.version, header.dcid);
    if (!keys)
        return keys.error();
    const std::size_t pnOffset = header.packetNumberOffset;
    if (packet.size() < pnOffset + 4 + kSampleBytes)
        return Error("QUIC Initial packet too short for its header-protection sample");
    std::array<std::uint8_t, 16> mask{};
    if (auto masked = headerMask(*keys, packet.subspan(pnOffset + 4, kSampleBytes), mask); !masked)
        return masked.error();
    // The header with its protection removed: the AEAD's associated data.
    std::array<std::uint8_t, kMaxHeaderBytes> head{};
    if (pnOffset + 4 > head.size())
        return Error("QUIC Initial header longer than " + std::to_string(kMaxHeaderBytes) + " bytes");
    std::copy_n(packet.begin(), pnOffset + 4, head.begin());
    head[0] ^= mask[0] & 0x0f;
    const std::size_t pnLength = (head[0] & 0x03) + 1;
    std::uint64_t packetNumber = 0;
    for (std::size_t i = 0; i < pnLength; ++i) {
        head[pnOffset + i] ^= mask[1 + i];
        packetNumber = packetNumber << 8 | head[pnOffset + i];
    }
    const std::size_t headLength = pnOffset + pnLength;
    const std::size_t payloadStart = pnOffset + pnLength;
    if (packet.size() < payloadStart + kTagBytes)
        return Error("QUIC Initial packet too short for its tag");
    const std::span<const std::uint8_t> sealed = packet.subspan(payloadStart, packet.size() - payloadStart - kTagBytes);
    const std::span<const std::uint8_t> tag = packet.subspan(packet.size() - kTagBytes);

    std::array<std::uint8_t, 12> nonce = keys->iv;
    for (std::size_t i = 0; i < 8; ++i)
        nonce[nonce.size() - 1 - i] ^= static_cast<std::uint8_t>(packetNumber >> (8 * i));

    std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree> ctx(EVP_CIPHER_CTX_new());
    std::vector<std::uint8_t> plain(sealed.size());
    int length = 0;
    int total = 0;
    if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_128_gcm(), nullptr, nullptr, nullptr) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(nonce.size()), nullptr) != 1 ||
        EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, keys->key.data(), nonce.data()) != 1 ||
        EVP_DecryptUpdate(ctx.get(), nullptr, &length, head.data(), static_cast<int>(headLength)) != 1)
        return cryptoError("AES-128-GCM");
    if (!sealed.empty()) {
        if (EVP_DecryptUpdate(ctx.get(), plain.data(), &length, sealed.data(), static_cast<int>(sealed.size())) != 1)
            return cryptoError("AES-128-GCM's data");
        total = length;
    }
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                            const_cast<std::uint8_t*>(tag.data())) != 1)
        return cryptoError("AES-128-GCM's tag");
    if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + total, &length) != 1)
        return Error("QUIC Initial packet does not decrypt (not QUIC, or corrupted)");
    plain.resize(static_cast<std::size_t>(total + length));
    return plain;
}

} // namespace

Result<void> readQuicInitials(std::span<const std::uint8_t> datagram, CryptoStream& stream)
{
    if (datagram.empty())
        return Error("Failed to read a QUIC Initial: the datagram is empty");
    std::size_t at = 0;
    bool any = false;
    while (at < datagram.size()) {
        const auto rest = datagram.subspan(at);
        auto header = parseQuicInitialHeader(rest);
        if (!header) {
            // Coalesced packets after the Initial (0-RTT, Handshake) or padding: not ours to read.
            if (any)
                return Ok{};
            return header.error();
        }
        auto plain = openInitial(rest.subspan(0, header->packetEnd), *header);
        if (!plain)
            return plain.error();
        if (auto collected = collectCryptoFrames(*plain, stream); !collected)
            return collected.error();
        any = true;
        at += header->packetEnd;
    }
    return Ok{};
}

Result<void> warmUpQuicInitialCrypto()
{
    const std::array<std::uint8_t, 8> dcid{0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08};
    auto keys = clientInitialKeys(kQuicVersion1, dcid);
    if (!keys)
        return keys.error();
    std::array<std::uint8_t, 16> mask{};
    return headerMask(*keys, keys->hp, mask);
}

} // namespace hostgate
