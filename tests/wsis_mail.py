"""Real servers for the tests of wsis-notifications' delivery: an SMTP
server that keeps what it accepts, and a webhook receiver that checks
signatures.

Importable by the integration tests (started in-process, inspected in
memory):

    from wsis_mail import SmtpSink, WebhookReceiver
    with SmtpSink(port) as sink:
        ...
        sink.wait_messages(1)       # polls with a deadline, never a blind sleep
        assert sink.messages[0].rcpt_tos == ["someone@example.org"]

    # STARTTLS required, then AUTH with that user and password (a
    # throwaway certificate for 127.0.0.1, made in folder; the client
    # trusts it through cert_path):
    with SmtpSink(port, tls_dir=folder, auth=("user", "password")) as sink:
        ...

and runnable as a script by the C unit tests, which start it as a child
process and read its stdout until the line "ready":

    /usr/bin/python3 tests/wsis_mail.py smtp --port N --dir D
        [--fail N --reply "451 4.3.0 try again later"] [--delay SECONDS]
    /usr/bin/python3 tests/wsis_mail.py webhook --port N --secret S --dir D
        [--fail N --status 500]

In script mode what arrives is also written to D, numbered from 1 in
order of arrival, so a test in another language can read it:

    smtp      <n>.envelope   "from <addr>", one "to <addr>" per recipient,
                             "peer <host>:<port>" (the same peer for two
                             messages: the client reused its connection)
              <n>.eml        the message, the bytes as received
    webhook   <n>.request    "key <X-WSIS-Delivery>", "type <Content-Type>",
                             "signature valid" or "signature invalid",
                             "status <answered>"
              <n>.json       the body, the bytes as received

The second file of each pair is written last and by rename, so once it
exists both are whole. The script stops on SIGTERM or SIGINT.
"""
import argparse
import asyncio
import email
import email.policy
import hashlib
import hmac
import http.server
import os
import signal
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

HOST = "127.0.0.1"


def _write_pair(folder, number, first, second):
    """Writes <number>.<ext> for (ext, bytes) first, then second by rename:
    a reader that sees the second sees both whole."""
    for (extension, data), atomic in ((first, False), (second, True)):
        path = os.path.join(folder, f"{number}.{extension}")
        target = path + ".tmp" if atomic else path
        with open(target, "wb") as handle:
            handle.write(data)
        if atomic:
            os.rename(target, path)


class _Record:
    """A list of what a server received, filled from the server's thread,
    read and waited on from the test's."""

    def __init__(self, folder):
        self.folder = folder
        self.items = []
        self.changed = threading.Condition()

    def add(self, item, first, second):
        with self.changed:
            self.items.append(item)
            if self.folder:
                _write_pair(self.folder, len(self.items), first, second)
            self.changed.notify_all()

    def wait(self, count, timeout):
        """The first count items once there are that many; AssertionError
        after timeout seconds (a deadline for a test already failing)."""
        with self.changed:
            if not self.changed.wait_for(lambda: len(self.items) >= count, timeout):
                raise AssertionError(f"{len(self.items)} received, {count} expected")
            return list(self.items[:count])


class _Failures:
    """The next count requests are answered with answer instead of success."""

    def __init__(self, count, answer):
        self.count = count
        self.answer = answer
        self.lock = threading.Lock()

    def set(self, count, answer):
        with self.lock:
            self.count, self.answer = count, answer

    def take(self):
        """The answer for this request when it is to fail, else None."""
        with self.lock:
            if self.count <= 0:
                return None
            self.count -= 1
            return self.answer


@dataclass
class Mail:
    """One message an SmtpSink accepted."""
    mail_from: str
    rcpt_tos: list
    data: bytes                 # as received, dot-stuffing undone
    message: email.message.EmailMessage = field(repr=False)
    peer: tuple                 # the client's (host, port): one per connection


