"""Secure mode: CURVE on every socket, roles from certificates
(docs/protocol.md section 6, docs/design.md "Security").

Every service runs with keys made by `wsisctl keygen`. A client without a
key or with one that is not allowed gets no answer at all; the role and
actor of a request are its certificate's, except that a gateway or an
operator acts for others; a certificate removed from the allow-list is
shut out of a running service; a secret open to others, or a development
mode open to the network, stops a service before it starts.
"""
import json
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


def stats(c, name):
    return c.call(name, "sys.stats")["body"]


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
        # Each service looks at the allow-list once a second (its tick),
        # counted in sys.stats keys.checked: the first look after the
        # removal is the one that locks the client out, so "within a
        # second" is the next count, not a time the test measures.
        checked = {name: stats(c, name)["keys"]["checked"] for name in ("nominations", "bus")}
        for name in checked:
            c.wait_until(lambda: stats(c, name)["keys"]["checked"] > checked[name],
                         what=f"{name} to look at the allow-list again")
        # The same connection, still open: no answer from then on.
        assert ping(client, timeout=0.5) is None, "the revoked certificate is still answered"
        again = Client(c.endpoint("nominations"),
                       curve=lambda s: c.keys.apply(s, "revoked-staff", "nominations"))
        assert ping(again) is None
        again.close()
        # The subscriber was dropped by that look (the bus bound its XPUB
        # anew) and cannot come back: what it had queued before, then
        # nothing, while the bus sends a heartbeat every 200 ms.
        while next_event(sub, timeout=0.05) is not None:
            pass
        assert next_event(sub, timeout=1.0) is None, "the revoked subscriber still hears the bus"
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
        c.start_all()
        assert c.call("submissions", "stakeholder.register", {
            "name": "A", "email": "a@example.org", "type": "academia", "country": "CH",
            "region": "europe"}, role="public")["ok"]
        # Every service has written something of its own (voting the
        # stakeholder it learnt, with its voting.key beside the keys).
        c.wait_until(lambda: all(stats(c, name)["sources"].get("submissions", {}).get("last_seq") == 1
                                 for name in ("voting", "nominations", "reporting", "gateway")),
                     what="every consumer to apply the stakeholder")
    finally:
        os.umask(old)
    try:
        assert stat.S_IMODE(os.stat(c.data_dir).st_mode) == 0o700
        files = []
        for folder, dirs, names in os.walk(c.data_dir):
            files += [os.path.join(folder, name) for name in dirs + names]
        databases = {os.path.basename(f) for f in files}
        for name in SERVICES:
            assert f"{name}.db" in databases and f"{name}.db-wal" in databases, (name, sorted(databases))
        assert "voting.db" in databases
        for path in files:
            mode = stat.S_IMODE(os.stat(path).st_mode)
            expected = 0o700 if os.path.isdir(path) else 0o600
            assert mode == expected, f"{path}: {mode:04o}"
        # And the keys, made by wsisctl keygen under that umask: the
        # secrets private, the certificates public.
        secrets = os.path.join(c.keys.folder, "secret")
        assert stat.S_IMODE(os.stat(secrets).st_mode) == 0o700
        for name in os.listdir(secrets):
            assert stat.S_IMODE(os.stat(os.path.join(secrets, name)).st_mode) == 0o600, name
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


