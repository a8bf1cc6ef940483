"""No event is lost or applied twice: outbox + seq + cursor + catch-up."""
import signal

from wsis_harness import Client, next_event, pack


def publish(cluster, n, id=None):
    reply = cluster.call("bus", "publish", {
        "topic": "forum.speaker.registered", "origin": "test",
        "body": {"session_id": f"s{n}", "session_title": "t", "track": "hl", "name": f"speaker {n}",
                 "gender": "female", "role": "speaker", "organization": "ITU"}},
        role="publisher", actor="forum", id=id)
    assert reply["ok"], reply
    return reply["body"]["seq"]


def applied(cluster, service, source):
    stats = cluster.call(service, "sys.stats")["body"]
    return stats["sources"][source]


def wait_applied(cluster, service, source, n):
    cluster.wait_until(lambda: applied(cluster, service, source)["last_seq"] == n,
                       what=f"{service} to apply {n} events of {source}")
    position = applied(cluster, service, source)
    stats = cluster.call(service, "sys.stats")["body"]
    assert stats["lag"][source] == 0
    return position


def test_consumer_killed_mid_stream_applies_each_event_once(cluster):
    cluster.start("bus", "reporting")
    n = 600
    for i in range(1, n + 1):
        assert publish(cluster, i) == i
        if i == 200:
            cluster.kill("reporting", signal.SIGKILL)
        if i == 400:
            cluster.start("reporting")
    position = wait_applied(cluster, "reporting", "bus", n)
    # applied counts every application; equal to n means none twice, none lost.
    assert position == {"last_seq": n, "applied": n}

    # And again after a clean restart: nothing re-applied.
    cluster.stop("reporting")
    cluster.start("reporting")
    assert wait_applied(cluster, "reporting", "bus", n) == {"last_seq": n, "applied": n}


def test_bus_killed_mid_stream_keeps_its_journal(cluster):
    cluster.start("bus", "reporting", "notifications")
    for i in range(1, 101):
        publish(cluster, i)
    cluster.kill("bus", signal.SIGKILL)
    cluster.start("bus")
    # The journal survived: seq goes on from n+1 and events.since replays 1..n.
    for i in range(101, 201):
        assert publish(cluster, i) == i
    events = []
    after = 0
    while True:
        body = cluster.call("bus", "events.since", {"after": after, "limit": 37}, role="service")["body"]
        if not body["events"]:
            break
        events += body["events"]
        after = body["events"][-1]["seq"]
    assert [e["seq"] for e in events] == list(range(1, 201))
    assert all(e["source"] == "bus" and e["id"] == f"bus:{e['seq']}" for e in events)
    assert events[150]["body"]["name"] == "speaker 151"
    for service in ("reporting", "notifications"):
        assert wait_applied(cluster, service, "bus", 200) == {"last_seq": 200, "applied": 200}


def test_consumer_started_late_catches_up_everything(cluster):
    cluster.start("bus")
    for i in range(1, 2501):
        publish(cluster, i)
    cluster.start("reporting")
    assert wait_applied(cluster, "reporting", "bus", 2500) == {"last_seq": 2500, "applied": 2500}


def test_events_reach_subscribers_with_envelope(cluster):
    cluster.start("bus")
    sub = cluster.subscribe("forum.")
    try:
        seq = publish(cluster, 1)
        event = next_event(sub, lambda t, e: t == "forum.speaker.registered")
        assert event is not None
        assert event["v"] == 1 and event["source"] == "bus" and event["seq"] == seq
        assert event["id"] == f"bus:{seq}" and event["type"] == "forum.speaker.registered"
        assert isinstance(event["ts"], int)
        assert event["body"]["name"] == "speaker 1" and event["body"]["origin"] == "test"
        heartbeat = next_event(sub, lambda t, e: t == "sys.heartbeat" and e["source"] == "bus")
        assert heartbeat["seq"] == 0 and heartbeat["body"]["last_seq"] == seq
    finally:
        sub.close()


