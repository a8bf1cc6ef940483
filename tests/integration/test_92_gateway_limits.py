"""wsis-gateway's limits: token buckets for sign-in and writes per client
address and per session, 429 with Retry-After once a bucket is empty, the
client's address from X-Forwarded-For only behind a trusted proxy; the
bound on connections at once and the idle timeout."""
import json
import socket

import pytest

import openapi_helpers
from contest_helpers import IN_REVIEW, IN_VOTING, caught_up, ok, set_clock
from gateway_helpers import request, sign_in, start_ready
from nominations_helpers import CATEGORIES
from openapi_helpers import check_response
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"


def cluster_with(tmp_path, **gateway):
    return start_ready(Cluster(tmp_path, options={"gateway": {"sign_in_per_minute": 3, "writes_per_minute": 5,
                                                              **gateway}}), OPEN)


@pytest.fixture
def c(tmp_path):
    cluster = cluster_with(tmp_path)
    yield cluster
    cluster.close()


def test_sign_in_is_limited_per_client(c):
    for _ in range(3):
        assert request(c, "POST", "/api/v1/auth/code", {"email": "a@example.org"})[0] == 202
    status, headers, body = request(c, "POST", "/api/v1/auth/session",
                                    {"email": "a@example.org", "code": "123456"})
    assert status == 429 and body["error"]["code"] == "rate_limited"
    assert 1 <= int(headers["Retry-After"]) <= 20
    # Reads are not sign-in: still served
    assert request(c, "GET", "/healthz")[0] == 200
    assert request(c, "POST", "/api/v1/voting/sys.ping", {})[0] == 200


def test_writes_are_limited_reads_are_not(c):
    for n in range(5):
        status, _, body = request(c, "POST", "/api/v1/submissions/stakeholder.register", stakeholder_body())
        assert status == 200, body
    status, headers, body = request(c, "POST", "/api/v1/submissions/stakeholder.register", stakeholder_body())
    assert status == 429 and "Retry-After" in headers
    # Nothing was written for the refused one: five stakeholders
    assert len(c.events("submissions")) == 5
    for _ in range(10):
        assert request(c, "POST", "/api/v1/reporting/report.summary", {"call": "prizes-2022"})[0] == 200
    # X-Forwarded-For is not trusted by default: the same client
    status, _, _ = request(c, "POST", "/api/v1/submissions/stakeholder.register", stakeholder_body(),
                           {"X-Forwarded-For": "203.0.113.9"})
    assert status == 429


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_bucket(tmp_path):
    c = cluster_with(tmp_path, trust_forwarded="true")
    try:
        for client in ("203.0.113.1", "203.0.113.2"):
            for _ in range(5):
                status, _, body = request(c, "POST", "/api/v1/submissions/stakeholder.register",
                                          stakeholder_body(), {"X-Forwarded-For": f"10.0.0.1, {client}"})
                assert status == 200, body
            status, _, _ = request(c, "POST", "/api/v1/submissions/stakeholder.register",
                                   stakeholder_body(), {"X-Forwarded-For": client})
            assert status == 429
    finally:
        c.close()


def test_a_sessions_votes_are_limited_whatever_the_address(tmp_path):
    """The writes bucket of a session: Ada votes from a new address each
    time (a trusted proxy's X-Forwarded-For), so only her session's bucket
    empties: her sixth vote is 429 with Retry-After and never reaches
    wsis-voting; Bob, from the address she used last, still votes."""
    c = cluster_with(tmp_path, trust_forwarded="true", sign_in_per_minute=20)
    try:
        ada, bob = (ok(c.call("submissions", "stakeholder.register", stakeholder_body(email=email),
                              role="public"))["stakeholder_id"] for email in ("ada@example.org", "bob@example.org"))
        projects = {category: ok(c.call("submissions", "submission.create", prize_body(ada, category=category),
                                        role="gateway"))["submission_id"] for category in CATEGORIES[:6]}
        set_clock(c, IN_REVIEW)
        c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the projects")
        for project in projects.values():
            ok(c.call("nominations", "review.decide", {"submission_id": project, "decision": "nominate"},
                      role="staff"))
        ok(c.call("nominations", "nominations.publish", {"call": "prizes-2022"}, role="staff"))
        set_clock(c, IN_VOTING)
        c.wait_until(lambda: caught_up(c, "voting", "nominations") and caught_up(c, "voting", "submissions")
                     and caught_up(c, "gateway", "submissions"), what="voting and the gateway to catch up")
        ada_session, bob_session = sign_in(c, "ada@example.org"), sign_in(c, "bob@example.org")

        def vote(session, category, address):
            return request(c, "POST", "/api/v1/calls/prizes-2022/votes",
                           {"category": category, "submission_id": projects[category]},
                           {**session, "X-Forwarded-For": address})

        for n, category in enumerate(CATEGORIES[:5]):
            status, _, body = vote(ada_session, category, f"203.0.113.{n}")
            assert status == 200 and body["duplicate"] is False, body
        status, headers, body = vote(ada_session, CATEGORIES[5], "203.0.113.50")
        assert status == 429 and body["error"]["code"] == "rate_limited", body
        assert 1 <= int(headers["Retry-After"]) <= 12            # a token comes back every 12 s
        check_response(openapi_helpers.load(), "/api/v1/calls/{call}/votes", "post",
                       "/api/v1/calls/prizes-2022/votes", status, headers, body)
        tally = ok(c.call("voting", "vote.tally", {"call": "prizes-2022"}))
        assert tally["votes"] == 5 and tally["voters"] == 1, tally     # the sixth was not forwarded
        status, _, body = vote(bob_session, CATEGORIES[5], "203.0.113.50")
        assert status == 200, body
    finally:
        c.close()


