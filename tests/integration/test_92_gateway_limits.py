"""wsis-gateway's token buckets: sign-in and writes per client address
(and per session), 429 with Retry-After once a bucket is empty, the
client's address from X-Forwarded-For only behind a trusted proxy."""
import pytest

from gateway_helpers import request, start_ready
from submissions_helpers import stakeholder_body
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
