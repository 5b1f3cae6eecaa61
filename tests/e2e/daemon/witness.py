#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The attacker's witness for hostgated's integrity tests: servers whose own log says what reached them,
and the clients the attacks are made with.

Servers (run outside the child cgroup, inside the test netns):
  witness.py serve LOG [--tcp ADDR:PORT]... [--udp ADDR:PORT]... [--icmp] [--dns]
    Appends one line per event to LOG (one os.write per line on an O_APPEND descriptor, so lines never
    interleave and need no flush), and "ready" once every socket is bound:
      tcp-accept <peer> <local>            a connection was accepted (logged by the accept loop, in order)
      tcp-data <peer> <local> <payload>    the first bytes it sent (repr of the bytes)
      tcp-close <peer> <local> b''         it closed or went quiet without sending anything
      udp <peer> <local> <payload>         one datagram
      icmp <src> <dst> type=<t> <hex>      one ICMP message seen by a raw socket (payload after the header)
    TCP listeners accept TCP Fast Open data in the SYN. A GET is answered with a small HTTP page; with
    --dns, what looks like a DNS query (UDP, or TCP with its length prefix) is answered with NXDOMAIN so
    dig returns at once.

Clients (run wherever the test places them; each prints one result line per attempt and exits 0):
  witness.py tcp-client ADDR PORT MARKER [--timeout S] [--fastopen] [--hold]
      connect (or sendto(MSG_FASTOPEN)), send "GET /MARKER", print "connected <status line>" or the errno
      name (EPERM, ECONNREFUSED, TIMEOUT, ...). ADDR may be "::ffff:a.b.c.d" (AF_INET6 socket).
      --hold: after printing, wait until stdin closes (keeps the process alive for attribution).
  witness.py udp-send ADDR PORT MARKER [COUNT]     unconnected sendto, "sent" or the errno name per datagram
  witness.py dns-query SERVER NAME [--timeout S]   one UDP A query: "answered", "TIMEOUT" or the errno name
  witness.py connected-udp ADDR PORT MARKER OTHER_ADDR OTHER_MARKER [--hold]
      connect() to ADDR:PORT, send MARKER, then sendto(OTHER_ADDR:PORT) OTHER_MARKER: two result lines;
      --hold keeps the socket open until stdin closes (a held datagram is attributed through its socket)
  witness.py sockets SPEC...
      creates sockets now (SPEC: NAME:udp | NAME:udp-connect:ADDR:PORT | NAME:tcp), prints "ready", then
      runs commands read from stdin, one per line, printing "<id> <result>":
        <id> send NAME ADDR PORT MARKER      sendto() on a UDP socket
        <id> connect NAME ADDR PORT MARKER   connect() a TCP socket and send "GET /MARKER"
