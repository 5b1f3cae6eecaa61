#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An https server for the subscribed-list tests: serves DIR/list.txt with ETag and Last-Modified (and 304 to a
matching conditional request); DIR/status holding a number makes it answer that HTTP status instead.
Prints "ready" once listening.

  list_server.py DIR ADDR PORT CERT KEY
"""
import http.server
import os
import ssl
import sys
import hashlib
import email.utils


class Handler(http.server.BaseHTTPRequestHandler):
    directory = '.'

    def do_GET(self):
        status_file = os.path.join(self.directory, 'status')
        if os.path.exists(status_file):
            with open(status_file) as f:
                status = int(f.read().strip())
            self.send_response(status)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        with open(os.path.join(self.directory, 'list.txt'), 'rb') as f:
            body = f.read()
        etag = '"%s"' % hashlib.sha256(body).hexdigest()[:16]
        modified = email.utils.formatdate(os.path.getmtime(os.path.join(self.directory, 'list.txt')), usegmt=True)
        if self.headers.get('If-None-Match') == etag:
            self.send_response(304)
            self.send_header('ETag', etag)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('ETag', etag)
        self.send_header('Last-Modified', modified)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        sys.stderr.write('%s %s\n' % (self.command, format % args))
        sys.stderr.flush()


def main():
    directory, address, port, cert, key = sys.argv[1:6]
    Handler.directory = directory
    server = http.server.ThreadingHTTPServer((address, int(port)), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    print('ready', flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
