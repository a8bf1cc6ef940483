"""wsisctl against real services: requests, ping, publish, tail, exit codes.

The tool is what operators and the compose healthchecks use, so these
tests run bin/wsisctl exactly as they would (a subprocess with only a
config file to go on) and check what a script relies on: the JSON on
stdout, one line on stderr, and the exit code (0 ok, 1 error reply,
2 usage / bad JSON / transport / timeout).
"""
import base64
import json
import subprocess
import time

from wsis_harness import SANITIZER_MARKERS, SERVICES, WSISCTL


def run(cluster, *args, input=None, timeout=30, env=None):
    """Runs wsisctl to completion; fails on any sanitizer report."""
    result = subprocess.run(
        [WSISCTL, *args], env=env or cluster.env(), cwd=cluster.dir, input=input,
        capture_output=True, text=True, timeout=timeout)
    for marker in SANITIZER_MARKERS:
        assert marker not in result.stderr, result.stderr
    return result


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def tail_while_publishing(cluster, tail_args, publish, wait):
    """Runs `wsisctl tail` and calls publish() until the tail has printed
    what it was asked for and exited, within 20 s: a SUB cannot tell when
    its subscription has reached the bus. Returns the finished tail (a
    CompletedProcess); kills it on failure."""
    tail = subprocess.Popen([WSISCTL, "tail", *tail_args], env=cluster.env(),
                            cwd=cluster.dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            publish()
            try:
                tail.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                assert time.monotonic() < deadline, "wsisctl tail printed nothing"
        out, err = tail.communicate(timeout=10)
        return subprocess.CompletedProcess(tail.args, tail.returncode, out, err)
    finally:
        if tail.poll() is None:
            tail.kill()
            tail.wait()


def test_ping_one_service(cluster):
    cluster.start("bus", "reporting")
    # -c names the file, as an operator would; the environment has none
    env = cluster.env()
    del env["WSIS_CONFIG"]
    result = run(cluster, "-c", str(cluster.config), "ping", "reporting", env=env)
    assert result.returncode == 0, result.stderr
    [line] = json_lines(result.stdout)
    assert line["service"] == "reporting"
    assert line["endpoint"] == cluster.endpoint("reporting")
    assert line["ok"] is True
    assert line["version"]
    assert line["uptime_ms"] >= 0
    assert line["last_seq"] == 0
    # One compact line: what a healthcheck log shows
    assert result.stdout.count("\n") == 1
    assert '"service":"reporting"' in result.stdout


def test_ping_all_reports_every_service_and_fails_when_some_are_down(cluster):
    cluster.start("bus", "reporting")
    started = time.monotonic()
    result = run(cluster, "--timeout", "500", "ping")
    elapsed = time.monotonic() - started
    assert result.returncode != 0
    lines = json_lines(result.stdout)
    assert [line["service"] for line in lines] == SERVICES
    for line in lines:
        assert line["endpoint"] == cluster.endpoint(line["service"])
        if line["service"] in ("bus", "reporting"):
            assert line["ok"] is True, line
            assert "uptime_ms" in line and "last_seq" in line
        else:
            assert line == {"service": line["service"], "endpoint": line["endpoint"],
                            "ok": False, "error": "timeout"}
    # The pings wait together: four dead services cost one timeout, not four
    assert elapsed < 4, elapsed

    # "all" is the same as no argument
    result = run(cluster, "--timeout", "500", "ping", "all")
    assert result.returncode != 0
    assert len(json_lines(result.stdout)) == len(SERVICES)


def test_single_request_prints_the_reply(cluster):
    cluster.start("reporting")
    result = run(cluster, "--id", "req-1", "reporting", "sys.ping")
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["v"] == 1 and reply["id"] == "req-1" and reply["ok"] is True
    assert reply["body"]["service"] == "reporting"
    # Pretty by default for a person, one line with --compact for a script
    assert result.stdout.count("\n") > 3
    result = run(cluster, "--compact", "reporting", "sys.ping", "{}")
    assert result.returncode == 0
    assert result.stdout.count("\n") == 1
    # A generated id is 16 hex characters
    generated = json.loads(result.stdout)["id"]
    assert len(generated) == 16 and int(generated, 16) >= 0


def test_unknown_op_exits_1_and_prints_the_error(cluster):
    cluster.start("reporting")
    result = run(cluster, "reporting", "no.such.op")
    assert result.returncode == 1, result.stderr
    reply = json.loads(result.stdout)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "unknown_op"


def test_forbidden_role_exits_1(cluster):
    cluster.start("bus")
    result = run(cluster, "--role", "public", "publish", "forum.x", '{"a": 1}')
    assert result.returncode == 1
    assert json.loads(result.stdout)["error"]["code"] == "forbidden"


def test_bad_json_and_bad_usage_exit_2(cluster):
    cluster.start("reporting")
    result = run(cluster, "reporting", "sys.ping", '{"after": ')
    assert result.returncode == 2
    assert result.stdout == ""
    assert "bad JSON" in result.stderr and "line 1" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

    for body in ("[1, 2]", '{"a": 1} trailing', '{"a": 1, "a": 2}', '{"x": {"$base64": "!!"}}'):
        result = run(cluster, "reporting", "sys.ping", body)
        assert result.returncode == 2, (body, result.stdout)
        assert result.stdout == ""
        assert result.stderr.startswith("wsisctl: ")

    result = run(cluster, "reporting", "sys.ping", "@" + str(cluster.dir / "missing.json"))
    assert result.returncode == 2

    for args in ([], ["nosuchservice", "sys.ping"], ["reporting"], ["--timeout", "soon", "ping"],
                 ["--role", "king", "reporting", "sys.ping"], ["ping", "nosuchservice"]):
        result = run(cluster, *args)
        assert result.returncode == 2, args
        assert "usage:" in result.stderr or result.stderr.startswith("wsisctl: "), args

    result = run(cluster, "-h")
    assert result.returncode == 0
    assert "usage:" in result.stdout


def test_body_from_file_and_stdin(cluster):
    cluster.start("bus")
    path = cluster.dir / "body.json"
    path.write_text('{"session_id": "from-file"}')
    result = run(cluster, "--compact", "publish", "forum.file", "@" + str(path))
    assert result.returncode == 0, result.stderr
    result = run(cluster, "--compact", "publish", "forum.stdin", "-",
                 input='{"session_id": "from-stdin"}')
    assert result.returncode == 0, result.stderr

    result = run(cluster, "--compact", "bus", "events.since", '{"after": 0}')
    events = json.loads(result.stdout)["body"]["events"]
    assert [(e["type"], e["body"]["session_id"]) for e in events] == [
        ("forum.file", "from-file"), ("forum.stdin", "from-stdin")]


def test_dead_endpoint_times_out(cluster):
    # Nothing listens on the voting port of this cluster
    started = time.monotonic()
    result = run(cluster, "--timeout", "700", "voting", "sys.ping")
    elapsed = time.monotonic() - started
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"wsisctl: no reply from voting ({cluster.endpoint('voting')}) within 700 ms")
    assert 0.6 < elapsed < 3, elapsed

    result = run(cluster, "--timeout", "300", "ping", "voting")
    assert result.returncode == 2
    assert json_lines(result.stdout) == [
        {"service": "voting", "endpoint": cluster.endpoint("voting"), "ok": False, "error": "timeout"}]


