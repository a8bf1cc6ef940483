"""wsis-submissions: durability after kill -9, events.since replay, and
previous WSIS Prize winners (configs/previous_winners.cfg and
winners.selected)."""
import os
import signal
import subprocess

from wsis_harness import BIN_DIR, ROOT, Cluster, FakeSource, pack
from submissions_helpers import (OPEN, Submissions, ocp_body, photo_body, prize_body, start_submissions,
                                 stocktaking_body, words)


def test_kill_9_loses_nothing_and_replay_has_no_gaps(tmp_path):
    subs = start_submissions(tmp_path)
    cluster = subs.cluster
    try:
        stks = [subs.register() for _ in range(3)]
        accepted = {}
        for i in range(10):
            for make in (prize_body, stocktaking_body, photo_body, ocp_body):
                body = make(stks[i % 3])
                accepted[subs.created(body)] = body["call"]
        some = sorted(accepted)[:3]
        subs.ok("submission.update", {"submission_id": some[0], "title": "Updated before the crash"})
        subs.ok("submission.withdraw", {"submission_id": some[1]})

        # A burst in flight when the process dies: every request that got
        # an ok reply must survive; the others may or may not have landed.
        client = cluster.client("submissions")
        burst = 300
        for i in range(burst):
            body = stocktaking_body(stks[i % 3])
            client.send_raw(pack({"v": 1, "id": f"burst-{i}", "op": "submission.create", "body": body,
                                  "actor": {"role": "operator", "id": "ops"}}))
        for _ in range(burst // 3):
            reply = client.recv(timeout=10)
            assert reply["ok"], reply
            accepted[reply["body"]["submission_id"]] = "stocktaking-2022"
        assert cluster.kill("submissions", signal.SIGKILL) == -signal.SIGKILL

        cluster.start("submissions")
        subs.set_clock(OPEN)
        stored = {}
        for call in ("prizes-2022", "stocktaking-2022", "photo-2022", "ocp-2022"):
            for item in subs.list_all(call):
                stored[item["submission_id"]] = item
        for submission_id, call in accepted.items():
            assert submission_id in stored, submission_id
            assert stored[submission_id]["call"] == call
        assert stored[some[0]]["title"] == "Updated before the crash"
        assert stored[some[1]]["status"] == "withdrawn"

        # events.since replays every event, seq 1..n without a gap, in pages.
        events, after = [], 0
        while True:
            page = subs.ok("events.since", {"after": after, "limit": 77}, role="service")
            if not page["events"]:
                break
            events += page["events"]
            after = page["events"][-1]["seq"]
        n = len(events)
        assert [e["seq"] for e in events] == list(range(1, n + 1))
        assert page["last_seq"] == n == subs.last_seq()
        assert all(e["source"] == "submissions" and e["id"] == f"submissions:{e['seq']}" for e in events)
        received = [e["body"]["submission_id"] for e in events if e["type"] == "submission.received"]
        assert sorted(received) == sorted(stored)      # one event per stored submission, none twice
        assert len(set(received)) == len(received)
        assert sum(e["type"] == "stakeholder.registered" for e in events) >= 3
        for e in events:
            assert "image" not in e["body"]

        # The next event gets n + 1, live on the bus too.
        created = subs.created(ocp_body(stks[0]))
        (following,) = subs.events(after=n)
        assert following["seq"] == n + 1 and following["type"] == "submission.received"
        assert following["body"]["submission_id"] == created
        live = [e for e in subs.drain() if e["seq"] == n + 1]
        assert len(live) == 1 and live[0]["body"]["submission_id"] == created
    finally:
        subs.close()
        cluster.close()


def test_config_previous_winners_are_ineligible(tmp_path):
    winners = tmp_path / "previous_winners.cfg"
    winners.write_text(
        "#   test list\n"
        "winner\n"
        "    entity = \"Ministère du Numérique\"\n"
        "    title = \"Portail   Citoyen\"\n"
        "    year = 2019\n"
        "winner\n"
        "    entity = \"Another Org\"\n"
        "    title = \"Mesh Networks\"\n")
    subs = start_submissions(tmp_path, previous_winners=str(winners))
    try:
        stk = subs.register()
        reply = subs.refuse(lambda: subs.create(prize_body(stk, entity="ministere du numerique",
                                                           title="PORTAIL CITOYEN")), "ineligible", "title")
        assert "WSIS Prize" in reply["error"]["message"]
        subs.refuse(lambda: subs.create(prize_body(stk, entity="Another Org", title="Mesh networks!")),
                    "ineligible", "title")
        # Another project of the same entity may enter.
        subs.created(prize_body(stk, entity="Ministère du Numérique", title="Open Data Portal"))
        # Only the prizes have the rule.
        subs.created(stocktaking_body(stk, entity="Another Org", title="Mesh Networks"))
    finally:
        subs.close()
        subs.cluster.close()


def test_a_malformed_previous_winners_list_stops_the_service(tmp_path):
    path = tmp_path / "bad_winners.cfg"
    cluster = Cluster(tmp_path, options={"submissions": {"previous_winners": str(path)}})
    for text in ("award\n    entity = X\n    title = Y\n",
                 "winner\n    entity = X\n",
                 "winner\n    entity = X\n    title = Y\n    prize = gold\n"):
        path.write_text(text)
        result = subprocess.run([os.path.join(BIN_DIR, "wsis-submissions")], env=cluster.env(), cwd=ROOT,
                                capture_output=True, timeout=30, text=True)
        assert result.returncode != 0, text
        assert str(path) in result.stderr, result.stderr
    # A missing list is an empty one: the service starts.
    path.unlink()
    try:
        cluster.start("submissions")
    finally:
        cluster.close()


def test_the_default_list_ships_empty_and_loads():
    """configs/previous_winners.cfg as shipped parses (comments only)."""
    text = open(os.path.join(ROOT, "configs", "previous_winners.cfg")).read()
    assert all(not line.strip() or line.startswith("#") for line in text.splitlines())


def test_a_winner_of_an_earlier_call_is_ineligible_in_a_later_one(cluster):
    # The shipped calendar's next edition, prizes-2027, is the later call.
    nominations = FakeSource(cluster, "nominations")
    try:
        cluster.start("bus", "submissions")
        subs = Submissions(cluster)
        subs.set_clock(OPEN)
        stk = subs.register()
        won = prize_body(stk, entity="Village Telecentres", title="Rural Connect", category="C2")
        lost = prize_body(stk, entity="Village Telecentres", title="School Tablets", category="C4")
        winner = subs.created(won)
        loser = subs.created(lost)

        nominations.emit("winners.selected", {"call": "prizes-2022", "category": "C2", "winner": winner,
                                              "champions": [winner]})
        nominations.emit("winners.selected", {"call": "prizes-2022", "category": "C3", "winner": "sub-99999",
                                              "champions": []})
        nominations.emit("review.decided", {"call": "prizes-2022", "submission_id": loser, "category": "C4",
                                            "decision": "nominate"})

        def applied():
            # A PUB message sent before the bus passed the subscription on
            # is dropped; the heartbeat makes the consumer catch up.
            nominations.heartbeat()
            return subs.ok("sys.stats")["sources"]["nominations"] == {"last_seq": 3, "applied": 3}
        cluster.wait_until(applied, what="submissions to apply the nominations events")

        # The 2027 call opens; the 2022 winner may not enter it, by its
        # entity + title or by its short description.
        subs.set_clock("2026-11-29T09:00:00Z")
        subs.refuse(lambda: subs.create(prize_body(stk, call="prizes-2027", entity="village  telecentres",
                                                   title="RURAL CONNECT", category="C2")),
                    "ineligible", "title")
        subs.refuse(lambda: subs.create(prize_body(stk, call="prizes-2027", title="Rural Connect II",
                                                   short_description=won["short_description"])),
                    "ineligible", "title")
        # The project that did not win may try again.
        subs.created(dict(lost, call="prizes-2027"))

        # What was learned survives a crash (and is not applied twice).
        cluster.kill("submissions", signal.SIGKILL)
        cluster.start("submissions")
        subs.set_clock("2026-11-29T09:00:00Z")
        stats = subs.ok("sys.stats")["sources"]["nominations"]
        assert stats["last_seq"] == 3
        subs.refuse(lambda: subs.create(dict(won, call="prizes-2027")), "ineligible", "title")
        subs.close()
    finally:
        nominations.close()