"""
import errno
import os
import random
import signal
import socket
import struct
import sys
import threading

TCP_FASTOPEN = 23


def error_name(error):
    if isinstance(error, socket.timeout):
        return 'TIMEOUT'
    return errno.errorcode.get(error.errno, str(error.errno)) if error.errno else type(error).__name__


def host_port(text):
    address, _, port = text.rpartition(':')
    return address, int(port)


def family_of(address):
    return socket.AF_INET6 if ':' in address else socket.AF_INET


def peer_text(address):
    return '%s:%d' % (address[0], address[1])


class Log:
    def __init__(self, path):
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def line(self, text):
        os.write(self.fd, (text.replace('\n', ' ') + '\n').encode('utf-8', 'backslashreplace'))


def looks_like_dns_query(message):
    if len(message) < 12:
        return False
    flags, qdcount = struct.unpack('!HH', message[2:6])
    return not flags & 0x8000 and qdcount == 1


def nxdomain_for(query):
    """The query echoed back as an NXDOMAIN answer: header flags QR|RD|RA, rcode 3, no records."""
    flags = struct.unpack('!H', query[2:4])[0]
    answer_flags = 0x8000 | (flags & 0x0100) | 0x0080 | 3
    return query[:2] + struct.pack('!HHHHH', answer_flags, 1, 0, 0, 0) + query[12:]


def serve_udp(sock, log, dns):
    local = peer_text(sock.getsockname())
    while True:
        payload, peer = sock.recvfrom(65535)
        log.line('udp %s %s %r' % (peer_text(peer), local, payload))
        if dns and looks_like_dns_query(payload):
            sock.sendto(nxdomain_for(payload), peer)


def handle_tcp(conn, peer, local, log, dns):
    conn.settimeout(3)
    data = b''
    try:
        while len(data) < 4096:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
            if b'\r\n\r\n' in data:
                break
            if dns and len(data) >= 2 and len(data) >= 2 + struct.unpack('!H', data[:2])[0]:
                break
    except OSError:
        pass
    log.line('%s %s %s %r' % ('tcp-data' if data else 'tcp-close', peer, local, data))
    try:
        if data.startswith(b'GET '):
            body = ('witness %s\n' % local).encode()
            conn.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n' % len(body) + body)
        elif dns and len(data) >= 14 and looks_like_dns_query(data[2:]):
            answer = nxdomain_for(data[2:2 + struct.unpack('!H', data[:2])[0]])
            conn.sendall(struct.pack('!H', len(answer)) + answer)
    except OSError:
        pass
    conn.close()


def serve_tcp(sock, log, dns):
    local = peer_text(sock.getsockname())
    while True:
        conn, peer = sock.accept()
        log.line('tcp-accept %s %s' % (peer_text(peer), local))
        threading.Thread(target=handle_tcp, args=(conn, peer_text(peer), local, log, dns), daemon=True).start()


def serve_icmp(sock, log):
    while True:
        packet, _ = sock.recvfrom(65535)
        header = (packet[0] & 0x0f) * 4
        source, destination = socket.inet_ntoa(packet[12:16]), socket.inet_ntoa(packet[16:20])
        icmp = packet[header:]
        if len(icmp) >= 8:
            log.line('icmp %s %s type=%d %s' % (source, destination, icmp[0], icmp[8:].hex()))


def serve(arguments):
    log = Log(arguments[0])
    tcp, udp, icmp, dns = [], [], False, False
    rest = arguments[1:]
    while rest:
        option = rest.pop(0)
        if option == '--tcp':
            tcp.append(host_port(rest.pop(0)))
        elif option == '--udp':
            udp.append(host_port(rest.pop(0)))
        elif option == '--icmp':
            icmp = True
        elif option == '--dns':
            dns = True
        else:
            raise SystemExit('unknown option ' + option)
    threads = []
    for address in tcp:
        sock = socket.socket(family_of(address[0]), socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, TCP_FASTOPEN, 16)
        except OSError:
            pass
        sock.bind(address)
        sock.listen(64)
        threads.append(threading.Thread(target=serve_tcp, args=(sock, log, dns), daemon=True))
    for address in udp:
        sock = socket.socket(family_of(address[0]), socket.SOCK_DGRAM)
        sock.bind(address)
        threads.append(threading.Thread(target=serve_udp, args=(sock, log, dns), daemon=True))
    if icmp:
        sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        threads.append(threading.Thread(target=serve_icmp, args=(sock, log), daemon=True))
    for thread in threads:
        thread.start()
    log.line('ready')
    for thread in threads:
        thread.join()


def http_request(marker):
    return ('GET /%s HTTP/1.0\r\nHost: witness\r\n\r\n' % marker).encode()


def status_line(sock):
    response = b''
    while b'\r\n' not in response:
        chunk = sock.recv(4096)
        if not chunk:
            break
        response += chunk
    return response.split(b'\r\n')[0].decode('latin-1') or 'no-response'


def alarm(signum, frame):
    raise socket.timeout()


def tcp_attempt(sock, address, port, marker, fastopen):
    try:
        if fastopen:
            # Blocking, as an app that wants its data in the SYN would be (a non-blocking socket without a
            # cookie gets EINPROGRESS and sends nothing); SIGALRM bounds the wait.
            timeout = sock.gettimeout()
            sock.settimeout(None)
            signal.signal(signal.SIGALRM, alarm)
            signal.setitimer(signal.ITIMER_REAL, timeout or 2.0)
            try:
                sock.sendto(http_request(marker), socket.MSG_FASTOPEN, (address, port))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                sock.settimeout(timeout)
        else:
            sock.connect((address, port))
            sock.sendall(http_request(marker))
        return 'connected ' + status_line(sock)
    except OSError as error:
        return error_name(error)


def tcp_client(arguments):
    address, port, marker = arguments[0], int(arguments[1]), arguments[2]
    options = arguments[3:]
    timeout = float(options[options.index('--timeout') + 1]) if '--timeout' in options else 2.0
    sock = socket.socket(family_of(address), socket.SOCK_STREAM)
    sock.settimeout(timeout)
    print(tcp_attempt(sock, address, port, marker, '--fastopen' in options), flush=True)
    if '--hold' in options:
        sys.stdin.read()


def udp_result(sock, payload, destination):
    try:
        sock.sendto(payload, destination)
        return 'sent'
    except OSError as error:
        return error_name(error)


def udp_send(arguments):
    address, port, marker = arguments[0], int(arguments[1]), arguments[2]
    count = int(arguments[3]) if len(arguments) > 3 else 1
    sock = socket.socket(family_of(address), socket.SOCK_DGRAM)
    for _ in range(count):
        print(udp_result(sock, marker.encode(), (address, port)), flush=True)


def dns_query(arguments):
    server, name = arguments[0], arguments[1]
    timeout = float(arguments[arguments.index('--timeout') + 1]) if '--timeout' in arguments else 1.0
    question = b''.join(bytes([len(label)]) + label.encode() for label in name.split('.')) + b'\0' + struct.pack('!HH', 1, 1)
    query = struct.pack('!HHHHHH', random.randrange(65536), 0x0100, 1, 0, 0, 0) + question
    sock = socket.socket(family_of(server), socket.SOCK_DGRAM)
    sock.settimeout(timeout)
    try:
        sock.sendto(query, (server, 53))
        sock.recvfrom(65535)
        print('answered', flush=True)
    except OSError as error:
        print(error_name(error), flush=True)


def connected_udp(arguments):
    address, port, marker, other, other_marker = arguments[0], int(arguments[1]), arguments[2], arguments[3], arguments[4]
    sock = socket.socket(family_of(address), socket.SOCK_DGRAM)
    try:
        sock.connect((address, port))
        sock.send(marker.encode())
        print('sent', flush=True)
    except OSError as error:
        print(error_name(error), flush=True)
    print(udp_result(sock, other_marker.encode(), (other, port)), flush=True)
    if '--hold' in arguments[5:]:
        sys.stdin.read()


def sockets(arguments):
    made = {}
    for spec in arguments:
        fields = spec.split(':')
        name, kind = fields[0], fields[1]
        if kind == 'udp':
            made[name] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        elif kind == 'udp-connect':
            made[name] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            made[name].connect((fields[2], int(fields[3])))
        elif kind == 'tcp':
            made[name] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            made[name].settimeout(2)
        else:
            raise SystemExit('unknown socket kind ' + kind)
    print('ready', flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        fields = line.split()
        if len(fields) != 6:
            continue
        command_id, command, name, address, port, marker = fields
        sock = made[name]
        if command == 'send':
            result = udp_result(sock, marker.encode(), (address, int(port)))
        else:
            result = tcp_attempt(sock, address, int(port), marker, False)
        print('%s %s' % (command_id, result), flush=True)


def main():
    modes = {'serve': serve, 'tcp-client': tcp_client, 'udp-send': udp_send, 'dns-query': dns_query,
             'connected-udp': connected_udp, 'sockets': sockets}
    if len(sys.argv) < 2 or sys.argv[1] not in modes:
        raise SystemExit(__doc__)
    modes[sys.argv[1]](sys.argv[2:])


if __name__ == '__main__':
    main()