def test_publish_and_tail(cluster):
    cluster.start("bus")
    body = {"session_id": "s1", "speaker": "Ada Lovelace", "forum": "wsis-2022"}
    seqs = []

    def publish():
        result = run(cluster, "--compact", "publish", "forum.speaker.registered", json.dumps(body))
        assert result.returncode == 0, result.stderr
        reply = json.loads(result.stdout)
        seqs.append(reply["body"]["seq"])
        if len(seqs) == 1:
            assert reply["ok"] is True
            assert reply["body"] == {"seq": 1}
    tail = tail_while_publishing(cluster, ["--count", "1", "forum."], publish, wait=0.3)
    for marker in SANITIZER_MARKERS:
        assert marker not in tail.stderr, tail.stderr
    assert tail.returncode == 0, tail.stderr
    [line] = json_lines(tail.stdout)
    assert line["topic"] == "forum.speaker.registered"
    event = line["event"]
    assert event["source"] == "bus"
    assert event["type"] == "forum.speaker.registered"
    assert event["seq"] in seqs
    assert event["id"] == f"bus:{event['seq']}"
    assert event["body"] == dict(body, origin="wsisctl")


def test_tail_skips_heartbeats_unless_asked(cluster):
    # The cluster's heartbeat_ms is 200: several heartbeats a second
    cluster.start("bus")
    result = run(cluster, "tail", "--count", "2", "--heartbeats")
    assert result.returncode == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["topic"] for line in lines] == ["sys.heartbeat"] * 2
    assert lines[0]["event"]["source"] == "bus"

    def publish():
        result = run(cluster, "--compact", "--origin", "tester", "publish", "forum.ping", "{}")
        assert result.returncode == 0, result.stderr
    tail = tail_while_publishing(cluster, ["--count", "1"], publish, wait=0.5)
    # Heartbeats came every 200 ms meanwhile; the one line is the event
    [line] = json_lines(tail.stdout)
    assert line["topic"] == "forum.ping"
    assert line["event"]["body"] == {"origin": "tester"}


def test_bin_round_trip_through_events(cluster):
    cluster.start("bus")
    photo = bytes(range(256)) + b"\x00\xff" * 100
    encoded = base64.b64encode(photo).decode()
    body = {"session_id": "s2", "photo": {"$base64": encoded}, "empty": {"$base64": ""}}
    result = run(cluster, "--compact", "publish", "forum.photo.added", json.dumps(body))
    assert result.returncode == 0, result.stderr
    seq = json.loads(result.stdout)["body"]["seq"]

    result = run(cluster, "--compact", "bus", "events.since", '{"after":0}')
    assert result.returncode == 0, result.stderr
    reply = json.loads(result.stdout)
    assert reply["ok"] is True
    [event] = [e for e in reply["body"]["events"] if e["seq"] == seq]
    assert event["body"]["photo"] == {"$base64": encoded}
    assert event["body"]["empty"] == {"$base64": ""}
    assert base64.b64decode(event["body"]["photo"]["$base64"]) == photo


def test_ports_by_the_configuration(cluster):
    # The one list of ports scripts read (scripts/docker-lib.sh,
    # tests/wsis_harness.default_ports): the configuration's, in start
    # order, the gateway's staff listener left out while it is off.
    result = run(cluster, "ports")
    assert result.returncode == 0, result.stderr
    expected = ([f"bus/xsub_port {cluster.ports['xsub']}", f"bus/xpub_port {cluster.ports['xpub']}"]
                + [f"{name}/port {cluster.ports[name]}" for name in SERVICES]
                + [f"gateway/http_port {cluster.ports['http']}"])
    assert result.stdout.splitlines() == expected
    # Without a file, the option table's defaults (what compose.yaml publishes)
    defaults = run(cluster, "-c", "/dev/null", "ports")
    assert defaults.returncode == 0, defaults.stderr
    assert "voting/port 5562" in defaults.stdout.splitlines()
    assert "gateway/http_port 8080" in defaults.stdout.splitlines()
    refused = run(cluster, "ports", "voting")
    assert refused.returncode == 2 and "ports takes no arguments" in refused.stderr
