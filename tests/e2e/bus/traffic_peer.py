#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Both ends of the network monitor's end-to-end test; the server's own log is the witness of what arrived.

  traffic_peer.py serve LOG ADDR PORT REPLY_BYTES
      TCP on ADDR:PORT: per connection, reads until the peer shuts its side down, answers REPLY_BYTES bytes and
      closes; logs "tcp <peer-port> received=N sent=M". UDP on ADDR:PORT: echoes every datagram and logs
      "udp <peer-port> received=N sent=N". Writes "ready" first, once both sockets are bound.
  traffic_peer.py tcp ADDR PORT SEND_BYTES [COUNT]
      COUNT times (1 by default), one after the other from this one process: connect, send SEND_BYTES, shut
      the sending side, read until EOF; prints "sent=S received=R" or the errno name for each.
  traffic_peer.py udp ADDR PORT COUNT SIZE
      connected UDP socket: COUNT datagrams of SIZE bytes, each waiting for its echo (1 s); prints
      "sent=S received=R".
"""
import errno
import os
import select
import socket
import sys
import threading


def log_line(fd, text):
    os.write(fd, (text + "\n").encode())


def serve(log_path, address, port, reply_bytes):
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind((address, port))
    tcp.listen(16)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((address, port))
    log_line(fd, "ready")

    def answer(connection, peer):
        received = 0
        with connection:
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
            payload = b"r" * reply_bytes
            connection.sendall(payload)
        log_line(fd, "tcp %d received=%d sent=%d" % (peer[1], received, len(payload)))

    while True:
        ready, _, _ = select.select([tcp, udp], [], [])
        if tcp in ready:
            connection, peer = tcp.accept()
            threading.Thread(target=answer, args=(connection, peer), daemon=True).start()
        if udp in ready:
            data, peer = udp.recvfrom(65536)
            udp.sendto(data, peer)
            log_line(fd, "udp %d received=%d sent=%d" % (peer[1], len(data), len(data)))


def tcp_client(address, port, send_bytes):
    try:
        with socket.create_connection((address, port), timeout=10) as connection:
            connection.sendall(b"s" * send_bytes)
            connection.shutdown(socket.SHUT_WR)
            received = 0
            while True:
                chunk = connection.recv(65536)
                if not chunk:
                    break
                received += len(chunk)
        print("sent=%d received=%d" % (send_bytes, received))
    except socket.timeout:
        print("TIMEOUT")
    except OSError as error:
        print(errno.errorcode.get(error.errno, str(error)))


def udp_client(address, port, count, size):
    sent = received = 0
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.settimeout(1)
            sock.connect((address, port))
            for _ in range(count):
                sent += sock.send(b"u" * size)
                try:
                    received += len(sock.recv(65536))
                except socket.timeout:
                    pass
        print("sent=%d received=%d" % (sent, received))
    except OSError as error:
        print(errno.errorcode.get(error.errno, str(error)))


def main(argv):
    if len(argv) == 6 and argv[1] == "serve":
        serve(argv[2], argv[3], int(argv[4]), int(argv[5]))
    elif len(argv) in (5, 6) and argv[1] == "tcp":
        for _ in range(int(argv[5]) if len(argv) == 6 else 1):
            tcp_client(argv[2], int(argv[3]), int(argv[4]))
    elif len(argv) == 6 and argv[1] == "udp":
        udp_client(argv[2], int(argv[3]), int(argv[4]), int(argv[5]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