def test_retry_with_same_id_is_not_executed_twice(cluster):
    cluster.start("bus")
    first = publish(cluster, 1, id="retry-1")
    again = publish(cluster, 1, id="retry-1")
    assert first == again == 1
    # The stored reply survives a crash: it was committed with the event.
    cluster.kill("bus", signal.SIGKILL)
    cluster.start("bus")
    assert publish(cluster, 1, id="retry-1") == 1
    # The same id with another request is another request.
    assert publish(cluster, 2, id="retry-1") == 2
    body = cluster.call("bus", "events.since", {}, role="service")["body"]
    assert body["last_seq"] == 2 and len(body["events"]) == 2


def test_publish_validation_writes_nothing(cluster):
    cluster.start("bus")
    cases = [
        ({"origin": "x", "body": {}}, "topic"),
        ({"topic": "sys.heartbeat", "origin": "x", "body": {}}, "topic"),
        ({"topic": "Bad Topic", "origin": "x", "body": {}}, "topic"),
        ({"topic": "vote.cast", "origin": "x", "body": {}}, "topic"),
        ({"topic": "submission.received", "origin": "x", "body": {}}, "topic"),
        ({"topic": "winners.selected", "origin": "x", "body": {}}, "topic"),
        ({"topic": "a.b", "body": {}}, "origin"),
        ({"topic": "a.b", "origin": "x"}, "body"),
        ({"topic": "a.b", "origin": "x", "body": [1]}, "body"),
    ]
    for body, field in cases:
        reply = cluster.call("bus", "publish", body, role="publisher")
        assert reply["ok"] is False
        assert reply["error"]["code"] == "validation" and reply["error"]["field"] == field, reply
    assert cluster.call("bus", "events.since", {}, role="service")["body"] == {"events": [], "last_seq": 0}


def test_fire_and_forget_publishing_reaches_consumers_best_effort(cluster):
    """A PUB straight into XSUB is forwarded (without journal or seq)."""
    cluster.start("bus")
    sub = cluster.subscribe("external.")
    # With keys, another system's publisher certificate, under a source of
    # its own (docs/protocol.md, notes on the bus journal).
    pub = cluster.publisher(cluster.curve("bus", "publisher", "app"))
    try:
        def seen():
            pub.send_multipart([b"external.ping", pack({"source": "external", "hello": 1})])
            return sub.poll(100) and sub.recv_multipart()[0] == b"external.ping"
        cluster.wait_until(seen, what="a fire-and-forget event to pass the proxy")
    finally:
        pub.close()
        sub.close()


def test_gap_and_lost_last_event_are_repaired_by_catch_up(cluster):
    """A dropped PUB message (a gap) and a lost last event (seen only in a
    heartbeat) are both fetched with events.since, in order, once."""
    from wsis_harness import FakeSource
    cluster.start("bus", "voting")
    source = FakeSource(cluster, "submissions")
    try:
        for i in range(1, 21):
            source.emit("stakeholder.registered", {"stakeholder_id": f"stk-{i}"}, publish=i not in (5, 6, 13))
        assert wait_applied(cluster, "voting", "submissions", 20) == {"last_seq": 20, "applied": 20}
        source.emit("stakeholder.registered", {"stakeholder_id": "stk-21"}, publish=False)
        source.heartbeat()
        assert wait_applied(cluster, "voting", "submissions", 21) == {"last_seq": 21, "applied": 21}
    finally:
        source.close()


def test_source_down_does_not_stall_the_consumer(cluster):
    """Catch-up is asynchronous: with its source unreachable a consumer
    still answers at once, and catches up when the source comes back."""
    from wsis_harness import FakeSource
    cluster.start("bus", "voting")
    # nominations is not running: voting's catch-up requests go unanswered.
    for _ in range(20):
        assert cluster.call("voting", "sys.ping", timeout=1.0)["ok"]
    source = FakeSource(cluster, "nominations")
    try:
        for i in range(1, 6):
            source.emit("nominations.published", {"call": "x", "n": i}, publish=False)
        source.heartbeat()
        assert wait_applied(cluster, "voting", "nominations", 5) == {"last_seq": 5, "applied": 5}
    finally:
        source.close()
