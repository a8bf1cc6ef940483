"""The past and the present of the event stream, as an operator reads
them: `wsisctl history SERVICE` pages through a service's outbox
(events.since), `wsisctl tail --since N` replays it and then follows the
bus with no event missed and none printed twice, and sys.stats says from
when its counters count (docs/protocol.md sections 3 and 4).
"""
import json
import subprocess
import threading
from datetime import datetime

from submissions_helpers import stakeholder_body
from wsis_harness import SANITIZER_MARKERS, WSISCTL, pack, unpack

TOPIC = "forum.speaker.registered"


def events_of(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def publish(cluster, count, topic=TOPIC, first=0):
    """count events through the bus journal, all requests in flight at
    once (the bus commits them in batches); returns their seqs."""
    client = cluster.client("bus")
    for i in range(first, first + count):
        client.send_raw(pack({"v": 1, "id": f"{topic}-{i}", "op": "publish",
                              "actor": {"role": "operator", "id": "tester"},
                              "body": {"topic": topic, "origin": "test", "body": {"n": i}}}))
    seqs = []
    for _ in range(count):
        reply = unpack(client.recv_raw(timeout=30))
        assert reply["ok"], reply
        seqs.append(reply["body"]["seq"])
    return sorted(seqs)


def test_history_pages_through_a_service_up_to_its_head(cluster):
    cluster.start("bus", "reporting")
    assert publish(cluster, 1205) == list(range(1, 1206))
    # Every event, over two pages of events.since, oldest first, each once
    everything = cluster.wsisctl("history", "bus")
    assert everything.returncode == 0, everything.stderr
    lines = events_of(everything)
    assert [line["event"]["seq"] for line in lines] == list(range(1, 1206))
    assert all(line["topic"] == TOPIC == line["event"]["type"] for line in lines)
    assert [line["event"]["body"]["n"] for line in lines] == list(range(1205))
    # A window: after seq 990, at most 20 (across the page boundary)
    window = cluster.wsisctl("history", "bus", "--since", "990", "--limit", "20")
    assert window.returncode == 0, window.stderr
    assert [line["event"]["seq"] for line in events_of(window)] == list(range(991, 1011))
    # The tail end, and past the head: nothing, and that is not an error
    end = cluster.wsisctl("history", "bus", "--since", "1200", "--limit", "1000")
    assert [line["event"]["seq"] for line in events_of(end)] == list(range(1201, 1206))
    past = cluster.wsisctl("history", "bus", "--since", "5000")
    assert past.returncode == 0 and past.stdout == ""
    # A service that produced nothing
    empty = cluster.wsisctl("history", "reporting")
    assert empty.returncode == 0 and empty.stdout == ""


def test_history_refusals_and_usage(cluster):
    cluster.start("bus")
    publish(cluster, 3)
    # events carry personal data: a role that may not read them is told so
    refused = cluster.wsisctl("--role", "staff", "history", "bus")
    assert refused.returncode == 1 and refused.stdout == ""
    assert "bus refused events.since: forbidden" in refused.stderr
    down = cluster.wsisctl("--timeout", "300", "history", "voting")
    assert down.returncode == 2 and "no reply from voting" in down.stderr
    for args in (["history"], ["history", "ballots"], ["history", "bus", "voting"],
                 ["history", "bus", "--limit", "0"], ["history", "bus", "--since", "-1"]):
        result = cluster.wsisctl(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stdout == ""


def run_tail(cluster, *args, while_running=None, done=None):
    """Runs `wsisctl tail ARGS` to completion (it must have a --count);
    while_running() is called meanwhile, from another thread; done (an
    Event) is set once the tail has ended."""
    tail = subprocess.Popen([WSISCTL, "tail", *args], env=cluster.env(), cwd=cluster.dir,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    worker = threading.Thread(target=while_running) if while_running else None
    if worker:
        worker.start()
    try:
        out, err = tail.communicate(timeout=60)
    finally:
        if tail.poll() is None:
            tail.kill()
            tail.wait()
        if done:
            done.set()
        if worker:
            worker.join(timeout=60)
    for marker in SANITIZER_MARKERS:
        assert marker not in err, err
    assert tail.returncode == 0, err
    return [json.loads(line) for line in out.splitlines()]


def test_tail_since_replays_then_follows_without_gap_or_repeat(cluster):
    cluster.start("bus")
    publish(cluster, 1500)

    # 500 more are published while the tail starts, replays its two pages
    # and goes live: some land in its replay, some in the SUB's queue
    # during the replay, some after. Every one is printed exactly once,
    # in order.
    def more():
        for batch in range(10):
            publish(cluster, 50, first=1500 + 50 * batch)
    lines = run_tail(cluster, "--since", "0", "--count", "2000", "bus", while_running=more)
    assert [line["event"]["seq"] for line in lines] == list(range(1, 2001))
    assert [line["event"]["body"]["n"] for line in lines] == list(range(2000))

    # From the middle: only what came after
    lines = run_tail(cluster, "--since", "1990", "--count", "15", "bus",
                     while_running=lambda: publish(cluster, 5, first=2000))
    assert [line["event"]["seq"] for line in lines] == list(range(1991, 2006))


def register(cluster):
    reply = cluster.call("submissions", "stakeholder.register", stakeholder_body(),
                         role="public", actor=None)
    assert reply["ok"], reply
    return reply["body"]["stakeholder_id"]


def test_tail_since_of_every_service_with_a_prefix(cluster):
    cluster.start("bus", "submissions")
    publish(cluster, 30)
    publish(cluster, 10, topic="forum.session.opened")
    ids = [register(cluster) for _ in range(4)]

    # Every producer is replayed: the bus's 40 and submissions' 4
    lines = run_tail(cluster, "--since", "0", "--count", "44")
    by_source = {}
    for line in lines:
        by_source.setdefault(line["event"]["source"], []).append(line["event"]["seq"])
    assert by_source == {"bus": list(range(1, 41)), "submissions": [1, 2, 3, 4]}
    assert sorted(line["event"]["body"]["stakeholder_id"] for line in lines
                  if line["topic"] == "stakeholder.registered") == sorted(ids)

    # A prefix chooses topics in the replay and live alike; a live event
    # of the prefix comes after the replayed ones
    lines = run_tail(cluster, "--since", "0", "--count", "11", "forum.session.",
                     while_running=lambda: publish(cluster, 1, topic="forum.session.opened", first=99))
    assert [line["topic"] for line in lines] == ["forum.session.opened"] * 11
    assert [line["event"]["seq"] for line in lines] == list(range(31, 41)) + [41]
    # Without --since a service's name follows that source, live: the
    # bus's events are not its (a SUB cannot say when it is subscribed, so
    # both keep coming until the tail has printed one)
    stop = threading.Event()

    def both():
        n = 300
        while not stop.is_set():
            publish(cluster, 1, first=n)
            register(cluster)
            n += 1
            stop.wait(0.2)
    lines = run_tail(cluster, "--count", "2", "submissions", while_running=both, done=stop)
    assert [line["event"]["source"] for line in lines] == ["submissions"] * 2
    assert lines[0]["event"]["seq"] > 4 and lines[1]["event"]["seq"] == lines[0]["event"]["seq"] + 1


def test_stats_say_since_when_they_count(cluster):
    cluster.start("bus", "reporting")
    publish(cluster, 3)
    cluster.wait_until(lambda: cluster.call("reporting", "sys.stats")["body"]["sources"]["bus"]
                       ["applied"] == 3, what="reporting applies the bus's events")
    for _ in range(50):
        cluster.call("reporting", "sys.ping")
    before = cluster.call("reporting", "sys.stats")["body"]
    # The wall-clock start of the process, though the service clock is
    # manual (still 1970 here)
    started = datetime.fromisoformat(before["since"].replace("Z", "+00:00"))
    assert started.year >= 2026
    assert before["requests"] > 50

    cluster.stop("reporting")
    cluster.start("reporting")
    after = cluster.call("reporting", "sys.stats")["body"]
    # Counted since this start: a later since, and counts begun again (the
    # harness's readiness pings and this request)
    assert datetime.fromisoformat(after["since"].replace("Z", "+00:00")) >= started
    assert after["requests"] < 10 and after["errors"] == 0
    assert after["catchups"]["bus"] <= before["catchups"]["bus"] + 1
    # Kept in the store: what was applied, and where each source stands
    assert after["sources"]["bus"] == {"last_seq": 3, "applied": 3}
    assert after["events_applied"] == before["events_applied"]
