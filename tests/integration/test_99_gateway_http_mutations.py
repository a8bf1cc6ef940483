"""wsis-gateway under seeded mutations of real requests: the HTTP side's
fuzzing, against the real cluster.

Requests of every kind a client sends (sign-in, registering, a vote
with a session, a submission, reads with a query, the generic operation
route, a report as SVG) are mutated the ways a broken or hostile client
would: bytes flipped, cut short, lines dropped or repeated, a second
Content-Length, a chunked body with wrong sizes, bodies of odd JSON (deep,
huge numbers, NUL, invalid UTF-8, duplicate keys, arrays), headers with
control bytes, several requests written at once. Each goes on its own
connection, which the client then closes for writing.

Whatever comes back must be a close without a word, or one or more HTTP
responses with a status below 500 (nothing a client sends is the
gateway's fault), each JSON one the protocol's body ({error: {code,
message}} for an error); and the gateway must stay up and ready. The
seed is fixed: a failure names its case, and the same run reproduces it.
"""
import concurrent.futures
import json
import random
import socket

import pytest

from gateway_helpers import request, sign_in, start_ready
from submissions_helpers import stakeholder_body
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"
CASES = 1200
WORKERS = 16
SEED = 20261130


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("mutations"),
                                  options={"gateway": {"max_body": 8192, "idle_timeout_s": 1,
                                                       "sign_in_per_minute": 0, "writes_per_minute": 0}}),
                          OPEN)
    yield cluster
    cluster.close()


def http(method, path, body=b"", headers=()):
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"] + list(headers)
    if body or method in ("POST", "PATCH"):
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def base_requests(c):
    """Real requests of each kind, valid as they stand."""
    person = stakeholder_body()
    status, _, registered = request(c, "POST", "/api/v1/stakeholders", person)
    assert status == 200, registered
    session = sign_in(c, person["email"])["Authorization"]
    vote = {"category": "e-gov", "submission_id": "sub-1"}
    return [
        http("GET", "/healthz"),
        http("GET", "/readyz"),
        http("POST", "/api/v1/auth/code", json.dumps({"email": person["email"]}).encode()),
        http("POST", "/api/v1/stakeholders", json.dumps(stakeholder_body()).encode()),
        http("POST", "/api/v1/calls/prizes-2022/votes", json.dumps(vote).encode(),
             [f"Authorization: {session}", "Idempotency-Key: mutation-1"]),
        http("GET", "/api/v1/stakeholders/me", headers=[f"Authorization: {session}"]),
        http("GET", "/api/v1/calls/prizes-2022/submissions?limit=5&after=0"),
        http("GET", "/api/v1/calls"),
        http("GET", "/api/v1/reports/sdg_matrix?call=prizes-2022&format=svg"),
        http("POST", "/api/v1/voting/vote.verify", json.dumps({"receipt": "x" * 20}).encode()),
        http("POST", "/api/v1/submissions/submission.list", json.dumps({"call": "prizes-2022"}).encode()),
        http("DELETE", "/api/v1/auth/session", headers=[f"Authorization: {session}"]),
        http("GET", "/"),
        http("OPTIONS", "/api/v1/stakeholders", headers=["Origin: https://elsewhere.example",
                                                         "Access-Control-Request-Method: POST"]),
    ]


ODD_BODIES = [
    b"[" * 200 + b"]" * 200,
    b'{"a":' * 100 + b"1" + b"}" * 100,
    b'{"email": 1e999999}',
    b'{"email": 123456789012345678901234567890}',
    b'{"email": "\\u0000x"}',
    b'{"email": "\xff\xfe"}',
    b'{"email": "a", "email": "b"}',
    b'{"\\ud800": 1}',
    b"[]",
    b'"just a string"',
    b"null",
    b"{",
    b'{"category": {"$base64": "////"}, "submission_id": [1, 2]}',
    b'{"sdgs": [' + b"1," * 3000 + b"1]}",
    b"\x00" * 64,
]


