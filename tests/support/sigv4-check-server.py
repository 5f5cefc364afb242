#!/usr/bin/env python3
"""An HTTPS server that checks every request's AWS Signature V4 with botocore, an implementation
independent of libcurl's, and answers like a tiny S3 bucket. s3rver does not check V4 signatures
at all, so this is where the supervisor's S3 requests (signed by curl's CURLOPT_AWS_SIGV4) are
proven to carry signatures real S3 accepts.

    sigv4-check-server.py --cert CERT --key KEY --secret SECRET --region REGION --port-file FILE

Binds 127.0.0.1 on a free port and writes it to FILE. A request whose signature does not match
is answered 403 SignatureDoesNotMatch (S3's own code) and logged on stderr with the canonical
request botocore built, so a failing test shows what differed.
"""
import argparse
import http.server
import ssl
import sys
import urllib.parse

from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials


def parse_authorization(value):
    # AWS4-HMAC-SHA256 Credential=KEY/DATE/REGION/s3/aws4_request, SignedHeaders=a;b, Signature=x
    algorithm, _, rest = value.partition(' ')
    fields = {}
    for part in rest.split(','):
        name, _, field = part.strip().partition('=')
        fields[name] = field
    return algorithm, fields


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, fmt, *args):
        pass

    def check(self, body):
        algorithm, fields = parse_authorization(self.headers.get('Authorization', ''))
        if algorithm != 'AWS4-HMAC-SHA256':
            return False, 'no AWS4-HMAC-SHA256 Authorization header'
        access_key = fields.get('Credential', '').split('/')[0]
        signed = fields.get('SignedHeaders', '').split(';')
        headers = {name: self.headers.get(name, '') for name in signed}
        url = 'https://' + self.headers['Host'] + self.path
        request = AWSRequest(method=self.command, url=url, headers=headers, data=body)
        request.context['timestamp'] = self.headers.get('x-amz-date', '')
        auth = S3SigV4Auth(Credentials(access_key, self.server.secret), 's3', self.server.region)
        canonical = auth.canonical_request(request)
        expected = auth.signature(auth.string_to_sign(request, canonical), request)
        if expected != fields.get('Signature'):
            return False, 'canonical request:\n' + canonical
        if 'x-amz-content-sha256' not in signed or 'x-amz-date' not in signed:
            return False, 'x-amz-content-sha256 and x-amz-date must be signed: ' + str(signed)
        return True, ''

    def answer(self, status, body=b'', headers=None):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def handle_any(self):
        length = int(self.headers.get('Content-Length', '0') or '0')
        body = self.rfile.read(length) if length else b''
        ok, why = self.check(body)
        if not ok:
            sys.stderr.write('signature mismatch: %s %s\n%s\n' % (self.command, self.path, why))
            sys.stderr.flush()
            return self.answer(403, b'<Error><Code>SignatureDoesNotMatch</Code>'
                               b'<Message>checked by botocore</Message></Error>')
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query,
                                      keep_blank_values=True)
        if self.command == 'POST' and 'uploads' in query:
            return self.answer(200, b'<InitiateMultipartUploadResult><UploadId>u/1+=</UploadId>'
                               b'</InitiateMultipartUploadResult>')
        if self.command == 'POST':
            return self.answer(200, b'<CompleteMultipartUploadResult/>')
        if self.command == 'PUT':
            return self.answer(200, headers={'ETag': '"e"'})
        if self.command == 'GET' and 'list-type' in query:
            return self.answer(200, b'<ListBucketResult><IsTruncated>false</IsTruncated>'
                               b'</ListBucketResult>')
        if self.command == 'DELETE':
            return self.answer(204)
        return self.answer(200, b'x', {'Content-Type': 'application/octet-stream'})

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any


def main():
    parser = argparse.ArgumentParser()
    for name in ('--cert', '--key', '--secret', '--region', '--port-file'):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.secret, server.region = args.secret, args.region
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.cert, args.key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    with open(args.port_file + '.tmp', 'w') as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(args.port_file + '.tmp', args.port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
