# SPDX-License-Identifier: GPL-3.0-or-later
# Opens one socket the way an application would and prints, as JSON, what the kernel made of it.
# Usage: bpf_socket_probe.py tcp|udp|udp-connected|new-tcp|new-udp|new-raw-udp ADDRESS PORT [PRESET_MARK]
# (udp sends one datagram with sendto(); udp-connected connects first, then sends one with send();
# new-* only create the socket (ADDRESS picks the family), so "mark" is what it was born with).
# Prints {"pid", "cookie" (SO_COOKIE), "mark" (SO_MARK after the call), "errno" (0 on success)}.
import errno
import json
import os
import socket
import struct
import sys

SO_COOKIE = 57

kind, address, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
preset_mark = int(sys.argv[4], 0) if len(sys.argv) > 4 else 0
family = socket.AF_INET6 if ":" in address else socket.AF_INET
if kind == "new-raw-udp":
    sock = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_UDP)
else:
    sock = socket.socket(family, socket.SOCK_STREAM if kind in ("tcp", "new-tcp") else socket.SOCK_DGRAM)
if preset_mark:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, preset_mark)
error = 0
try:
    if kind.startswith("new-"):
        pass
    elif kind == "tcp":
        sock.settimeout(5)
        sock.connect((address, port))
    elif kind == "udp-connected":
        sock.connect((address, port))
        sock.send(b"probe")
    else:
        sock.sendto(b"probe", (address, port))
except OSError as failure:
    error = failure.errno or errno.EIO
cookie = struct.unpack("=Q", sock.getsockopt(socket.SOL_SOCKET, SO_COOKIE, 8))[0]
mark = sock.getsockopt(socket.SOL_SOCKET, socket.SO_MARK)
print(json.dumps({"pid": os.getpid(), "cookie": cookie, "mark": mark, "errno": error}))
