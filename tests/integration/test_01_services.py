"""Every service starts, answers the common operations, and survives bad input."""
import os
import signal
import subprocess

import msgpack
import pytest

from wsis_harness import BIN_DIR, ROOT, SERVICES, Client, Cluster, free_ports, pack, unpack


@pytest.mark.parametrize("name", SERVICES)
def test_ping_and_stats(all_services, name):
    reply = all_services.call(name, "sys.ping", role=None, actor=None)
    assert reply["ok"] is True
    assert reply["body"]["service"] == name
    assert reply["body"]["version"]
    assert reply["body"]["uptime_ms"] >= 0
    assert reply["body"]["last_seq"] == 0

    stats = all_services.call(name, "sys.stats")["body"]
    assert stats["service"] == name
    for key in ("requests", "batches", "errors", "events_published", "events_applied"):
        assert isinstance(stats[key], int)
    assert stats["requests"] >= 2
    assert 1 <= stats["batches"] <= stats["requests"]
    assert isinstance(stats["lag"], dict)


@pytest.mark.parametrize("name", SERVICES)
def test_events_since_on_every_producer(all_services, name):
    reply = all_services.call(name, "events.since", {"after": 0}, role="service")
    assert reply["ok"] is True
    assert reply["body"] == {"events": [], "last_seq": 0}


def test_followed_sources_show_in_stats(all_services):
    lag = all_services.call("reporting", "sys.stats")["body"]["lag"]
    assert set(lag) == {"bus", "submissions", "nominations", "voting", "notifications"}
    lag = all_services.call("voting", "sys.stats")["body"]["lag"]
    assert set(lag) == {"submissions", "nominations"}


NESTED = 1
for _ in range(20):
    NESTED = [NESTED]

MALFORMED = [
    ("not msgpack", b"\xc1\xc1\xc1", "bad_request", ""),
    ("empty frame", b"", "bad_request", ""),
    ("a msgpack array", pack([1, "x", "sys.ping"]), "bad_request", ""),
    ("a string", pack("sys.ping"), "bad_request", ""),
    ("lying array length", b"\xdd\xff\xff\xff\xff", "bad_request", ""),
    ("lying map length", b"\xdf\xff\xff\xff\xff", "bad_request", ""),
    ("lying str length", b"\xdb\xff\xff\xff\xff", "bad_request", ""),
    ("truncated map", pack({"v": 1, "id": "t1", "op": "sys.ping"})[:-3], "bad_request", ""),
    ("trailing bytes", pack({"v": 1, "id": "t2", "op": "sys.ping"}) + b"\x00", "bad_request", ""),
    ("missing id", pack({"v": 1, "op": "sys.ping"}), "bad_request", ""),
    ("missing op", pack({"v": 1, "id": "t3"}), "bad_request", "t3"),
    ("missing v", pack({"id": "t4", "op": "sys.ping"}), "bad_request", "t4"),
    ("v is a string", pack({"v": "1", "id": "t5", "op": "sys.ping"}), "bad_request", "t5"),
    ("v is 2", pack({"v": 2, "id": "t6", "op": "sys.ping"}), "bad_request", "t6"),
    ("id is an int", pack({"v": 1, "id": 7, "op": "sys.ping"}), "bad_request", ""),
    ("id too long", pack({"v": 1, "id": "x" * 65, "op": "sys.ping"}), "bad_request", ""),
    ("id empty", pack({"v": 1, "id": "", "op": "sys.ping"}), "bad_request", ""),
    ("op is a map", pack({"v": 1, "id": "t7", "op": {}}), "bad_request", "t7"),
    ("body is an array", pack({"v": 1, "id": "t8", "op": "sys.ping", "body": []}), "bad_request", "t8"),
    ("actor is a string", pack({"v": 1, "id": "t9", "op": "sys.ping", "actor": "me"}), "bad_request", "t9"),
    ("unknown role", pack({"v": 1, "id": "t10", "op": "sys.ping", "actor": {"role": "king"}}),
     "bad_request", "t10"),
    ("invalid utf-8", b"\x83\xa1v\x01\xa2id\xa3t11\xa2op\xa2\xff\xfe", "bad_request", ""),
    ("duplicate key", b"\x84\xa1v\x01\xa2id\xa3t12\xa2op\xa8sys.ping\xa2op\xa8sys.ping", "bad_request", "t12"),
    ("too deep", pack({"v": 1, "id": "t13", "op": "sys.ping", "body": {"a": NESTED}}), "bad_request", ""),
]


