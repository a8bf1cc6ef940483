"""The wsis test harness: real binaries, real sockets, shared by the
integration tests (tests/integration, whose conftest.py turns it into
pytest fixtures) and the benchmarks (bench/).

A Cluster gives its services their own data dir and their own ports (a
config file written into a directory of its own), starts the ones asked
for, waits for each to answer sys.ping (never a blind sleep), talks to them
over ZeroMQ as an outside system would, and stops them even on failure.
FakeSource stands in for a producer; Client speaks the command protocol;
pack, unpack, envelope and next_event are the wire format.

The services, in start order, are the C code's list (wsis_config_services),
read once from `wsisctl services` in the bin dir the harness runs
(WSIS_BIN_DIR, bin/ by default).
"""
import atexit
import os
import signal
import socket
import subprocess
import threading
import time
import uuid
import weakref

import msgpack
import zmq
import zmq.auth

from wsis_keys import Keys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN_DIR = os.path.join(ROOT, os.environ.get("WSIS_BIN_DIR", "bin"))
WSISCTL = os.path.join(BIN_DIR, "wsisctl")
CONTEXT = zmq.Context.instance()
# What ASan, LSan and UBSan print: any of these in a log is a failure.
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
# Under ASan (make integration-asan) freed memory waits in a quarantine and
# a shadow maps all of it: a service's RSS then says nothing of what its
# code holds, so tests check memory bounds on the plain build only.
SANITIZED = "asan" in os.path.basename(BIN_DIR)


