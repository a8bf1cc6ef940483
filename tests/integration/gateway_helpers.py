"""Helpers of the wsis-gateway tests: an HTTP request as any client makes
one, a cluster whose gateway is ready, and signing in with the code the
file channel received (read as the person would)."""
import http.client
import json
import re
from email.utils import parsedate_to_datetime

from contest_helpers import set_clock
from notifications_helpers import body_text, outbox


def request(c, method, path, body=None, headers=None, raw=None, port=None):
    """(status, headers, body) of one request on a fresh connection: the
    body as JSON when the response is JSON, else its bytes; None when
    empty. body is sent as JSON, raw as it is. port: another listener's
    (the staff listener) instead of the public one."""
    connection = http.client.HTTPConnection("127.0.0.1", port or c.ports["http"], timeout=15)
    try:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        sent = {"Content-Type": "application/json", **(headers or {})}
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        content = response.read()
        headers = dict(response.getheaders())
        if not content:
            return response.status, headers, None
        json_body = headers.get("Content-Type", "").startswith("application/json")
        return response.status, headers, json.loads(content) if json_body else content
    finally:
        connection.close()


def start_ready(cluster, now):
    """Starts every service, sets their clocks to now, and returns once the
    gateway is ready (its connections to every service up: asked, not
    slept). When it does not get there, the services it started are
    stopped before the failure is raised."""
    try:
        cluster.start_all()
        set_clock(cluster, now)
        cluster.wait_until(lambda: request(cluster, "GET", "/readyz")[0] == 200, what="the gateway to be ready")
    except BaseException:
        cluster.close()             # no service left running for the tests after
        raise
    return cluster


def mailed_codes(c, email):
    """The sign-in codes mailed to an address, oldest first (by the
    message's Date: the service clock when it was made)."""
    found = []
    for key, message in outbox(c).items():
        if key.startswith(f"sign-in/{email.lower()}/"):
            assert message["To"] == email.lower()
            code = re.search(r"^\s+(\d{6})\s*$", body_text(message), re.M).group(1)
            found.append((parsedate_to_datetime(message["Date"]), code))
    return [code for _, code in sorted(found)]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def sign_in(c, email):
    """Signs a registered address in as a person does: asks for a code,
    reads the new one from the mail, exchanges it. The session's
    Authorization header."""
    before = len(mailed_codes(c, email))
    assert request(c, "POST", "/api/v1/auth/code", {"email": email})[0] == 202
    c.wait_until(lambda: len(mailed_codes(c, email)) > before, what=f"a new code for {email}")
    code = mailed_codes(c, email)[-1]
    status, _, session = request(c, "POST", "/api/v1/auth/session", {"email": email, "code": code})
    assert status == 201, session
    return bearer(session["token"])