@pytest.mark.parametrize("name", SERVICES)
def test_malformed_frames_get_errors_and_service_survives(all_services, name):
    client = Client(all_services.endpoint(name), curve=all_services.curve(name))
    try:
        for label, frame, code, echoed_id in MALFORMED:
            client.send_raw(frame)
            reply = client.recv()
            assert reply is not None, f"{name}: no reply to {label}"
            assert reply["v"] == 1
            assert reply["ok"] is False, label
            assert reply["error"]["code"] == code, (label, reply)
            assert reply["error"]["message"], label
            assert reply["id"] == echoed_id, (label, reply)
        reply = client.call("no.such.op")
        assert reply["error"]["code"] == "unknown_op"
        assert reply["error"]["field"] == "op"
        assert client.call("sys.ping")["ok"] is True
    finally:
        client.close()
    stats = all_services.call(name, "sys.stats")["body"]
    assert stats["errors"] >= len(MALFORMED) + 1


@pytest.mark.parametrize("name", SERVICES)
def test_oversized_frame(all_services, name):
    """A 20 MiB frame is refused (too_large, or dropped by libzmq's limit)."""
    client = Client(all_services.endpoint(name), curve=all_services.curve(name))
    try:
        client.send_raw(b"\x00" * (20 * 1024 * 1024))
        reply = client.recv(timeout=3)
        if reply is not None:
            assert reply["ok"] is False
            assert reply["error"]["code"] == "too_large"
    finally:
        client.close()
    # A frame a little over the limit always gets the too_large reply.
    client = Client(all_services.endpoint(name), curve=all_services.curve(name))
    try:
        big = pack({"v": 1, "id": "big", "op": "sys.ping", "body": {"x": b"\x00" * (7 * 1024 * 1024)}})
        client.send_raw(big)
        reply = client.recv(timeout=10)
        assert reply["ok"] is False and reply["error"]["code"] == "too_large"
    finally:
        client.close()
    assert all_services.call(name, "sys.ping")["ok"] is True


def test_routing_frames_are_echoed(all_services):
    """A REQ socket (identity + delimiter) and a DEALER both get their reply."""
    import zmq
    from wsis_harness import CONTEXT
    req = CONTEXT.socket(zmq.REQ)
    req.setsockopt(zmq.LINGER, 0)
    all_services.keyed(req, "voting").connect(all_services.endpoint("voting"))
    req.send(pack({"v": 1, "id": "via-req", "op": "sys.ping"}))
    assert req.poll(5000)
    assert unpack(req.recv())["id"] == "via-req"
    req.close()


def test_pipelined_requests_from_many_clients(all_services):
    """Batches: 50 clients x 20 pipelined pings, every reply to its sender."""
    clients = [Client(all_services.endpoint("submissions"), curve=all_services.curve("submissions"))
               for _ in range(50)]
    try:
        for n, client in enumerate(clients):
            for i in range(20):
                client.send_raw(pack({"v": 1, "id": f"c{n}-{i}", "op": "sys.ping"}))
        for n, client in enumerate(clients):
            ids = [client.recv()["id"] for _ in range(20)]
            assert ids == [f"c{n}-{i}" for i in range(20)]
    finally:
        for client in clients:
            client.close()


def test_requests_ready_together_share_one_batch(cluster):
    """sys.stats counts batches: a request alone is one, 40 that wait
    together (the service stopped while they came) run as one, one
    transaction and one commit."""
    cluster.start("voting")
    client = cluster.client("voting")

    def counts():
        stats = client.call("sys.stats", role="staff")["body"]
        return stats["requests"], stats["batches"]

    requests, batches = counts()
    for _ in range(5):
        assert client.call("sys.ping", role=None, actor=None)["ok"]
    assert counts() == (requests + 6, batches + 6)

    requests, batches = counts()
    cluster.processes["voting"].send_signal(signal.SIGSTOP)
    try:
        for i in range(40):
            client.send_raw(pack({"v": 1, "id": f"p{i}", "op": "sys.ping"}))
    finally:
        cluster.processes["voting"].send_signal(signal.SIGCONT)
    assert [client.recv()["id"] for _ in range(40)] == [f"p{i}" for i in range(40)]
    after = counts()
    assert after[0] == requests + 41
    ran_in = after[1] - batches - 1
    assert 1 <= ran_in < 4, f"40 requests ready together ran in {ran_in} batches"


