#!/usr/bin/python3
"""A real SMTP server for the notification tests (Debian's python3-aiosmtpd), configured like a
careful mail submission service: TLS before anything else, then authentication, then mail.

    smtp-server.py --dir DIR --user USER --password PASSWORD
                   [--tls-dir DIR/tls] [--port PORT] [--implicit-tls]

- STARTTLS is required (smtp://): before it, every command but EHLO/HELO/NOOP/RSET/QUIT/STARTTLS
  is answered `530 Must issue a STARTTLS command first`, AUTH included, and AUTH is not even
  advertised. With --implicit-tls (smtps://) TLS starts with the first byte instead.
- AUTH PLAIN and LOGIN with USER/PASSWORD only (`535` otherwise); MAIL before AUTH is refused
  with `530 5.7.0 Authentication required`.
- The certificate is DIR/tls/server.pem (or --tls-dir's), signed by the CA that
  `notify-receiver.py make-tls` creates there (created now when missing), so one CA file serves
  the webhook receiver and this server.
- Each message accepted is written as DIR/messages/NNNNNN.eml (the raw DATA, CRLF line endings
  as received) with DIR/messages/NNNNNN.json beside it: {"mail_from", "rcpt_tos", "login",
  "tls", "time"}. The .json is written first and the .eml renamed into place last, so a reader
  that sees an .eml sees both complete.
- Control file DIR/data_reply: when present, its first line (e.g. `451 4.3.0 try again later`)
  answers DATA and the message is not kept (to test retries and error reporting).
- Listens on 127.0.0.1:PORT (a free port chosen when none is given) and writes it to DIR/port
  once the server answers. Ends on SIGTERM or SIGINT with exit code 0.
"""
import argparse
import itertools
import json
import logging
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, run_dir, implicit_tls):
        self.dir = run_dir
        self.implicit_tls = implicit_tls
        self.messages = os.path.join(run_dir, 'messages')
        os.makedirs(self.messages, exist_ok=True)
        existing = [int(n.split('.')[0]) for n in os.listdir(self.messages) if n.endswith('.eml')]
        self.counter = itertools.count(max(existing, default=0) + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        try:
            with open(os.path.join(self.dir, 'data_reply')) as f:
                reply = f.readline().strip()
            if reply:
                return reply
        except OSError:
            pass
        with self.lock:
            number = next(self.counter)
        base = os.path.join(self.messages, '%06d' % number)
        meta = {
            'mail_from': envelope.mail_from,
            'rcpt_tos': list(envelope.rcpt_tos),
            'login': session.auth_data.login.decode('utf-8', errors='replace')
            if isinstance(session.auth_data, LoginPassword) else None,
            'tls': self.implicit_tls or session.ssl is not None,
            'time': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
        }
        with open(base + '.json', 'w') as f:
            json.dump(meta, f)
        with open(base + '.eml.tmp', 'wb') as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(base + '.eml.tmp', base + '.eml')
        return '250 2.0.0 OK: queued as %06d' % number


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode('utf-8')
        self.password = password.encode('utf-8')

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == self.user
              and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def free_port():
    # aiosmtpd's Controller connects to its own port to check it is up, so it needs a real one.
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--dir', required=True)
    parser.add_argument('--tls-dir')
    parser.add_argument('--user', required=True)
    parser.add_argument('--password', required=True)
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--implicit-tls', action='store_true')
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    tls_dir = args.tls_dir or os.path.join(args.dir, 'tls')
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, 'notify-receiver.py'), 'make-tls',
                    '--tls-dir', tls_dir], check=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(os.path.join(tls_dir, 'server.pem'),
                            os.path.join(tls_dir, 'server.key'))

    # aiosmtpd warns that AUTH without TLS is risky when auth_require_tls is off, which it is
    # only for implicit TLS, where there is no byte without TLS; the warning would mislead.
    warnings.filterwarnings('ignore', message='Requiring AUTH while not requiring TLS')
    logging.getLogger('mail.log').setLevel(logging.ERROR)
    port = args.port or free_port()
    common = dict(hostname='127.0.0.1', port=port, server_hostname='localhost',
                  authenticator=Authenticator(args.user, args.password), auth_required=True)
    if args.implicit_tls:
        # aiosmtpd counts only STARTTLS as TLS for AUTH; here every byte is TLS already.
        controller = Controller(Handler(args.dir, args.implicit_tls), ssl_context=context, auth_require_tls=False,
                                **common)
    else:
        controller = Controller(Handler(args.dir, args.implicit_tls), tls_context=context, require_starttls=True,
                                auth_require_tls=True, **common)
    # Signals are collected by the main thread with sigwait; the server's thread inherits the mask.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    port_file = os.path.join(args.dir, 'port')
    if os.path.exists(port_file):
        os.remove(port_file)
    controller.start()
    with open(port_file + '.tmp', 'w') as f:
        f.write('%d\n' % port)
    os.rename(port_file + '.tmp', port_file)
    sys.stderr.write('listening on %s://127.0.0.1:%d\n'
                     % ('smtps' if args.implicit_tls else 'smtp', port))
    sys.stderr.flush()
    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
