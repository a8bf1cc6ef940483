"""Secure mode: CURVE on every socket, roles from certificates
(docs/protocol.md section 6, docs/design.md "Security").

Every service runs with keys made by `wsisctl keygen`. A client without a
key or with one that is not allowed gets no answer at all; the role and
actor of a request are its certificate's, except that a gateway or an
operator acts for others; a certificate removed from the allow-list is
shut out of a running service; a secret open to others, or a development
mode open to the network, stops a service before it starts.
"""
import os
import stat
import subprocess

import pytest
import zmq

from wsis_harness import CONTEXT, WSISCTL, Client, Cluster, pack, next_event, SERVICES


@pytest.fixture(scope="module")
def secure(tmp_path_factory):
    c = Cluster(tmp_path_factory.mktemp("secure"), secure=True)
    try:
        c.start_all()
        yield c
    finally:
        c.close()


def ping(client, timeout=1.0):
    """sys.ping's reply, or None. A DEALER whose handshakes all failed has
    no peer left to queue for: that is no answer too."""
    try:
        client.socket.send_multipart([b"", pack({"v": 1, "id": "p", "op": "sys.ping"})], flags=zmq.NOBLOCK)
    except zmq.Again:
        return None
    return client.recv(timeout)


def stranger(c, server):
    """A CURVE client with a key pair of its own, not in the allow-list."""
    def apply(socket):
        public, secret = zmq.curve_keypair()
        socket.curve_publickey, socket.curve_secretkey = public, secret
        socket.curve_serverkey = c.keys.server_key(server)
    return apply


def test_no_key_and_an_unknown_key_get_nothing(secure):
    c = secure
    for name in SERVICES:
        plain = Client(c.endpoint(name))
        unknown = Client(c.endpoint(name), curve=stranger(c, name))
        allowed = Client(c.endpoint(name), curve=c.curve(name))
        try:
            assert ping(allowed)["ok"], name
            assert ping(plain) is None, f"{name} answered a client without a key"
            assert ping(unknown) is None, f"{name} answered a key that is not allowed"
        finally:
            for client in (plain, unknown, allowed):
                client.close()


def test_an_unauthenticated_subscriber_receives_nothing(secure):
    c = secure
    sub = CONTEXT.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://127.0.0.1:{c.ports['xpub']}")
    other = CONTEXT.socket(zmq.SUB)
    other.setsockopt(zmq.LINGER, 0)
    stranger(c, "bus")(other)
    other.setsockopt(zmq.SUBSCRIBE, b"")
    other.connect(f"tcp://127.0.0.1:{c.ports['xpub']}")
    try:
        # An operator's subscription sees the bus heartbeat (every 200 ms
        # here) while neither of the others sees anything.
        watcher = c.subscribe()
        for _ in range(5):
            assert next_event(watcher, lambda t, e: t == "sys.heartbeat", timeout=5) is not None
        assert next_event(sub, timeout=0.5) is None
        assert next_event(other, timeout=0.5) is None
        watcher.close(0)
    finally:
        sub.close(0)
        other.close(0)


def test_a_stakeholder_cannot_subscribe_to_every_event(secure):
    c = secure
    before = c.call("bus", "sys.stats")["body"]["proxy"]["subscriptions_refused"]
    sub = CONTEXT.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    c.curve("bus", "stakeholder", "stk-1")(sub)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(f"tcp://127.0.0.1:{c.ports['xpub']}")
    try:
        c.wait_until(lambda: c.call("bus", "sys.stats")["body"]["proxy"]["subscriptions_refused"] > before,
                     what="the bus to refuse the subscription")
        assert next_event(sub, timeout=0.6) is None
    finally:
        sub.close(0)


def test_roles_come_from_the_certificate(secure):
    c = secure
    # A stakeholder that claims to be staff is the stakeholder it is.
    claimed = c.client("voting", "stakeholder", "stk-1").call(
        "vote.tally", {"call": "prizes-2022"}, role="staff", actor="boss")
    assert claimed["error"]["code"] == "forbidden", claimed
    # Staff may work on reviews...
    listing = c.call("nominations", "review.list", {"call": "prizes-2022"}, role="staff", actor="ana")
    assert listing["ok"], listing
    decided = c.call("nominations", "review.decide", {"submission_id": "sub-none", "decision": "nominate"},
                     role="staff", actor="ana")
    assert decided["error"]["code"] == "not_found", decided
    # ...but a staff certificate that says it is a gateway is still staff.
    staff = Client(c.endpoint("voting"), curve=c.curve("voting", "staff", "ana"))
    try:
        vote = staff.call("vote.cast", {"call": "prizes-2022", "voter_id": "stk-7", "category": "C1",
                                        "submission_id": "sub-1"}, role="gateway", actor="stk-7")
        assert vote["error"]["code"] == "forbidden", vote
    finally:
        staff.close()
    # No request says who a plain client is: a certificate without an
    # actor is its own name.
    tally = c.client("voting", "staff", "ana").call("vote.tally", {"call": "prizes-2022"}, role=None,
                                                      actor=None)
    assert tally["ok"], tally


def test_the_clock_is_the_operators(secure):
    c = secure
    refused = c.call("voting", "sys.clock.set", {"now": "2022-03-10T12:00:00Z"}, role="staff", actor="ana")
    assert refused["error"]["code"] == "forbidden"
    assert c.call("voting", "sys.clock.set", {"now": "2022-03-10T12:00:00Z"})["ok"]


