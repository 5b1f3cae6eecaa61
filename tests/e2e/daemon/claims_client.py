#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Clients that claim a name in their first payload, for hostgated's names-without-DNS tests (issue 14.2).

  claims_client.py tls ADDR PORT SNI [--timeout S]
      a real TLS handshake by Python's ssl module (OpenSSL) with server_hostname=SNI; prints "sent" once
      the ClientHello is out and the server answered or stayed silent, or the errno name (ECONNRESET, ...)
  claims_client.py ech ADDR PORT SNI [--timeout S]
      a hand-built TLS 1.3 ClientHello whose outer server_name is SNI and that carries an
      encrypted_client_hello extension (random bytes: it is never opened)
  claims_client.py quic ADDR PORT SNI MARKER [--split]
      a QUIC v1 client Initial (RFC 9001 §5: keys from its own DCID, AES-128-GCM, header protection), with a
      ClientHello naming SNI and MARKER in its random; --split spreads the ClientHello over two datagrams.
      Prints "sent" per datagram and the DCID in hex (the witness logs what arrives encrypted).
  claims_client.py silent ADDR PORT [--timeout S]
      connects and sends nothing (a server-speaks-first protocol): prints "received <first line>" when the
      server's greeting arrives, "closed", or the errno name (ECONNABORTED, ECONNRESET, TIMEOUT)
  claims_client.py greeter LOG ADDR PORT GREETING
      a server that sends GREETING to every connection at once and logs "greeted <peer>" per connection
      ("ready" first, once listening)
  claims_client.py rfc9001-vector
      prints the RFC 9001 Appendix A.2 client Initial this encoder produces (a self-check of the encoder)

