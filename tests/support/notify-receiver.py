#!/usr/bin/python3
"""A webhook receiver over HTTPS for the notification tests: it records every request the
supervisor sends and answers what the test asks for, so retries, outages and signatures are
tested against a real TLS endpoint with a CA of its own (as a private endpoint would have).

    notify-receiver.py make-tls --tls-dir DIR
    notify-receiver.py serve --dir DIR [--tls-dir DIR/tls] [--port PORT]

make-tls creates, once, with the openssl command line:
    DIR/ca.pem, DIR/ca.key          a CA of its own (what PGBR_NOTIFY_CA_FILE points at)
    DIR/server.pem, DIR/server.key  a server certificate signed by it, subjectAltName
                                    DNS:localhost, IP:127.0.0.1, for this receiver and the SMTP
                                    server of tests/support/smtp-server.py alike
A second call finds the files and returns; parallel calls wait on a lock (DIR/.lock).

serve listens on 127.0.0.1:PORT (a free port chosen by the kernel when none is given; a restart
passes the old one, so deliveries retried to the same URL reach it), creates the TLS files when
missing, and writes the port to DIR/port once it accepts connections. In DIR:
    requests.jsonl  one JSON object per request received, in arrival order:
                    {"time", "method", "path", "query", "headers" (names lower-cased), "body"
                    (the raw body as UTF-8 text, undecodable bytes replaced), "status" (what was
                    answered)}; a line is written whole or not at all
    status          control file: when present, every request is answered with this status
                    (e.g. 500 to test retries); else the query's `status` parameter (a URL such
                    as /hook?status=503 that always fails); else 200
    delay_ms        control file: when present, the answer waits this long (a hung receiver)
Ends on SIGTERM or SIGINT with exit code 0; closing the process closes every connection, so the
port refuses connections as soon as the process is gone.

Runs with Debian's /usr/bin/python3 (only the standard library and the openssl command).
"""
import argparse
import fcntl
import http.server
import json
import os
import signal
import socketserver
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

TLS_FILES = ('ca.pem', 'ca.key', 'server.pem', 'server.key')


def openssl(*args):
    subprocess.run(['openssl', *args], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE)


def make_tls(tls_dir):
    """Creates the CA and the server certificate in tls_dir unless they are there already."""
    os.makedirs(tls_dir, exist_ok=True)
    # The supervisor reads ca.pem after it dropped to the postgres user.
    os.chmod(tls_dir, 0o755)
    with open(os.path.join(tls_dir, '.lock'), 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        path = {name: os.path.join(tls_dir, name) for name in TLS_FILES}
        if all(os.path.exists(p) for p in path.values()):
            return path
        ext = os.path.join(tls_dir, 'server.ext')
        csr = os.path.join(tls_dir, 'server.csr')
        openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30',
                '-subj', '/CN=pgbr test notification CA',
                '-addext', 'basicConstraints=critical,CA:TRUE',
                '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
                '-keyout', path['ca.key'], '-out', path['ca.pem'] + '.tmp')
        openssl('req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost',
                '-keyout', path['server.key'], '-out', csr)
        with open(ext, 'w') as f:
            f.write('basicConstraints=CA:FALSE\n'
                    'keyUsage=critical,digitalSignature,keyEncipherment\n'
                    'extendedKeyUsage=serverAuth\n'
                    'subjectAltName=DNS:localhost,IP:127.0.0.1\n'
                    'subjectKeyIdentifier=hash\n'
                    'authorityKeyIdentifier=keyid\n')
        openssl('x509', '-req', '-in', csr, '-CA', path['ca.pem'] + '.tmp',
                '-CAkey', path['ca.key'], '-CAcreateserial', '-days', '30', '-sha256',
                '-extfile', ext, '-out', path['server.pem'])
        os.remove(csr)
        os.remove(ext)
        # ca.pem last: its presence (checked above) means every file is complete.
        os.chmod(path['ca.pem'] + '.tmp', 0o644)
        os.rename(path['ca.pem'] + '.tmp', path['ca.pem'])
        return path


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'pgbr-notify-receiver'

    def log_message(self, fmt, *args):
        pass

    def control(self, name):
        try:
            with open(os.path.join(self.server.dir, name)) as f:
                return int(f.read().strip() or '0')
        except (OSError, ValueError):
            return None

    def handle_any(self):
        length = int(self.headers.get('Content-Length', '0') or '0')
        body = self.rfile.read(length) if length else b''
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        status = self.control('status')
        if status is None:
            try:
                status = int(query.get('status', ['200'])[0])
            except ValueError:
                status = 400
        delay = self.control('delay_ms')
        if delay:
            time.sleep(delay / 1000)
        self.server.record({
            'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
            'method': self.command,
            'path': url.path,
            'query': url.query,
            'headers': {name.lower(): value for name, value in self.headers.items()},
            'body': body.decode('utf-8', errors='replace'),
            'status': status,
        })
        answer = b'ok' if 200 <= status < 300 else b'failing as the test asked'
        self.send_response(status)
        self.send_header('Content-Type', 'text/plain')
        self.send_header('Content-Length', str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    do_POST = handle_any
    do_PUT = handle_any
    do_GET = handle_any


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # a restart binds the same port while old connections linger

    def __init__(self, address, context, run_dir):
        super().__init__(address, Handler)
        # The handshake runs in the request's thread, on its first read, so a client that
        # stalls during it never blocks accept() for the others.
        self.socket = context.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)
        self.dir = run_dir
        self.log_lock = threading.Lock()
        self.log_fd = os.open(os.path.join(run_dir, 'requests.jsonl'),
                              os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def record(self, entry):
        line = (json.dumps(entry, ensure_ascii=False) + '\n').encode('utf-8')
        with self.log_lock:
            os.write(self.log_fd, line)  # one write on O_APPEND: a reader sees whole lines

    def handle_error(self, request, client_address):
        # A client that gives up during the TLS handshake or mid-request is the client's affair.
        sys.stderr.write('connection from %s:%d ended: %s\n'
                         % (client_address[0], client_address[1], sys.exc_info()[1]))


def write_atomically(path, text):
    with open(path + '.tmp', 'w') as f:
        f.write(text)
    os.rename(path + '.tmp', path)


def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    tls = make_tls(args.tls_dir or os.path.join(args.dir, 'tls'))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls['server.pem'], tls['server.key'])
    # Signals are collected by the main thread with sigwait; the serving thread inherits the mask.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    server = Server(('127.0.0.1', args.port), context, args.dir)
    port_file = os.path.join(args.dir, 'port')
    if os.path.exists(port_file):
        os.remove(port_file)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    write_atomically(port_file, '%d\n' % server.server_address[1])
    sys.stderr.write('listening on https://127.0.0.1:%d\n' % server.server_address[1])
    sys.stderr.flush()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    server.shutdown()
    server.server_close()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    p = sub.add_parser('make-tls', help='create the CA and the server certificate')
    p.add_argument('--tls-dir', required=True)
    p = sub.add_parser('serve', help='run the receiver')
    p.add_argument('--dir', required=True)
    p.add_argument('--tls-dir')
    p.add_argument('--port', type=int, default=0)
    args = parser.parse_args()
    if args.command == 'make-tls':
        try:
            make_tls(args.tls_dir)
        except subprocess.CalledProcessError as e:
            sys.stderr.write('openssl failed: %s\n' % e.stderr.decode(errors='replace'))
            return 1
        return 0
    return serve(args)


if __name__ == '__main__':
    sys.exit(main())