def test_roles(all_services):
    reply = all_services.call("bus", "events.since", {}, role="public")
    assert reply["error"]["code"] == "forbidden"
    reply = all_services.call("bus", "events.since", {}, role=None, actor=None)
    assert reply["error"]["code"] == "forbidden"
    reply = all_services.call("bus", "publish", {"topic": "a.b", "origin": "x", "body": {}}, role="stakeholder")
    assert reply["error"]["code"] == "forbidden"


def test_events_since_validation(all_services):
    reply = all_services.call("bus", "events.since", {"after": -1}, role="service")
    assert reply["error"] == {"code": "validation", "field": "after", "message": reply["error"]["message"]}
    reply = all_services.call("bus", "events.since", {"limit": 10001}, role="service")
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "limit"
    reply = all_services.call("bus", "events.since", {"limit": "5"}, role="service")
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "limit"


def test_manual_clock(all_services):
    reply = all_services.call("voting", "sys.clock.set", {"now": "2022-03-31T20:59:59Z"})
    assert reply["ok"] and reply["body"]["now"] == "2022-03-31T20:59:59Z"
    reply = all_services.call("voting", "sys.clock.set", {"now": "2022-02-30T00:00:00Z"})
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "now"
    reply = all_services.call("voting", "sys.clock.set", {})
    assert reply["error"]["code"] == "validation" and reply["error"]["field"] == "now"


def test_real_clock_cannot_be_set(tmp_path):
    cluster = Cluster(tmp_path, manual_clock=False)
    try:
        cluster.start("reporting")
        reply = cluster.call("reporting", "sys.clock.set", {"now": "2022-01-01T00:00:00Z"})
        assert reply["error"]["code"] == "forbidden"
    finally:
        cluster.close()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_exits_zero_on_signal(cluster, sig):
    cluster.start("nominations")
    assert cluster.kill("nominations", sig) == 0


def run_service(name, env, args=()):
    return subprocess.run([os.path.join(BIN_DIR, f"wsis-{name}"), *args], env=env, cwd=ROOT,
                          capture_output=True, timeout=30, text=True)


def test_bad_config_value_stops_with_one_line(cluster):
    cluster.config.write_text(cluster.config.read_text() + "voting\n    batch = 3\n")
    result = run_service("voting", cluster.env())
    assert result.returncode != 0
    assert "unknown option 'voting/batch'" in result.stderr
    cluster.config.write_text("wsis\n    heartbeat_ms = 999999\n")
    result = run_service("voting", cluster.env())
    assert result.returncode != 0
    assert "wsis/heartbeat_ms" in result.stderr and "out of bounds" in result.stderr
    result = run_service("voting", cluster.env(), ["-c", "/nonexistent/wsis.cfg"])
    assert result.returncode != 0 and "/nonexistent/wsis.cfg" in result.stderr


def test_bad_calendar_stops_with_one_line(cluster):
    env = cluster.env()
    env["WSIS_CALENDAR"] = str(cluster.dir / "missing-calendar.cfg")
    result = run_service("submissions", env)
    assert result.returncode != 0
    assert "missing-calendar.cfg" in result.stderr


def test_port_in_use_stops_with_one_line(cluster):
    cluster.start("voting")
    result = run_service("voting", dict(cluster.env(), WSIS_DATA_DIR=str(cluster.dir / "other")))
    assert result.returncode != 0
    assert "cannot bind" in result.stderr


def test_second_process_on_the_same_database_fails(cluster):
    cluster.start("voting")
    env = cluster.env()
    cluster.config.write_text(cluster.config.read_text().replace(
        f"port = {cluster.ports['voting']}", "port = 1"))
    # Another port, same data dir: the database lock is what stops it.
    free = free_ports(1)[0]
    cluster.config.write_text(cluster.config.read_text().replace("port = 1\n", f"port = {free}\n"))
    result = run_service("voting", env)
    assert result.returncode != 0
    assert "voting.db" in result.stderr


def test_help_lists_options():
    result = subprocess.run([os.path.join(BIN_DIR, "wsis-voting"), "-h"], capture_output=True,
                            text=True, timeout=10)
    assert result.returncode == 0
    assert "voting/complete_ballot_required" in result.stderr
    assert "WSIS_DATA_DIR" in result.stderr