def mutate(rng, data, bases):
    """One of the ways a client gets a request wrong."""
    kind = rng.randrange(11)
    if kind == 0:                                   # bytes flipped
        data = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if kind == 1:                                   # cut short
        return data[:rng.randrange(len(data))]
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if kind == 2 and len(lines) > 1:                # a header line dropped or repeated
        index = rng.randrange(1, len(lines))
        if rng.random() < 0.5:
            del lines[index]
        else:
            lines.insert(index, lines[index])
        return b"\r\n".join(lines) + b"\r\n\r\n" + body
    if kind == 3:                                   # a second, different Content-Length
        return b"\r\n".join(lines + [b"Content-Length: %d" % rng.randrange(0, 20000)]) + b"\r\n\r\n" + body
    if kind == 4:                                   # chunked, with sizes that lie
        size = len(body) + rng.choice([-3, 0, 5, 10**6])
        lines = [line for line in lines if not line.lower().startswith(b"content-length")]
        return (b"\r\n".join(lines + [b"Transfer-Encoding: chunked"]) + b"\r\n\r\n"
                + b"%x\r\n" % max(size, 0) + body + b"\r\n0\r\n\r\n")
    if kind == 5:                                   # an odd JSON body
        odd = rng.choice(ODD_BODIES)
        lines = [line for line in lines if not line.lower().startswith(b"content-length")]
        return b"\r\n".join(lines + [b"Content-Length: %d" % len(odd)]) + b"\r\n\r\n" + odd
    if kind == 6:                                   # header values with control bytes
        junk = bytes(rng.randrange(1, 32) for _ in range(rng.randint(1, 12)))
        return b"\r\n".join(lines + [b"X-Junk: a" + junk + b"b"]) + b"\r\n\r\n" + body
    if kind == 7:                                   # several requests at once
        return data + rng.choice(bases) + mutate(rng, rng.choice(bases), bases)
    if kind == 8:                                   # an odd path or method
        parts = lines[0].split(b" ")
        if rng.random() < 0.5:
            parts[0] = rng.choice([b"PUT", b"TRACE", b"CONNECT", b"get", b"POST", b"X" * 40])
        else:
            parts[1] = rng.choice([b"/api/v1/%2e%2e/%2e%2e", b"/api/v1/voting/" + b"a" * 300,
                                   b"/api/v1//calls", b"/api/v1/calls/../../etc/passwd",
                                   b"/api/v1/calls/prizes-2022/votes?x=%zz&&=&a=" + b"9" * 40,
                                   b"*", b"http://elsewhere/healthz"])
        lines[0] = b" ".join(parts)
        return b"\r\n".join(lines) + b"\r\n\r\n" + body
    if kind == 9:                                   # a body over the limit, said or not
        big = b'{"email": "' + b"a" * 9000 + b'"}'
        if rng.random() < 0.5:
            lines = [line for line in lines if not line.lower().startswith(b"content-length")]
            lines.append(b"Content-Length: %d" % len(big))
        return b"\r\n".join(lines) + b"\r\n\r\n" + big
    return mutate(rng, mutate(rng, data, bases), bases)    # two at once


def exchange(c, data):
    """What came back until the gateway closed, or until nothing more came
    for the idle timeout after the client closed its side."""
    with socket.create_connection(("127.0.0.1", c.ports["http"]), timeout=10) as s:
        try:
            s.sendall(data)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError, OSError) as e:
            if isinstance(e, socket.timeout):
                raise
            pass                    # it closed already: what it wrote still counts
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received


def responses(answer):
    """The statuses, headers and bodies of the responses in answer, up to
    the library's own refusal page (no Content-Type: the connection closes
    after it; libmicrohttpd 0.9.75 writes the head of one twice)."""
    found = []
    while answer:
        head, separator, rest = answer.partition(b"\r\n\r\n")
        assert separator, answer[:300]
        lines = head.split(b"\r\n")
        assert lines[0].startswith(b"HTTP/1.1 "), answer[:300]
        status = int(lines[0].split(b" ")[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get(b"content-length", b"0"))
        body, answer = rest[:length], rest[length:]
        found.append((status, headers, body))
        if b"content-type" not in headers:
            break
    return found


def check(case, data, answer, statuses):
    for status, headers, body in responses(answer):
        assert status < 500 or status == 503, (case, data[:300], status, body[:300])
        statuses[status] = statuses.get(status, 0) + 1
        if headers.get(b"content-type", b"").startswith(b"application/json") and body:
            parsed = json.loads(body)
            if status >= 400:
                assert isinstance(parsed, dict) and "error" in parsed, (case, data[:300], status, parsed)
                assert isinstance(parsed["error"]["code"], str) and parsed["error"]["message"], \
                    (case, data[:300], parsed)


def test_mutated_requests_are_answered_or_closed_and_the_gateway_stays_up(c):
    bases = base_requests(c)
    rng = random.Random(SEED)
    cases = [mutate(rng, rng.choice(bases), bases) for _ in range(CASES)]
    statuses = {}
    # Many at once: a request the library waits on until the idle timeout
    # (a request line cut short) holds only its own connection
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        answers = list(pool.map(lambda data: exchange(c, data), cases))
    for case, (data, answer) in enumerate(zip(cases, answers)):
        check(case, data, answer, statuses)
    assert c.processes["gateway"].poll() is None
    # Every kind of answer came up, not only one refusal
    assert {200, 400, 404}.issubset(statuses) and len(statuses) >= 6, statuses
    assert request(c, "GET", "/healthz")[0] == 200
    assert request(c, "GET", "/readyz")[0] == 200
