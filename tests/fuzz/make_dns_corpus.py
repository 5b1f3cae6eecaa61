#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Writes the seed corpus of dns_codec_fuzz (tests/fuzz/corpus/dns/): DNS packets built with struct, offline."""
import pathlib
import struct
import sys

QR, TC, RD, RA = 0x8000, 0x0200, 0x0100, 0x0080
A, NS, CNAME, MX, TXT, AAAA, OPT, ANY = 1, 2, 5, 15, 16, 28, 41, 255


def name(text):
    if text in ("", "."):
        return b"\x00"
    return b"".join(bytes([len(label)]) + label.encode() for label in text.rstrip(".").split(".")) + b"\x00"


def pointer(offset):
    return struct.pack("!H", 0xC000 | offset)


def header(ident, flags, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


def question(owner, qtype, qclass=1):
    return owner + struct.pack("!HH", qtype, qclass)


def record(owner, rtype, ttl, rdata, rclass=1):
    return owner + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata)) + rdata


def tcp(*messages):
    return b"".join(struct.pack("!H", len(m)) + m for m in messages)


QUESTION_AT = 12  # offset of the first question name, the usual compression target

seeds = {
    "query-a": header(0x1234, RD) + question(name("www.example.com"), A),
    "query-aaaa-mixed-case": header(0x4321, RD) + question(name("WwW.ExAmPlE.CoM"), AAAA),
    "query-edns": header(7, RD, ar=1) + question(name("example.org"), A)
    + record(b"\x00", OPT, 0, b"", rclass=1232),
    "response-a": header(0x1234, QR | RD | RA, an=2) + question(name("www.example.com"), A)
    + record(pointer(QUESTION_AT), A, 300, bytes([203, 0, 113, 10]))
    + record(pointer(QUESTION_AT), A, 0, bytes([203, 0, 113, 11])),
    "response-aaaa": header(9, QR | RD | RA, an=1) + question(name("v6.example.net"), AAAA)
    + record(pointer(QUESTION_AT), AAAA, 60, bytes.fromhex("20010db8000000000000000000000010")),
    "response-cname-chain": (lambda q: header(5, QR | RD | RA, an=3) + q
        + record(pointer(QUESTION_AT), CNAME, 300, b"\x04shop" + pointer(QUESTION_AT + 4))
        + record(b"\x04shop" + pointer(QUESTION_AT + 4), CNAME, 120, name("edge.cdn.example"))
        + record(name("edge.cdn.example"), A, 30, bytes([203, 0, 113, 20])))(
        question(name("www.example.com"), A)),
    "response-cname-out-of-order": header(6, QR | RD | RA, an=2) + question(name("a.example"), A)
    + record(name("b.example"), A, 30, bytes([198, 51, 100, 9]))
    + record(pointer(QUESTION_AT), CNAME, 30, name("b.example")),
    "response-cname-loop": header(8, QR | RD | RA, an=2) + question(name("a.example"), A)
    + record(pointer(QUESTION_AT), CNAME, 30, name("b.example"))
    + record(name("b.example"), CNAME, 30, name("a.example")),
    "response-nxdomain": header(10, QR | RD | RA | 3) + question(name("missing.example"), A),
    "response-truncated": header(11, QR | TC | RD | RA) + question(name("big.example"), TXT),
    "response-mx-txt": header(12, QR | RD | RA, an=2) + question(name("example.com"), ANY)
    + record(pointer(QUESTION_AT), MX, 300, struct.pack("!H", 10) + name("mail.example.com"))
    + record(pointer(QUESTION_AT), TXT, 300, b"\x0bv=spf1 -all"),
    "response-root-ns": header(13, QR | RD | RA, an=1) + question(name("."), NS)
    + record(b"\x00", NS, 518400, name("a.root-servers.net")),
    "hostile-compression-loop": header(14, QR, qd=1) + question(pointer(QUESTION_AT), A),
    "hostile-huge-counts": header(15, QR, qd=65535, an=65535, ns=65535, ar=65535) + question(name("x.example"), A),
    "hostile-truncated-rdata": header(16, QR, an=1) + question(name("x.example"), A)
    + pointer(QUESTION_AT) + struct.pack("!HHIH", A, 1, 60, 4) + b"\xcb\x00",
    "tcp-two-messages": tcp(header(1, RD) + question(name("one.example"), A),
                            header(2, QR | RA, an=1) + question(name("two.example"), A)
                            + record(pointer(QUESTION_AT), A, 5, bytes([203, 0, 113, 2]))),
}

out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "corpus" / "dns")
out.mkdir(parents=True, exist_ok=True)
for seed_name, wire in seeds.items():
    (out / seed_name).write_bytes(wire)
print(f"wrote {len(seeds)} seeds to {out}")
