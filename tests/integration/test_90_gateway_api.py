"""wsis-gateway's HTTP API against the real services: health and
readiness, the generic POST /api/v1/{service}/{op} (JSON in, the reply's
body out), the protocol's error codes as HTTP statuses with the
protocol's error body, Idempotency-Key as the request id, the body limit,
the headers every response carries, and the calendar's refusals. Plain HTTP/1.1 from the
standard library, as any system would call it."""
import http.client
import json
import queue
import socket
import threading

import pytest
import zmq

from contest_helpers import caught_up, ok, set_clock
from gateway_helpers import request, sign_in, start_ready
import openapi_helpers
from openapi_helpers import check_response
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import CONTEXT, Cluster, pack, unpack

OPEN = "2022-01-10T12:00:00Z"       # the 2022 Prizes take submissions


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = start_ready(Cluster(tmp_path_factory.mktemp("gateway"), options={"gateway": {"max_body": 4096}}),
                          OPEN)
    yield cluster
    cluster.close()


def test_health_and_readiness(c):
    status, headers, body = request(c, "GET", "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    status, _, body = request(c, "GET", "/readyz")
    assert status == 200, body
    assert body["ready"] is True
    assert set(body["services"]) == {"bus", "submissions", "nominations", "voting", "notifications",
                                     "reporting"}


def test_not_ready_while_a_service_is_down(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        cluster.start("bus", "gateway")
        # Once its connection to the bus is up, the bus counts as ready
        cluster.wait_until(lambda: request(cluster, "GET", "/readyz")[2]["services"]["bus"],
                           what="the gateway to reach the bus")
        status, _, body = request(cluster, "GET", "/readyz")
        assert status == 503
        assert body["ready"] is False and body["services"]["bus"] is True
        assert body["services"]["voting"] is False
        # A service that is down: 503 at once, with the protocol's error body
        status, _, body = request(cluster, "POST", "/api/v1/submissions/stakeholder.register",
                                  stakeholder_body())
        assert status == 503 and body["error"]["code"] == "unavailable"
        assert "wsis-submissions" in body["error"]["message"]
    finally:
        cluster.close()


def test_an_operation_through_the_api(c):
    status, headers, body = request(c, "POST", "/api/v1/submissions/stakeholder.register",
                                    stakeholder_body(email="api@example.org"))
    assert status == 200, body
    assert body["stakeholder_id"].startswith("stk-")
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    # What the gateway forwarded is the service's own: the stakeholder is there.
    got = ok(c.call("submissions", "stakeholder.get", {"stakeholder_id": body["stakeholder_id"]}))
    assert got["email"] == "api@example.org"
    status, _, reply = request(c, "POST", "/api/v1/reporting/report.summary", {"call": "prizes-2022"})
    assert status == 200 and reply["call"] == "prizes-2022" and reply["headline"]


@pytest.mark.parametrize("path, body, status, code, field", [
    ("/api/v1/submissions/stakeholder.register", {"name": "x"}, 422, "validation", "email"),
    ("/api/v1/submissions/stakeholder.register", {**stakeholder_body(), "phone": "1"}, 422,
     "validation", "phone"),
    ("/api/v1/submissions/no.such.op", {}, 404, "unknown_op", None),
    ("/api/v1/nowhere/sys.ping", {}, 404, "not_found", None),
    ("/api/v1/submissions/stakeholder.list", {}, 403, "forbidden", None),
    ("/api/v1/voting/vote.cast", {"voter_id": "stk-1", "call": "prizes-2022", "category": "C1",
                                  "submission_id": "sub-1"}, 403, "forbidden", None),
    ("/nothing/here", {}, 404, "not_found", None),
])
def test_errors_are_http_statuses_with_the_protocols_body(c, path, body, status, code, field):
    got, headers, reply = request(c, "POST", path, body)
    assert got == status, reply
    assert reply["error"]["code"] == code
    assert reply["error"]["message"]
    if field:
        assert reply["error"]["field"] == field
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_a_staff_operation_is_forbidden_on_the_public_listener(c):
    status, _, reply = request(c, "POST", "/api/v1/submissions/stakeholder.list", {})
    assert status == 403
    assert reply["error"]["message"] == "stakeholder.list needs the role staff or operator; you are public"


def test_malformed_and_oversized_bodies(c):
    status, _, reply = request(c, "POST", "/api/v1/submissions/sys.ping", raw=b"{not json")
    assert status == 400 and reply["error"]["code"] == "bad_request"
    status, _, reply = request(c, "POST", "/api/v1/submissions/sys.ping", raw=b"[1, 2]")
    assert status == 400 and "JSON object" in reply["error"]["message"]
    status, _, reply = request(c, "POST", "/api/v1/submissions/sys.ping",
                               raw=json.dumps({"pad": "x" * 5000}).encode())
    assert status == 413 and reply["error"]["code"] == "too_large"
    status, _, reply = request(c, "GET", "/api/v1/submissions/sys.ping")
    assert status == 405
    # The gateway is still there for the next caller
    assert request(c, "POST", "/api/v1/submissions/sys.ping", {})[0] == 200


def test_idempotency_key_is_the_request_id(c):
    body = stakeholder_body()
    key = {"Idempotency-Key": "register-once-42"}
    first = request(c, "POST", "/api/v1/submissions/stakeholder.register", body, key)
    again = request(c, "POST", "/api/v1/submissions/stakeholder.register", body, key)
    assert first[0] == again[0] == 200
    assert again[2] == first[2]          # the stored reply: registered once
    other = request(c, "POST", "/api/v1/submissions/stakeholder.register", stakeholder_body(),
                    {"Idempotency-Key": "register-other-43"})
    assert other[2]["stakeholder_id"] != first[2]["stakeholder_id"]
    status, _, reply = request(c, "POST", "/api/v1/submissions/sys.ping", {},
                               {"Idempotency-Key": "x" * 65})
    assert status == 400 and reply["error"]["field"] == "Idempotency-Key"


def test_keep_alive_serves_many_requests_on_one_connection(c):
    connection = http.client.HTTPConnection("127.0.0.1", c.ports["http"], timeout=15)
    try:
        for _ in range(50):
            connection.request("POST", "/api/v1/voting/sys.ping", body=b"{}",
                               headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["service"] == "voting"
    finally:
        connection.close()
    stats = ok(c.call("gateway", "sys.stats"))
    assert stats["http"]["requests"] >= 50


def raw_exchange(c, data, timeout=5, closes=True):
    """Sends raw bytes on a new TCP connection; what came back until the
    gateway closed it (a timeout fails: every case here is answered and
    closed, or closed, never left hanging), or with closes=False until
    the timeout (a connection kept alive)."""
    with socket.create_connection(("127.0.0.1", c.ports["http"]), timeout=timeout) as s:
        s.sendall(data)
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:         # answered and closed already (a 431 or 414 comes at once)
            pass
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except socket.timeout:
            if closes:
                raise
        return received


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """The gateway (and the bus) alone, idle connections closed after 1 s."""
    cluster = Cluster(tmp_path_factory.mktemp("bare"), options={"gateway": {"idle_timeout_s": 1}})
    try:
        cluster.start("bus", "gateway")
    except BaseException:
        cluster.close()
        raise
    yield cluster
    cluster.close()


# What libmicrohttpd (Debian's 0.9.75) refuses itself, before any request
# reaches the gateway: it answers with its own HTML page, no Content-Type,
# none of the gateway's headers, and closes (docs/protocol.md, "wsis-gateway
# (HTTP)": the refusals of the HTTP library). (status line, its page's
# title), or None: closed without a byte, once the idle timeout passed.
LIBRARY_REFUSALS = {
    "garbage": (b"\x00\xff garbage \r\n\r\n", None),
    "headers-unfinished": (b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\n", None),
    "no-version": (b"GET /healthz\r\n\r\n", (b"HTTP/1.1 400 Bad Request", b"Request malformed")),
    "header-without-colon": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nnocolon\r\n\r\n",
                             (b"HTTP/1.1 400 Bad Request", b"Request malformed")),
    "negative-length": (b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
                        (b"HTTP/1.1 400 Bad Request", b"Request malformed")),
    "bad-chunk": (b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                  (b"HTTP/1.1 400 Bad Request", b"Request malformed")),
    "version-2.5": (b"GET /healthz HTTP/2.5\r\nHost: x\r\n\r\n",
                    (b"HTTP/1.1 505 HTTP Version Not Supported", b"Requested HTTP version is not supported")),
    "header-40k": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 40000 + b"\r\n\r\n",
                   (b"HTTP/1.1 431 Request Header Fields Too Large", b"Request too big")),
    # Over the gateway's 16 KiB of connection memory, under the library's default 32
    "header-20k": (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + b"a" * 20000 + b"\r\n\r\n",
                   (b"HTTP/1.1 431 Request Header Fields Too Large", b"Request too big")),
    "url-50k": (b"GET /" + b"%" * 50000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                (b"HTTP/1.1 414 URI Too Long", b"Request too big")),
}


@pytest.mark.parametrize("case", LIBRARY_REFUSALS)
def test_malformed_http_gets_the_librarys_refusal_and_never_takes_the_gateway_down(bare, case):
    data, expected = LIBRARY_REFUSALS[case]
    answer = raw_exchange(bare, data, timeout=30)
    if expected is None:
        assert answer == b""
    else:
        status_line, title = expected
        head, _, page = answer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert lines[0] == status_line, answer[:300]
        headers = {line.split(b":")[0].lower() for line in lines[1:]}
        # Not the protocol's body: no Content-Type at all (nothing claims
        # JSON), none of the gateway's headers; the library's page.
        assert b"connection" in headers and b"content-type" not in headers, head
        assert b"x-content-type-options" not in headers
        assert not page.lstrip().startswith(b"{")
        assert b"<title>" + title + b"</title>" in page, page[:300]
    assert request(bare, "GET", "/healthz")[0] == 200


def test_headers_of_8_kib_are_served(bare):
    """The connection's 16 KiB hold a request line and headers far larger
    than a browser's or a client's (a token, a few cookies of a proxy in
    front): 8 KiB of them is an ordinary answer."""
    answer = raw_exchange(bare, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                          + b"".join(b"X-Extra-%d: " % i + b"v" * 1000 + b"\r\n" for i in range(8))
                          + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"status":"ok"}'), answer[:300]


def test_an_http_1_1_request_without_host_is_the_gateways_400(bare):
    """RFC 9112: an HTTP/1.1 request needs Host. libmicrohttpd lets it
    through; the gateway refuses it in the protocol's form, with its
    headers. HTTP/1.0 needs none."""
    answer = raw_exchange(bare, b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 Bad Request\r\n"), answer
    assert b"\r\nContent-Type: application/json; charset=utf-8\r\n" in head
    assert b"\r\nX-Content-Type-Options: nosniff\r\n" in head
    assert json.loads(body) == {"error": {"code": "bad_request", "field": "Host",
                                          "message": "an HTTP/1.1 request needs a Host header"}}
    answer = raw_exchange(bare, b"GET /healthz HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(b'{"status":"ok"}'), answer


class HeldVoting:
    """A stand-in wsis-voting that answers sys.ping and holds every other
    request until the test releases it with a reply body: a request the
    gateway forwarded, in flight. Served by its own thread (which alone
    touches the socket)."""

    PING = {"service": "voting", "version": "held", "uptime_ms": 0, "last_seq": 0, "now": "2022-01-10T12:00:00Z"}

    def __init__(self, cluster):
        self.router = CONTEXT.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        cluster.serve_as(self.router, "voting").bind(cluster.endpoint("voting"))
        self.held = queue.Queue()           # requests held, as they came
        self.releases = queue.Queue()       # reply bodies for them, in that order
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        waiting = []
        while self.running:
            while waiting and not self.releases.empty():
                frames, request = waiting.pop(0)
                self._reply(frames, request, self.releases.get())
            if not self.router.poll(50):
                continue
            frames = self.router.recv_multipart()
            request = unpack(frames[-1])
            if request["op"] == "sys.ping":
                self._reply(frames, request, self.PING)
            else:
                waiting.append((frames, request))
                self.held.put(request)

    def _reply(self, frames, request, body):
        self.router.send_multipart(frames[:-1] + [pack({"v": 1, "id": request["id"], "ok": True, "body": body})])

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.router.close(0)


def test_the_same_idempotency_key_twice_in_flight_is_409_conflict(tmp_path):
    c = Cluster(tmp_path)
    voting = None
    try:
        c.start("bus", "gateway")
        voting = HeldVoting(c)
        c.wait_until(lambda: request(c, "POST", "/api/v1/voting/sys.ping", {})[0] == 200,
                     what="the gateway's connection to wsis-voting")
        key = {"Idempotency-Key": "verify-once-7"}
        answers = {}
        first = threading.Thread(target=lambda: answers.update(first=request(
            c, "POST", "/api/v1/voting/vote.verify", {"receipt": "r" * 80}, key)))
        first.start()
        held = voting.held.get(timeout=10)      # the first is with wsis-voting now
        assert held["id"] == "verify-once-7" and held["op"] == "vote.verify"
        status, headers, reply = request(c, "POST", "/api/v1/voting/vote.verify", {"receipt": "r" * 80}, key)
        assert status == 409, reply
        check_response(openapi_helpers.load(), openapi_helpers.GENERIC, "post", "/api/v1/voting/vote.verify",
                       status, headers, reply)
        assert reply["error"] == {"code": "conflict", "field": "Idempotency-Key",
                                  "message": "a request with this Idempotency-Key is in progress"}
        assert voting.held.empty()              # the second was not forwarded
        # The first gets its answer once wsis-voting gives it
        counted = {"call": "prizes-2022", "category": "C1", "submission_id": "sub-1", "counted": True}
        voting.releases.put(counted)
        first.join(timeout=15)
        assert answers["first"][0] == 200 and answers["first"][2] == counted, answers
    finally:
        if voting:
            voting.close()
        c.close()


def test_a_chunked_body_over_the_limit_is_413(c):
    chunk = b"x" * 3000
    data = (b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3 + b"0\r\n\r\n")
    answer = raw_exchange(c, data, timeout=2, closes=False)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"too_large"' in answer


def test_idle_connections_do_not_stop_the_others(c):
    idle = [socket.create_connection(("127.0.0.1", c.ports["http"])) for _ in range(200)]
    try:
        for s in idle[:100]:
            s.sendall(b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        for _ in range(20):
            assert request(c, "POST", "/api/v1/voting/sys.ping", {})[0] == 200
        assert ok(c.call("gateway", "sys.stats"))["http"]["connections"] >= 200
    finally:
        for s in idle:
            s.close()


def test_the_calls_and_where_they_stand_by_the_clock(c):
    status, _, body = request(c, "GET", "/api/v1/calls")
    assert status == 200 and body["now"] == OPEN
    calls = {call["id"]: call for call in body["calls"]}
    assert {"prizes-2022", "prizes-2027", "stocktaking-2027"} <= set(calls)
    prizes = calls["prizes-2022"]
    assert prizes["kind"] == "prize" and prizes["zone"] == "Europe/Geneva" and prizes["open"] == ["submission"]
    submission = prizes["phases"][0]
    # The deadline as an instant and as Geneva's wall time (CET in January)
    assert submission == {"name": "submission", "start": submission["start"], "end": "2022-01-21T22:00:00Z",
                          "start_local": submission["start_local"], "end_local": "2022-01-21 23:00",
                          "state": "open"}
    voting = next(p for p in prizes["phases"] if p["name"] == "voting")
    assert voting["state"] == "not_open" and voting["end_local"].endswith("23:00")
    status, _, one = request(c, "GET", "/api/v1/calls/prizes-2022")
    assert status == 200 and one["phases"] == prizes["phases"]
    status, _, missing = request(c, "GET", "/api/v1/calls/prizes-1999")
    assert status == 404 and missing["error"]["field"] == "call"
    assert request(c, "POST", "/api/v1/calls", {})[0] == 405


def test_the_calendar_refuses_as_409_before_a_phase_and_410_after_it(c):
    """A vote before the voting opens is phase_not_open (409: it will
    open); a submission after its deadline is deadline_passed (410: never
    again for this call); both with the protocol's body."""
    status, _, _ = request(c, "POST", "/api/v1/stakeholders", stakeholder_body(email="late@example.org"))
    assert status == 200
    c.wait_until(lambda: caught_up(c, "gateway", "submissions"), what="the gateway to know the address")
    project = {k: v for k, v in prize_body("stk-0").items() if k != "stakeholder_id"}
    set_clock(c, "2022-01-22T10:00:00Z")            # the morning after the submission deadline
    try:
        session = sign_in(c, "late@example.org")
        status, _, reply = request(c, "POST", "/api/v1/calls/prizes-2022/votes",
                                   {"category": "C1", "submission_id": "sub-1"}, session)
        assert status == 409 and reply["error"]["code"] == "phase_not_open", reply
        assert "opens at" in reply["error"]["message"]
        status, _, reply = request(c, "POST", "/api/v1/submissions", project, session)
        assert status == 410 and reply["error"]["code"] == "deadline_passed", reply
        status, _, listed = request(c, "GET", "/api/v1/calls/prizes-2022")
        assert listed["phases"][0]["state"] == "passed"
    finally:
        set_clock(c, OPEN)
