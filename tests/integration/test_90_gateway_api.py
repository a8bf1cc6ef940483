"""wsis-gateway's HTTP API against the real services: health and
readiness, the generic POST /api/v1/{service}/{op} (JSON in, the reply's
body out), the protocol's error codes as HTTP statuses with the
protocol's error body, Idempotency-Key as the request id, the body limit,
the headers every response carries, and the calendar's refusals. Plain HTTP/1.1 from the
standard library, as any system would call it."""
import http.client
import json
import socket

import pytest

from contest_helpers import caught_up, ok, set_clock
from gateway_helpers import request, sign_in, start_ready
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import Cluster

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


def raw_exchange(c, data, timeout=5):
    """Sends raw bytes on a new TCP connection; what came back until the
    gateway closed it or the timeout."""
    with socket.create_connection(("127.0.0.1", c.ports["http"]), timeout=timeout) as s:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := s.recv(65536):
                received += chunk
        except socket.timeout:
            pass
        return received


@pytest.mark.parametrize("data", [
    b"\x00\xff garbage \r\n\r\n",
    b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 200000 + b"\r\n\r\n",
    b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}",
    b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\n",
    b"GET /" + b"%" * 50000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
], ids=["garbage", "header-200k", "negative-length", "bad-chunk", "headers-unfinished", "url-50k"])
def test_malformed_http_never_takes_the_gateway_down(c, data):
    # Answered with a 4xx, or closed; the unfinished one waits out the timeout
    answer = raw_exchange(c, data, timeout=2)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 4"), answer[:200]
    assert request(c, "GET", "/healthz")[0] == 200


def test_a_chunked_body_over_the_limit_is_413(c):
    chunk = b"x" * 3000
    data = (b"POST /api/v1/voting/sys.ping HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 3 + b"0\r\n\r\n")
    answer = raw_exchange(c, data)
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