def _wsisctl_lines(*args):
    """The lines wsisctl prints for a command that needs no service."""
    try:
        listing = subprocess.run([WSISCTL, *args], capture_output=True, text=True,
                                 check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as error:
        raise RuntimeError(f"cannot run {WSISCTL} {' '.join(args)} ({error}); build it: make all")
    return listing.stdout.splitlines()


# The services in start order, the bus first, as the binaries know them:
# one list (wsis_config_services) for C, Python and scripts.
SERVICES = _wsisctl_lines("services")


def default_ports():
    """The ports of the option table's defaults, which compose.yaml (with
    tests/compose/check.yaml) publishes, named as a Cluster names its ports:
    xsub, xpub, http, and each service's command port under its name."""
    names = {"bus/xsub_port": "xsub", "bus/xpub_port": "xpub", "gateway/http_port": "http"}
    ports = {}
    for line in _wsisctl_lines("-c", os.devnull, "ports"):
        option, port = line.split()
        service, _, key = option.partition("/")
        if option in names:
            ports[names[option]] = int(port)
        elif key == "port":
            ports[service] = int(port)
    return ports


def free_ports(count):
    """Ports the kernel says are free now (bound and released at once)."""
    sockets, ports = [], []
    for _ in range(count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        sockets.append(s)
        ports.append(s.getsockname()[1])
    for s in sockets:
        s.close()
    return ports


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(frame):
    return msgpack.unpackb(frame, raw=False, strict_map_key=False)


def envelope(source, seq, type, body, ts=0):
    """An event as its producer publishes it and events.since returns it."""
    return {"v": 1, "source": source, "seq": seq, "id": f"{source}:{seq}", "type": type, "ts": ts,
            "body": body}


class Client:
    """A DEALER that speaks REQ framing: empty delimiter, then the request.

    A DEALER (not REQ) so a test can send a frame that gets no reply and
    go on using the socket, and can pipeline requests.
    """

    def __init__(self, endpoint, unbounded=False, curve=None):
        """unbounded: no high-water mark, for a bench that keeps more
        requests in flight than the default 1,000 would queue. curve: a
        function that makes the socket a CURVE client (Keys.apply)."""
        self.endpoint = endpoint
        self.socket = CONTEXT.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        # A DEALER with no peer blocks on send: one whose every handshake
        # fails (no key for a secure service) would hang its test for
        # ever. Ten seconds make that a failure (zmq.Again) instead.
        self.socket.setsockopt(zmq.SNDTIMEO, 10000)
        if curve:
            curve(self.socket)
        if unbounded:
            self.socket.setsockopt(zmq.SNDHWM, 0)
            self.socket.setsockopt(zmq.RCVHWM, 0)
        self.socket.connect(endpoint)

    def send_raw(self, frame):
        self.socket.send_multipart([b"", frame])

    def recv_raw(self, timeout=5.0):
        if not self.socket.poll(int(timeout * 1000)):
            return None
        frames = self.socket.recv_multipart()
        assert frames[0] == b"", frames
        return frames[-1]

    def recv(self, timeout=5.0):
        frame = self.recv_raw(timeout)
        return None if frame is None else unpack(frame)

    def call(self, op, body=None, role="operator", actor="tester", id=None, timeout=5.0):
        request = {"v": 1, "id": id or uuid.uuid4().hex, "op": op, "body": body or {}}
        if role is not None or actor is not None:
            request["actor"] = {}
            if role is not None:
                request["actor"]["role"] = role
            if actor is not None:
                request["actor"]["id"] = actor
        self.send_raw(pack(request))
        reply = self.recv(timeout)
        assert reply is not None, f"no reply to {op} from {self.endpoint} within {timeout}s"
        assert reply["id"] == request["id"]
        return reply

    def close(self):
        self.socket.close(0)


# Every cluster not closed yet: at exit their processes are killed, so a
# set-up that failed half-way (a service that did not start, a fixture that
# never reached its yield) leaves no service running behind the test run.
_OPEN_CLUSTERS = weakref.WeakSet()


@atexit.register
def _kill_leftovers():
    for cluster in list(_OPEN_CLUSTERS):
        for process in cluster.processes.values():
            if process.poll() is None:
                process.kill()
                process.wait()


class Cluster:
    """The services of one test or bench: config, data dir, processes, clients."""

    def __init__(self, tmp_path, manual_clock=True, extra_config="", options=None, faults=False,
                 secure=None):
        """options: {"voting": {"complete_ballot_required": "true"}, "wsis": {...}}
        adds options to the config's sections; None for a value leaves that
        option out, at the services' default (heartbeat_ms and
        catchup_timeout_ms are short here, for quick tests). secure: the
        services get keys (tmp_path/keys) and every client a certificate
        for the role and actor it calls with."""
        options = options or {}
        if secure is None:
            # WSIS_TEST_SECURE=1 runs every test with keys (make integration-secure).
            secure = os.environ.get("WSIS_TEST_SECURE") == "1"
        self.keys = Keys(tmp_path / "keys", WSISCTL, SERVICES) if secure else None
        self.faults = faults
        self.dir = tmp_path
        self.data_dir = tmp_path / "data"
        # The bus's XSUB and XPUB, the gateway's HTTP port, then each
        # service's command port.
        ports = free_ports(3 + len(SERVICES))
        self.ports = {"xsub": ports[0], "xpub": ports[1], "http": ports[2],
                      **dict(zip(SERVICES, ports[3:]))}
        self.config = tmp_path / "wsis.cfg"
        lines = [
            "wsis",
            f"    data_dir = {self.data_dir}",
            f"    calendar = {ROOT}/configs/calendar.cfg",
            f"    clock = {'manual' if manual_clock else 'real'}",
        ]
        wsis = {"heartbeat_ms": 200, "catchup_timeout_ms": 1000,
                **({"keys": self.keys.folder} if secure else {}), **options.get("wsis", {})}
        lines += [f"    {k} = {v}" for k, v in wsis.items() if v is not None]
        lines += [
            "bus",
            f"    xsub_port = {self.ports['xsub']}",
            f"    xpub_port = {self.ports['xpub']}",
            f"    port = {self.ports['bus']}",
        ]
        for name in SERVICES[1:]:
            lines += [name, f"    port = {self.ports[name]}"]
            if name == "gateway":
                lines += [f"    http_port = {self.ports['http']}"]
            lines += [f"    {k} = {v}" for k, v in options.get(name, {}).items() if v is not None]
        self.config.write_text("\n".join(lines) + "\n" + extra_config)
        self.processes = {}
        self.clients = {}
        self.logs = {}
        _OPEN_CLUSTERS.add(self)

    def env(self):
        env = dict(os.environ)
        for key in list(env):
            if key.startswith("WSIS_") and key != "WSIS_BIN_DIR":
                del env[key]
        env["WSIS_CONFIG"] = str(self.config)
        if self.faults:
            env["WSIS_FAULT_INJECTION"] = "1"
        return env

    def fail_next_commit(self, name):
        """With faults=True: the next COMMIT of that service fails as a full
        disk would (see wsis_store_set_fault_file)."""
        assert self.faults
        (self.data_dir / f"{name}.fail-commit").write_text("")

    def commit_failed(self, name):
        """True once the service has used up the injected failure."""
        return not (self.data_dir / f"{name}.fail-commit").exists()

    def endpoint(self, name):
        return f"tcp://127.0.0.1:{self.ports[name]}"

    def start(self, *names, wait=True, timeout=15.0, args=()):
        """Starts the services named, with args on each command line
        (["--rebuild"]), and waits until each answers sys.ping."""
        for name in names:
            assert name not in self.processes or self.processes[name].poll() is not None
            log = open(self.dir / f"{name}.log", "ab")
            self.logs[name] = log
            self.processes[name] = subprocess.Popen(
                [os.path.join(BIN_DIR, f"wsis-{name}"), *args],
                env=self.env(), stdout=log, stderr=log, cwd=ROOT)
        if wait:
            for name in names:
                self.wait_ready(name, timeout)
        return self

    def start_all(self):
        return self.start(*SERVICES)

    def start_refused(self, name, timeout=20.0):
        """Runs a service that must refuse to start, with the cluster's
        config and environment, until it exits; returns (exit status, its
        stderr). One that starts instead runs until timeout and fails the
        test (subprocess.TimeoutExpired)."""
        assert name not in self.processes or self.processes[name].poll() is not None
        result = subprocess.run([os.path.join(BIN_DIR, f"wsis-{name}")], env=self.env(), cwd=ROOT,
                                capture_output=True, text=True, timeout=timeout)
        return result.returncode, result.stderr

    def curve(self, server, role="operator", actor=None):
        """What makes a socket a CURVE client of server for (role, actor),
        or None in development mode."""
        if not self.keys:
            return None
        file = self.keys.client(role or "public", actor)
        return lambda socket: self.keys.apply(socket, file, server)

    def curve_keys(self, server, role="operator", actor=None):
        """The CURVE keys a client of server for (role, actor) uses, as
        (public, secret, server's public), for a client in a process of
        its own (process_clients.py); None in development mode."""
        if not self.keys:
            return None
        return self.keys.client_keys(self.keys.client(role or "public", actor), server)

    def keyed(self, socket, server, role="operator", actor=None):
        """A socket a test drives itself, made a CURVE client of server
        with the certificate for (role, actor) when the cluster has keys;
        as it is in development mode. Before connect; returns it."""
        curve = self.curve(server, role, actor)
        if curve:
            curve(socket)
        return socket

    def serve_as(self, socket, name):
        """A stand-in for the service name: socket made a CURVE server
        with that service's own certificate when the cluster has keys (so
        its clients and the bus take it for the real one); as it is in
        development mode. Before bind; returns it."""
        if self.keys:
            public, secret = zmq.auth.load_certificate(self.keys.secret_path(name))
            socket.curve_publickey, socket.curve_secretkey = public, secret
            socket.curve_server = True
        return socket

    def client(self, name, role="operator", actor="tester"):
        """A client of one service; with keys, one per certificate."""
        key = (name, role, actor) if self.keys else name
        if key not in self.clients:
            self.clients[key] = Client(self.endpoint(name), curve=self.curve(name, role, actor))
        return self.clients[key]

    def call(self, name, op, body=None, **kwargs):
        return self.client(name, kwargs.get("role", "operator"),
                           kwargs.get("actor", "tester")).call(op, body, **kwargs)

    def wsisctl(self, *args, timeout=30):
        """Runs wsisctl to completion as an operator would, with this
        cluster's config; fails on a sanitizer report. The finished
        process (returncode, stdout, stderr as text)."""
        result = subprocess.run([WSISCTL, *args], env=self.env(), cwd=self.dir,
                                capture_output=True, text=True, timeout=timeout)
        for marker in SANITIZER_MARKERS:
            assert marker not in result.stderr, result.stderr
        return result

    def events(self, name, after=0, limit=1000):
        """Every event in the outbox of a service after seq after, read
        page by page with events.since."""
        events = []
        while True:
            reply = self.call(name, "events.since", {"after": after, "limit": limit}, role="service")
            assert reply["ok"], reply
            if not reply["body"]["events"]:
                return events
            events += reply["body"]["events"]
            after = events[-1]["seq"]

    def wait_ready(self, name, timeout=15.0):
        """Asks sys.ping until it answers: readiness by asking."""
        deadline = time.monotonic() + timeout
        probe = Client(self.endpoint(name), curve=self.curve(name))
        try:
            while time.monotonic() < deadline:
                process = self.processes.get(name)
                if process is not None and process.poll() is not None:
                    raise AssertionError(f"wsis-{name} exited with {process.returncode}: {self.log(name)}")
                probe.send_raw(pack({"v": 1, "id": "ready", "op": "sys.ping"}))
                reply = probe.recv(timeout=0.2)
                if reply and reply.get("ok"):
                    return reply
            raise AssertionError(f"wsis-{name} did not answer sys.ping within {timeout}s: {self.log(name)}")
        finally:
            probe.close()

    def log(self, name):
        path = self.dir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def peak_rss_mb(self, name):
        """The peak resident set (VmHWM) of a running service, in MiB."""
        with open(f"/proc/{self.processes[name].pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def kill(self, name, sig=signal.SIGKILL):
        process = self.processes[name]
        process.send_signal(sig)
        code = process.wait(timeout=20)
        for key in [k for k in self.clients if k == name or (isinstance(k, tuple) and k[0] == name)]:
            self.clients.pop(key).close()
        return code

    def stop(self, name):
        return self.kill(name, signal.SIGTERM)

    def close(self):
        _OPEN_CLUSTERS.discard(self)
        for client in self.clients.values():
            client.close()
        self.clients = {}
        for name, process in self.processes.items():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self.logs.values():
            log.close()
        # Under ASan/UBSan a report in any service's log fails the test that
        # ran it, even when every reply looked right.
        for name in self.logs:
            text = (self.dir / f"{name}.log").read_text(errors="replace")
            for marker in SANITIZER_MARKERS:
                assert marker not in text, f"wsis-{name}: {marker}\n{text[-4000:]}"

    def publisher(self, curve=None):
        """A PUB on the bus XSUB, as anyone may connect one in development
        mode (with keys: curve, e.g. self.curve("bus", "publisher", "app"));
        what it sends is forwarded once the XSUB's subscription has reached
        it, so send until a subscriber sees it."""
        pub = CONTEXT.socket(zmq.PUB)
        pub.setsockopt(zmq.LINGER, 0)
        if curve:
            curve(pub)
        pub.connect(f"tcp://127.0.0.1:{self.ports['xsub']}")
        return pub

    def subscribe(self, prefix=""):
        """A SUB on the bus XPUB; returns once the subscription is live."""
        sub = CONTEXT.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        if self.keys:
            self.curve("bus")(sub)
        sub.setsockopt_string(zmq.SUBSCRIBE, prefix)
        sub.setsockopt_string(zmq.SUBSCRIBE, "sys.heartbeat")
        sub.connect(f"tcp://127.0.0.1:{self.ports['xpub']}")
        # A producer's PUB filters what it sends by the subscriptions the bus
        # passed on to it, in order: a heartbeat from each running service
        # proves that this SUB's subscriptions have reached every one of
        # them (the bus's alone would prove only the bus).
        running = {name for name, process in self.processes.items() if process.poll() is None}
        heard = set()
        deadline = time.monotonic() + 10
        while not running <= heard:
            event = next_event(sub, lambda t, e: t == "sys.heartbeat",
                               timeout=max(0.0, deadline - time.monotonic()))
            assert event is not None, f"no heartbeat from {sorted(running - heard)} within 10 s"
            heard.add(event["source"])
        return sub

    def wait_until(self, predicate, timeout=20.0, what="condition"):
        """Polls a condition that is reached by asking the services."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = predicate()
            if result:
                return result
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}")


def next_event(sub, predicate=lambda topic, event: True, timeout=10.0):
    """The next event on sub that satisfies predicate, or None."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not sub.poll(int(remaining * 1000)):
            return None
        topic, frame = sub.recv_multipart()
        event = unpack(frame)
        if predicate(topic.decode(), event):
            return event


class FakeSource:
    """A stand-in producer for tests of one consumer in isolation.

    It does what a real producer does on the wire: keeps its events with
    gap-free seqs, publishes each to the bus XSUB, answers events.since and
    sys.ping on the producer's command port, and sends heartbeats (every
    200 ms, and on demand). publish=False for an event simulates a dropped PUB message,
    which the consumer must repair by catch-up. PagedSource builds its
    events on demand instead (a bench's million voters).
    """

    def __init__(self, cluster, name, heartbeats=True):
        self.heartbeats = heartbeats
        self.name = name
        self.events = []
        self.lock = threading.Lock()
        self.router = CONTEXT.socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        # With keys it is the real producer's certificate, for servers
        # and for the bus alike.
        cluster.serve_as(self.router, name).bind(cluster.endpoint(name))
        self.pub = CONTEXT.socket(zmq.PUB)
        self.pub.setsockopt(zmq.LINGER, 0)
        if cluster.keys:
            cluster.keys.apply(self.pub, name, "bus")
        self.pub.setsockopt(zmq.SNDHWM, 1000000)
        self.pub.connect(f"tcp://127.0.0.1:{cluster.ports['xsub']}")
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def emit(self, type, body, publish=True, ts=0):
        with self.lock:
            seq = len(self.events) + 1
            event = envelope(self.name, seq, type, body, ts)
            self.events.append(event)
            if publish:
                self.pub.send_multipart([type.encode(), pack(event)])
        return seq

    def heartbeat(self):
        # The lock also guards the PUB socket: the serving thread sends
        # heartbeats too, and a ZeroMQ socket is not thread-safe.
        with self.lock:
            heartbeat = envelope(self.name, 0, "sys.heartbeat", {"last_seq": len(self.events)})
            self.pub.send_multipart([b"sys.heartbeat", pack(heartbeat)])

    def page(self, after, limit):
        """The reply to events.since: at most limit events after seq after."""
        with self.lock:
            return {"events": self.events[after:after + limit], "last_seq": len(self.events)}

    def last_seq(self):
        return len(self.events)

    def _serve(self):
        poller = zmq.Poller()
        poller.register(self.router, zmq.POLLIN)
        next_heartbeat = time.monotonic()
        while self.running:
            # Like a real producer: a heartbeat every 200 ms, so a consumer
            # notices events it never saw (published before it subscribed).
            if self.heartbeats and time.monotonic() >= next_heartbeat:
                self.heartbeat()
                next_heartbeat = time.monotonic() + 0.2
            if not poller.poll(50):
                continue
            frames = self.router.recv_multipart()
            request = unpack(frames[-1])
            body = request.get("body") or {}
            if request.get("op") == "events.since":
                reply = self.page(body.get("after", 0), body.get("limit", 1000))
            else:
                reply = {"service": self.name, "version": "fake", "uptime_ms": 0,
                         "last_seq": self.last_seq()}
            self.router.send_multipart(frames[:-1] + [pack({"v": 1, "id": request.get("id", ""),
                                                            "ok": True, "body": reply})])

    def close(self):
        self.running = False
        self.thread.join(timeout=5)
        self.router.close(0)
        self.pub.close(0)


class PagedSource(FakeSource):
    """A producer that only answers events.since (and sys.ping), building
    each page of envelopes when asked from event_of(seq) -> (type, body):
    the 1,000,000 events of a bench never sit in memory.
    """

    def __init__(self, cluster, name, count, event_of):
        self.count = count
        self.event_of = event_of
        super().__init__(cluster, name, heartbeats=False)

    def page(self, after, limit):
        events = [envelope(self.name, seq, *self.event_of(seq))
                  for seq in range(after + 1, min(after + limit, self.count) + 1)]
        return {"events": events, "last_seq": self.count}

    def last_seq(self):
        return self.count