class _SmtpHandler:
    def __init__(self, sink):
        self.sink = sink

    def _keep(self, session, envelope):
        data = bytes(envelope.original_content)
        mail = Mail(envelope.mail_from, list(envelope.rcpt_tos), data,
                    email.message_from_bytes(data, policy=email.policy.default)
                    if self.sink.parse else None,
                    tuple(session.peer[:2]))
        envelope_text = "".join([f"from {mail.mail_from}\n"]
                                + [f"to {to}\n" for to in mail.rcpt_tos]
                                + [f"peer {mail.peer[0]}:{mail.peer[1]}\n"])
        self.sink.record.add(mail, ("envelope", envelope_text.encode()), ("eml", data))

    async def handle_DATA(self, server, session, envelope):
        self.sink.arrivals.add(envelope.mail_from, None, None)
        # A server that has taken the message and is slow to say so: a
        # client that dies meanwhile never learns it was delivered.
        keep_first = self.sink.keep_before_reply
        if keep_first:
            self._keep(session, envelope)
        # Slow on every message, failing or not: a slow server is slow.
        # aiosmtpd cancels this when the client goes away meanwhile, so a
        # message not yet kept is then never kept.
        if self.sink.delay:
            await asyncio.sleep(self.sink.delay)
        answer = self.sink.failures.take()
        if answer:
            return answer
        if not keep_first:
            self._keep(session, envelope)
        return "250 2.0.0 OK: queued"


def self_signed(folder):
    """A throwaway certificate and key for 127.0.0.1 and localhost in
    folder, made with the openssl CLI: (cert.pem, key.pem) paths. The
    certificate is its own CA, so a client trusts it through its path."""
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
                    "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-addext", "basicConstraints=critical,CA:TRUE"],
                   check=True, capture_output=True)
    return cert, key


class _Authenticator:
    """Accepts PLAIN and LOGIN with one user and password; counts refusals."""

    def __init__(self, user, password):
        self.user, self.password = user.encode(), password.encode()
        self.refused = 0

    def __call__(self, server, session, envelope, mechanism, auth_data):
        login = getattr(auth_data, "login", None)
        if login == self.user and getattr(auth_data, "password", None) == self.password:
            return AuthResult(success=True)
        self.refused += 1
        return AuthResult(success=False, handled=False)


class SmtpSink:
    """An SMTP server on HOST:port (aiosmtpd in a thread of its own) that
    accepts every message and keeps it in messages, and in folder when one
    is given. fail_next() makes it refuse the next messages with a reply
    of your choice; delay makes it slow on every message (settable while
    it runs); keep_before_reply keeps a message as soon as it has it, before
    the delay and the reply, as a server that crashes the client after
    taking the message would. wait_arrivals() waits for DATA commands
    begun, kept or not."""

    def __init__(self, port, folder=None, delay=0.0, parse=True, tls_dir=None, auth=None,
                 keep_before_reply=False):
        """parse=False keeps the bytes only (message is None): a benchmark's
        sink spends its time accepting, not parsing. tls_dir: STARTTLS
        required, with a certificate made there (cert_path, for the
        client); auth: (user, password) that AUTH must give before MAIL
        (over TLS only), refusals counted in auth_refused."""
        self.port = port
        self.delay = delay
        self.parse = parse
        self.keep_before_reply = keep_before_reply
        self.failures = _Failures(0, None)
        self.record = _Record(folder)
        self.arrivals = _Record(None)
        self.cert_path = None
        self.authenticator = None
        options = {}
        if tls_dir:
            self.cert_path, key = self_signed(tls_dir)
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(self.cert_path, key)
            options.update(tls_context=context, require_starttls=True)
        if auth:
            self.authenticator = _Authenticator(*auth)
            options.update(authenticator=self.authenticator, auth_required=True)
        self.controller = Controller(_SmtpHandler(self), hostname=HOST, port=port, **options)

    @property
    def auth_refused(self):
        return self.authenticator.refused if self.authenticator else 0

    def wait_arrivals(self, count, timeout=20.0):
        """Once count messages have begun to arrive (DATA sent)."""
        self.arrivals.wait(count, timeout)

    @property
    def messages(self):
        with self.record.changed:
            return list(self.record.items)

    def fail_next(self, count, reply="451 4.3.0 try again later"):
        """The next count messages are answered reply (after DATA)."""
        if not (len(reply) >= 3 and reply[:3].isdigit() and reply[0] in "45"):
            raise ValueError(f"not a 4xx or 5xx reply: {reply!r}")
        self.failures.set(count, reply)

    def wait_messages(self, count, timeout=5.0):
        return self.record.wait(count, timeout)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *error):
        self.stop()