Nothing here shares code with the daemon: the QUIC encoder uses the `cryptography` package.
"""
import errno
import os
import socket
import ssl
import struct
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hmac import HMAC

SALT_V1 = bytes.fromhex('38762cf7f55934b34d179ae6a4c80cadccbb7f0a')


def error_name(error):
    if isinstance(error, socket.timeout):
        return 'TIMEOUT'
    code = getattr(error, 'errno', None)
    return errno.errorcode.get(code, type(error).__name__) if code else type(error).__name__


def hkdf_extract(salt, ikm):
    mac = HMAC(salt, hashes.SHA256())
    mac.update(ikm)
    return mac.finalize()


def hkdf_expand_label(secret, label, length):
    full = b'tls13 ' + label
    info = struct.pack('!HB', length, len(full)) + full + b'\x00'
    out, block, counter = b'', b'', 1
    while len(out) < length:
        mac = HMAC(secret, hashes.SHA256())
        mac.update(block + info + bytes([counter]))
        block = mac.finalize()
        out += block
        counter += 1
    return out[:length]


def client_keys(dcid):
    initial = hkdf_extract(SALT_V1, dcid)
    client = hkdf_expand_label(initial, b'client in', 32)
    return (hkdf_expand_label(client, b'quic key', 16), hkdf_expand_label(client, b'quic iv', 12),
            hkdf_expand_label(client, b'quic hp', 16))


def varint(value):
    if value < 0x40:
        return bytes([value])
    if value < 0x4000:
        return struct.pack('!H', value | 0x4000)
    return struct.pack('!I', value | 0x80000000)


def seal_initial(dcid, scid, packet_number, frames, pad_to=1200):
    key, iv, hp = client_keys(dcid)
    pn = struct.pack('!I', packet_number)  # 4-byte packet number
    header_len = 1 + 4 + 1 + len(dcid) + 1 + len(scid) + 1 + 2 + len(pn)
    payload = frames + bytes(max(0, pad_to - header_len - len(frames) - 16))
    length = len(pn) + len(payload) + 16
    first = 0xc0 | 0x03  # long header, Initial, 4-byte packet number
    header = bytes([first]) + struct.pack('!I', 1) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid + b'\x00' + \
        struct.pack('!H', length | 0x4000) + pn
    nonce = bytes(a ^ b for a, b in zip(iv, bytes(8) + pn))
    sealed = AESGCM(key).encrypt(nonce, payload, header)
    pn_offset = len(header) - len(pn)
    sample = sealed[4 - len(pn):4 - len(pn) + 16]
    encryptor = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = encryptor.update(sample) + encryptor.finalize()
    protected = bytearray(header)
    protected[0] ^= mask[0] & 0x0f
    for i in range(len(pn)):
        protected[pn_offset + i] ^= mask[1 + i]
    return bytes(protected) + sealed


def extension(kind, body):
    return struct.pack('!HH', kind, len(body)) + body


def client_hello(sni, random=None, extra=b'', quic=False):
    name = sni.encode()
    server_name = extension(0, struct.pack('!HBH', len(name) + 3, 0, len(name)) + name)
    extensions = server_name
    extensions += extension(10, bytes.fromhex('0006001d00170018'))            # supported_groups
    extensions += extension(13, bytes.fromhex('000804030804040105010601'))    # signature_algorithms
    extensions += extension(43, bytes.fromhex('020304'))                      # supported_versions: TLS 1.3
    extensions += extension(51, struct.pack('!HHH', 36, 0x1d, 32) + os.urandom(32))  # key_share x25519
    if quic:
        extensions += extension(57, bytes.fromhex('0504800000000f00'))        # quic_transport_parameters
    extensions += extra
    random = (random or os.urandom(32)).ljust(32, b'\x00')[:32]
    body = b'\x03\x03' + random + b'\x00' + struct.pack('!H', 2) + b'\x13\x01' + b'\x01\x00' + \
        struct.pack('!H', len(extensions)) + extensions
    return b'\x01' + struct.pack('!I', len(body))[1:] + body


def crypto_frame(offset, data):
    return b'\x06' + varint(offset) + varint(len(data)) + data


def send_tls(address, port, sni, timeout):
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            with context.wrap_socket(sock, server_hostname=sni, do_handshake_on_connect=False) as tls:
                try:
                    tls.do_handshake()
                except ssl.SSLError:
                    pass
            print('sent')
        except OSError as error:
            print(error_name(error))


def send_raw_hello(address, port, hello, timeout):
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    record = b'\x16\x03\x01' + struct.pack('!H', len(hello)) + hello
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            sock.sendall(record)
            try:
                sock.recv(1)
            except socket.timeout:
                pass
            print('sent')
        except OSError as error:
            print(error_name(error))


def send_quic(address, port, sni, marker, split):
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    dcid, scid = os.urandom(8), os.urandom(8)
    hello = client_hello(sni, random=marker.encode(), quic=True)
    if split:
        half = len(hello) // 2
        datagrams = [seal_initial(dcid, scid, 0, crypto_frame(0, hello[:half])),
                     seal_initial(dcid, scid, 1, crypto_frame(half, hello[half:]))]
    else:
        datagrams = [seal_initial(dcid, scid, 0, crypto_frame(0, hello))]
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.connect((address, port))
        print('port %d' % sock.getsockname()[1])
        for datagram in datagrams:
            try:
                sock.send(datagram)
                print('sent')
            except OSError as error:
                print(error_name(error))
    print(dcid.hex())


def silent(address, port, timeout):
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect((address, port))
            data = sock.recv(4096)
            print('received %s' % data.decode(errors='replace').strip() if data else 'closed')
        except OSError as error:
            print(error_name(error))


def greeter(log_path, address, port, greeting):
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    family = socket.AF_INET6 if ':' in address else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen(16)
    os.write(log, b'ready\n')
    while True:
        conn, peer = server.accept()
        try:
            conn.sendall(greeting.encode() + b'\r\n')
            os.write(log, ('greeted %s:%d\n' % (peer[0], peer[1])).encode())
        except OSError:
            pass
        finally:
            conn.close()


def rfc9001_vector():
    # RFC 9001 A.2: the ClientHello's CRYPTO frame, packet number 2, DCID 8394c8f03e515708, no SCID.
    frame = bytes.fromhex(
        '060040f1010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e868'
        '04fe3a47f06a2b69484c00000413011302010000c000000010000e00000b6578'
        '616d706c652e636f6dff01000100000a00080006001d00170018001000070005'
        '04616c706e000500050100000000003300260024001d00209370b2c9caa47fba'
        'baf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400'
        '0d0010000e0403050306030203080408050806002d00020101001c0002400100'
        '3900320408ffffffffffffffff05048000ffff07048000ffff08011001048000'
        '75300901100f088394c8f03e51570806048000ffff')
    print(seal_initial(bytes.fromhex('8394c8f03e515708'), b'', 2, frame).hex())


def main(argv):
    if argv[:1] == ['rfc9001-vector']:
        rfc9001_vector()
        return 0
    if argv[:1] == ['greeter']:
        greeter(argv[1], argv[2], int(argv[3]), argv[4])
        return 0
    timeout = 5.0
    if '--timeout' in argv:
        at = argv.index('--timeout')
        timeout = float(argv[at + 1])
        del argv[at:at + 2]
    kind, address, port = argv[0], argv[1], int(argv[2])
    sni = argv[3] if len(argv) > 3 else ''
    if kind == 'tls':
        send_tls(address, port, sni, timeout)
    elif kind == 'ech':
        ech = extension(0xfe0d, b'\x00' + struct.pack('!HH', 1, 1) + b'\x07' + struct.pack('!H', 32) + os.urandom(32) +
                        struct.pack('!H', 64) + os.urandom(64))
        send_raw_hello(address, port, client_hello(sni, extra=ech), timeout)
    elif kind == 'silent':
        silent(address, port, timeout)
    elif kind == 'quic':
        send_quic(address, port, sni, argv[4], '--split' in argv)
    else:
        print('usage: see the module docstring', file=sys.stderr)
        return 2
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