def test_events_since_is_for_services_operators_and_the_gateway(secure):
    c = secure
    refused = c.call("submissions", "events.since", {}, role="stakeholder", actor="stk-1")
    assert refused["error"]["code"] == "forbidden"
    claimed = c.client("submissions", "publisher", "forum-app").call("events.since", {}, role="service",
                                                                      actor="voting")
    assert claimed["error"]["code"] == "forbidden", claimed
    assert c.call("submissions", "events.since", {}, role="service", actor="voting")["ok"]
    # wsis-gateway follows submissions (who may sign in) with its gateway certificate
    assert c.call("submissions", "events.since", {}, role="gateway")["ok"]


def test_a_removed_certificate_is_shut_out_without_a_restart(secure):
    c = secure
    c.keys.write("revoked-staff", "staff", "bea")
    client = Client(c.endpoint("nominations"),
                    curve=lambda s: c.keys.apply(s, "revoked-staff", "nominations"))
    sub = CONTEXT.socket(zmq.SUB)
    sub.setsockopt(zmq.LINGER, 0)
    c.keys.write("revoked-gateway", "gateway", "old-gateway")
    c.keys.apply(sub, "revoked-gateway", "bus")
    sub.setsockopt(zmq.SUBSCRIBE, b"sys.heartbeat")
    sub.connect(f"tcp://127.0.0.1:{c.ports['xpub']}")
    try:
        assert client.call("review.list", {"call": "prizes-2022"})["ok"]
        assert next_event(sub, timeout=5) is not None
        pid = c.processes["nominations"].pid
        c.keys.revoke("revoked-staff")
        c.keys.revoke("revoked-gateway")
        # The same connection, still open: no answer once the service has
        # read the allow-list again (once a second).
        c.wait_until(lambda: ping(client, timeout=0.3) is None, timeout=5,
                     what="the revoked certificate to be refused")
        again = Client(c.endpoint("nominations"),
                       curve=lambda s: c.keys.apply(s, "revoked-staff", "nominations"))
        assert ping(again) is None
        again.close()
        # The subscriber is dropped and cannot come back.
        def silent():
            while next_event(sub, timeout=0.05) is not None:
                pass
            return next_event(sub, timeout=0.6) is None
        c.wait_until(silent, timeout=5, what="the revoked subscriber to hear nothing")
        assert c.processes["nominations"].pid == pid and c.processes["nominations"].poll() is None
        # Everyone else goes on, subscribers included.
        assert c.call("nominations", "sys.ping")["ok"]
        watcher = c.subscribe()
        watcher.close(0)
    finally:
        client.close()
        sub.close(0)


def test_a_secret_open_to_others_stops_the_service(tmp_path):
    c = Cluster(tmp_path, secure=True)
    try:
        secret = c.keys.secret_path("voting")
        os.chmod(secret, 0o644)
        c.start("bus")
        c.start("voting", wait=False)
        code = c.processes["voting"].wait(timeout=20)
        assert code != 0
        lines = [line for line in c.log("voting").splitlines() if secret in line]
        assert len(lines) == 1 and "0644" in lines[0], c.log("voting")
    finally:
        c.close()


def test_files_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        c = Cluster(tmp_path, secure=True)
        c.start("bus", "submissions")
        assert c.call("submissions", "stakeholder.register", {
            "name": "A", "email": "a@example.org", "type": "academia", "country": "CH",
            "region": "europe"}, role="public")["ok"]
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(os.stat(c.data_dir).st_mode) == 0o700
        files = [f for f in os.listdir(c.data_dir) if f.startswith(("bus.db", "submissions.db"))]
        assert {"bus.db", "submissions.db", "submissions.db-wal"} <= set(files), files
        for name in files:
            assert stat.S_IMODE(os.stat(c.data_dir / name).st_mode) == 0o600, name
    finally:
        c.close()


def test_development_mode_stays_on_loopback(tmp_path):
    (tmp_path / "exposed").mkdir()
    (tmp_path / "allowed").mkdir()
    exposed = Cluster(tmp_path / "exposed", secure=False, options={"wsis": {"bind": "0.0.0.0"}})
    try:
        exposed.start("bus", wait=False)
        assert exposed.processes["bus"].wait(timeout=20) != 0
        assert "wsis/insecure = true" in exposed.log("bus")
    finally:
        exposed.close()
    allowed = Cluster(tmp_path / "allowed", secure=False,
                      options={"wsis": {"bind": "0.0.0.0", "insecure": "true"}})
    try:
        allowed.start("bus")
        assert "0.0.0.0" in allowed.log("bus")
    finally:
        allowed.close()


def test_wsisctl_speaks_curve_with_the_operator_certificate(secure, tmp_path):
    c = secure
    out = subprocess.run([WSISCTL, "ping", "all"], env=c.env(), capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('"ok":true') == len(SERVICES)
    staff = subprocess.run([WSISCTL, "--cert", c.keys.secret_path(c.keys.client("staff", "ana")),
                            "voting", "sys.clock.set", '{"now": "2022-03-10T12:00:00Z"}'],
                           env=c.env(), capture_output=True, text=True, timeout=30)
    assert staff.returncode == 1 and "forbidden" in staff.stdout
    # The same tool without the keys gets no answer at all.
    config = tmp_path / "no-keys.cfg"
    config.write_text("".join(line + "\n" for line in c.config.read_text().splitlines()
                              if not line.strip().startswith("keys")))
    out = subprocess.run([WSISCTL, "-c", str(config), "--timeout", "500", "ping", "bus"], env=c.env(),
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "timeout" in out.stdout