@dataclass
class Hook:
    """One POST a WebhookReceiver answered."""
    key: str                    # X-WSIS-Delivery, or None
    content_type: str           # Content-Type, or None
    body: bytes
    signature_valid: bool
    status: int                 # what it answered


def signature(secret, body):
    """What X-WSIS-Signature must say of body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _HookHandler(http.server.BaseHTTPRequestHandler):
    # Keep-alive, so that a client that reuses its connection can.
    protocol_version = "HTTP/1.1"
    # An idle kept-alive connection is dropped after this, so that its
    # thread ends even if the client never closes.
    timeout = 30

    def do_POST(self):
        receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        given = self.headers.get("X-WSIS-Signature") or ""
        valid = hmac.compare_digest(given, signature(receiver.secret, body))
        status = receiver.failures.take() or 200
        key = self.headers.get("X-WSIS-Delivery")
        kind = self.headers.get("Content-Type")
        request = (f"key {key}\ntype {kind}\nsignature {'valid' if valid else 'invalid'}\n"
                   f"status {status}\n")
        receiver.record.add(Hook(key, kind, body, valid, status),
                            ("request", request.encode()), ("json", body))
        self.send_response(status)
        if 300 <= status < 400:
            # Somewhere a client that follows redirects would go.
            self.send_header("Location", f"http://{HOST}:{receiver.port}/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format, *args):
        pass


class WebhookReceiver:
    """An HTTP server on HOST:port (http.server in a thread) that checks
    X-WSIS-Signature against secret on every POST, keeps (key, body,
    signature valid, status) in hooks, and in folder when one is given,
    and answers 200, or fail_next()'s status for the next requests."""

    def __init__(self, port, secret, folder=None):
        self.port = port
        self.secret = secret
        self.failures = _Failures(0, None)
        self.record = _Record(folder)
        self.server = http.server.ThreadingHTTPServer((HOST, port), _HookHandler)
        self.server.receiver = self
        self.thread = None

    @property
    def hooks(self):
        with self.record.changed:
            return list(self.record.items)

    def fail_next(self, count, status=500):
        self.failures.set(count, status)

    def wait_hooks(self, count, timeout=5.0):
        return self.record.wait(count, timeout)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *error):
        self.stop()


def main(argv):
    parser = argparse.ArgumentParser(description="test servers for wsis-notifications")
    kinds = parser.add_subparsers(dest="kind", required=True)
    smtp = kinds.add_parser("smtp", help="an SMTP server that keeps what it accepts")
    smtp.add_argument("--reply", default="451 4.3.0 try again later",
                      help="the reply of the messages --fail refuses")
    smtp.add_argument("--delay", type=float, default=0.0,
                      help="seconds before answering each message")
    webhook = kinds.add_parser("webhook", help="an HTTP server that checks signatures")
    webhook.add_argument("--secret", required=True)
    webhook.add_argument("--status", type=int, default=500,
                         help="the status of the requests --fail refuses")
    for kind in (smtp, webhook):
        kind.add_argument("--port", type=int, required=True)
        kind.add_argument("--dir", required=True, help="where what arrives is written")
        kind.add_argument("--fail", type=int, default=0, metavar="N",
                          help="refuse the first N messages or requests")
    options = parser.parse_args(argv)

    # Blocked before any thread starts, so every thread inherits the mask
    # and the signal waits for sigwait below, whichever thread it hits.
    stops = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    if options.kind == "smtp":
        server = SmtpSink(options.port, options.dir, options.delay)
        server.fail_next(options.fail, options.reply)
    else:
        server = WebhookReceiver(options.port, options.secret, options.dir)
        server.fail_next(options.fail, options.status)
    server.start()
    print("ready", flush=True)
    signal.sigwait(stops)
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