def test_wsisctl_takes_its_certificate_from_wsis_cert(secure):
    c = secure
    staff = c.keys.secret_path(c.keys.client("staff", "ana"))
    env = {**c.env(), "WSIS_CERT": staff}

    def clock_set(*options):
        return subprocess.run([WSISCTL, *options, "voting", "sys.clock.set", '{"now": "2022-03-10T12:00:00Z"}'],
                              env=env, capture_output=True, text=True, timeout=30)
    # WSIS_CERT names the certificate: the staff one, so the operator's
    # operation is refused, while a staff one is answered as staff.
    refused = clock_set()
    assert refused.returncode == 1 and "forbidden" in refused.stdout, refused.stdout + refused.stderr
    tally = subprocess.run([WSISCTL, "voting", "vote.tally", '{"call": "prizes-2022"}'], env=env,
                           capture_output=True, text=True, timeout=30)
    assert tally.returncode == 0 and json.loads(tally.stdout)["ok"], tally.stdout + tally.stderr
    # --cert comes before it.
    operator = clock_set("--cert", c.keys.secret_path("operator"))
    assert operator.returncode == 0 and json.loads(operator.stdout)["ok"], operator.stdout + operator.stderr
    # A certificate that is not allowed there gets no answer at all.
    c.keys.write("not-allowed", "operator", "eve")
    os.remove(c.keys.public_path("not-allowed"))
    out = subprocess.run([WSISCTL, "--timeout", "500", "ping", "voting"],
                         env={**env, "WSIS_CERT": c.keys.secret_path("not-allowed")},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 2 and "timeout" in out.stdout, out.stdout + out.stderr
    # One that cannot be read is named.
    missing = str(c.dir / "missing.cert_secret")
    out = subprocess.run([WSISCTL, "ping", "voting"], env={**env, "WSIS_CERT": missing},
                         capture_output=True, text=True, timeout=30)
    assert out.returncode != 0 and missing in out.stderr, out.stdout + out.stderr


def rotate(c, name):
    """A key rotation as README says: the old files removed, `wsisctl
    keygen` the same name again. The old pair is kept aside (an attacker's
    copy) as keys/secret/old-NAME.cert_secret, which is in no allow-list.
    Returns the old public key."""
    old_key = c.keys.server_key(name)
    os.rename(c.keys.secret_path(name), c.keys.secret_path(f"old-{name}"))
    os.remove(c.keys.public_path(name))
    c.keys.make(name, "service")
    assert c.keys.server_key(name) != old_key
    return old_key


def with_server_key(c, file, key):
    """A CURVE client with certificate file that takes the server's key to be key."""
    def apply(socket):
        c.keys.apply(socket, file, "bus")
        socket.curve_serverkey = key
    return apply


def test_rotated_keys_are_followed_without_restarting_the_others(tmp_path):
    from gateway_helpers import request
    from submissions_helpers import stakeholder_body
    c = Cluster(tmp_path, secure=True)
    consumers = ("voting", "nominations", "reporting", "gateway")

    def register_and_apply(n):
        reply = c.call("submissions", "stakeholder.register", stakeholder_body(email=f"r{n}@example.org"),
                       role="public")
        assert reply["ok"], reply
        seq = c.call("submissions", "sys.ping")["body"]["last_seq"]
        for name in consumers:
            c.wait_until(lambda: stats(c, name)["sources"]["submissions"]["last_seq"] == seq,
                         what=f"{name} to apply stakeholder {n}")
            assert stats(c, name)["sources"]["submissions"]["applied"] == seq, name
        return reply["body"]["stakeholder_id"]
    try:
        c.start_all()
        register_and_apply(1)
        pids = {name: c.processes[name].pid for name in consumers}

        # The bus's key: new files, the bus restarted with them. Every
        # service connects to it again with its new key on its next look
        # at keys/public: each one's heartbeat comes through the new bus
        # (c.subscribe waits for all of them), and events flow again.
        old_bus = rotate(c, "bus")
        c.stop("bus")
        c.start("bus")
        c.subscribe().close(0)
        register_and_apply(2)
        # The old key works no more: a client that still has it gets
        # nothing, on the command port nor on the XPUB.
        stale = Client(c.endpoint("bus"), curve=with_server_key(c, "operator", old_bus))
        sub = CONTEXT.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        with_server_key(c, "operator", old_bus)(sub)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(f"tcp://127.0.0.1:{c.ports['xpub']}")
        try:
            assert ping(stale) is None, "the bus answered a client with its old key"
            assert next_event(sub, timeout=1.0) is None, "the bus published to its old key"
        finally:
            stale.close()
            sub.close(0)

        # A service's key: submissions restarted with its new pair. The
        # others (the bus, every consumer, the gateway's connections to the
        # services) take its new public key; commands and events go on.
        old_submissions = rotate(c, "submissions")
        c.stop("submissions")
        c.start("submissions")
        register_and_apply(3)
        c.wait_until(lambda: request(c, "GET", "/readyz")[0] == 200,
                     what="the gateway to reach submissions with its new key")
        assert request(c, "GET", "/readyz")[2]["services"]["submissions"] is True
        # Its old pair is refused both ways: as a client (the bus, any
        # service) and as the key a client expects of the server.
        for server in ("bus", "voting"):
            thief = Client(c.endpoint(server), curve=lambda s: c.keys.apply(s, "old-submissions", server))
            try:
                assert ping(thief) is None, f"{server} answered the old submissions key"
            finally:
                thief.close()
        stale = Client(c.endpoint("submissions"), curve=with_server_key(c, "operator", old_submissions))
        try:
            assert ping(stale) is None, "a client expecting the old key was answered"
        finally:
            stale.close()
        # Nobody else was restarted for it.
        assert {name: c.processes[name].pid for name in consumers} == pids
        assert all(c.processes[name].poll() is None for name in consumers)
    finally:
        c.close()