def bare_gateway(tmp_path, **options):
    """The gateway (and the bus) alone, with these gateway options."""
    cluster = Cluster(tmp_path, options={"gateway": options})
    try:
        cluster.start("bus", "gateway")
    except BaseException:
        cluster.close()
        raise
    return cluster


def connections(c):
    return ok(c.call("gateway", "sys.stats"))["http"]["connections"]


def get_healthz(s):
    """GET /healthz on an open connection; the raw answer (one recv)."""
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    return s.recv(65536)


def test_a_connection_over_the_limit_waits_unanswered_until_one_closes(tmp_path):
    """libmicrohttpd stops accepting at gateway/max_connections: the one
    over stays in the listen backlog, unanswered, while the others are
    served; when one of them closes it is taken and answered."""
    bare = bare_gateway(tmp_path, max_connections=4)
    address = ("127.0.0.1", bare.ports["http"])
    held, over = [], None
    try:
        held = [socket.create_connection(address, timeout=10) for _ in range(4)]
        over = socket.create_connection(address, timeout=1)
        bare.wait_until(lambda: connections(bare) == 4, what="the gateway to hold 4 connections")
        over.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        with pytest.raises(socket.timeout):
            over.recv(65536)                    # not taken: no answer, not closed
        assert connections(bare) == 4
        for s in held:                          # the gateway keeps answering its connections
            assert get_healthz(s).startswith(b"HTTP/1.1 200 OK\r\n")
        held.pop().close()
        over.settimeout(10)
        assert over.recv(65536).startswith(b"HTTP/1.1 200 OK\r\n")
        assert connections(bare) == 4
        over.close()
        for s in held:
            s.close()
        bare.wait_until(lambda: connections(bare) == 0, what="the connections to be closed")
    finally:
        for s in held + [over]:
            if s:
                s.close()
        bare.close()


def test_an_idle_keep_alive_connection_is_closed(tmp_path):
    """gateway/idle_timeout_s: a connection kept alive serves request after
    request, and once idle that long the gateway closes it (awaited: the
    read returns the end of the stream); one that never sent a byte too."""
    bare = bare_gateway(tmp_path, idle_timeout_s=1)
    port = bare.ports["http"]
    kept = socket.create_connection(("127.0.0.1", port), timeout=10)
    silent = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        for _ in range(3):
            answer = get_healthz(kept)
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" not in answer
        assert kept.recv(65536) == b""          # closed by the gateway
        assert silent.recv(65536) == b""
        bare.wait_until(lambda: connections(bare) == 0, what="the gateway to forget them")
        assert request(bare, "GET", "/healthz")[0] == 200
    finally:
        kept.close()
        silent.close()
        bare.close()


def test_large_bodies_are_read_whole_and_one_over_what_the_services_take_is_413(tmp_path):
    """A gateway allowed bodies of 32 MiB in front of services that take
    requests of 8 MiB (wsis/max_request). A body of 4 MiB is read whole
    and forwarded (a body went a piece of the connection's memory per
    turn, the rest at the half-second tick: 6 s a MiB, past the client's
    15 s from 3 MiB on). One of 10 MiB is 413 at once: the service would answer
    too_large without the request's id, which it cannot read, and the
    caller would get 504 after the upstream timeout."""
    cluster = start_ready(Cluster(tmp_path, options={"gateway": {"max_body": 32 * 1024 * 1024},
                                                     "wsis": {"max_request": 8 * 1024 * 1024}}), OPEN)
    try:
        def pad(strings, each=1024 * 1024 - 64):
            return json.dumps({"pad": ["x" * each] * strings}).encode()

        # Forwarded whole: the service itself says what is wrong with it
        status, _, reply = request(cluster, "POST", "/api/v1/submissions/sys.ping", raw=pad(4))
        assert (status, reply["error"]["field"]) == (422, "pad"), (status, reply)
        status, _, reply = request(cluster, "POST", "/api/v1/submissions/sys.ping", raw=pad(10))
        assert status == 413 and reply["error"]["code"] == "too_large", (status, reply)
        assert reply["error"]["message"] == \
            "the request is larger than the services take (8388608 bytes)"
        status, _, reply = request(cluster, "POST", "/api/v1/submissions/sys.ping", {})
        assert status == 200, (status, reply)
    finally:
        cluster.close()
