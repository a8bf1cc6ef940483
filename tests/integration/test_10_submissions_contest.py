"""wsis-submissions: a contest entry's record says where it stands
(contest_status), learnt from nominations' and voting's events exactly
once, whichever source is caught up first; and a submissions.db of
schema version 1 is upgraded in place.

The producers are stand-ins (FakeSource) so that the order of the two
sources, and a dropped PUB message repaired by catch-up, are chosen here;
test_40_contest_status runs the same against the real services."""
import signal
import sqlite3

from wsis_harness import Cluster, FakeSource
from submissions_helpers import OPEN, Submissions, photo_body, prize_body, stocktaking_body


def _statuses(subs, ids):
    return [subs.get(i, role="public", actor=None).get("contest_status") for i in ids]


def _applied(subs, source, last_seq):
    """True once submissions applied exactly last_seq events of source."""
    return subs.ok("sys.stats")["sources"][source] == {"last_seq": last_seq, "applied": last_seq}


def _start(cluster):
    """The bus and wsis-submissions at OPEN; a registered stakeholder."""
    cluster.start("bus", "submissions")
    subs = Submissions(cluster)
    subs.set_clock(OPEN)
    return subs, subs.register()


def test_contest_status_from_either_source_first(tmp_path):
    cluster = Cluster(tmp_path)
    nominations = FakeSource(cluster, "nominations")
    voting = FakeSource(cluster, "voting")
    try:
        subs, stk = _start(cluster)
        projects = [subs.created(prize_body(stk, category="C1")) for _ in range(4)]
        photo = subs.created(photo_body(stk))
        entry = subs.created(stocktaking_body(stk))
        assert _statuses(subs, projects + [photo]) == ["submitted"] * 5
        # Only the WSIS Prizes and the Photo Contest are contests
        assert "contest_status" not in subs.get(entry)

        # Voting is caught up first (its PUB message lost: repaired by
        # catch-up), nominations after: the champions stay champions.
        voting.emit("voting.closed", {"call": "prizes-2022", "results": {},
                                      "champions": {"C1": projects[:2]}}, publish=False)
        # Another call's event names none of ours
        voting.emit("voting.closed", {"call": "prizes-2027", "results": {},
                                      "champions": {"C1": [projects[3]]}})
        cluster.wait_until(lambda: _applied(subs, "voting", 2), what="voting's events applied")
        assert _statuses(subs, projects) == ["champion", "champion", "submitted", "submitted"]

        nominations.emit("nominations.published", {"call": "prizes-2022", "categories": {"C1": projects[:3]}})
        cluster.wait_until(lambda: _applied(subs, "nominations", 1), what="the nominations applied")
        assert _statuses(subs, projects) == ["champion", "champion", "nominated", "not_nominated"]

        nominations.emit("winners.selected", {"call": "prizes-2022", "category": "C1", "winner": projects[1],
                                              "champions": projects[:2]})
        nominations.emit("photo.winners.selected", {"call": "photo-2022", "winners": [photo]})
        # Malformed bodies change nothing and stop nothing
        nominations.emit("winners.selected", {"category": "C1", "winner": projects[0]})
        voting.emit("voting.closed", {"call": "prizes-2022", "champions": ["sub-1", 7]})
        cluster.wait_until(lambda: _applied(subs, "nominations", 4) and _applied(subs, "voting", 3),
                           what="the winners applied")
        assert _statuses(subs, projects + [photo]) == ["champion", "winner", "nominated", "not_nominated",
                                                       "winner"]
        # Listings say the same as get
        listed = subs.ok("submission.list", {"call": "prizes-2022"}, role="public")["items"]
        assert {r["submission_id"]: r["contest_status"] for r in listed} == dict(zip(
            projects, ["champion", "winner", "nominated", "not_nominated"]))
        # Events keep carrying the record as submitted, never the standing
        assert all("contest_status" not in e["body"] for e in cluster.events("submissions"))

        # A crash loses nothing and applies nothing twice
        cluster.kill("submissions", signal.SIGKILL)
        cluster.start("submissions")
        subs.set_clock(OPEN)
        assert _applied(subs, "nominations", 4) and _applied(subs, "voting", 3)
        assert _statuses(subs, projects + [photo]) == ["champion", "winner", "nominated", "not_nominated",
                                                       "winner"]
    finally:
        nominations.close()
        voting.close()
        cluster.close()


def test_a_version_1_store_is_upgraded(tmp_path):
    cluster = Cluster(tmp_path)
    nominations = FakeSource(cluster, "nominations")
    try:
        subs, stk = _start(cluster)
        projects = [subs.created(prize_body(stk, category="C2")) for _ in range(2)]
        cluster.stop("submissions")

        # The store as the previous release left it: schema version 1
        path = cluster.data_dir / "submissions.db"
        db = sqlite3.connect(path)
        db.execute("ALTER TABLE submission DROP COLUMN contest_status")
        db.execute("ALTER TABLE submission DROP COLUMN contest_rank")
        db.execute("PRAGMA user_version = 1")
        db.commit()
        db.close()

        cluster.start("submissions")
        subs.set_clock(OPEN)
        assert _statuses(subs, projects) == ["submitted", "submitted"]
        assert subs.get(projects[0])["stakeholder_id"] == stk
        # (the service holds its store locked while it runs)
        cluster.stop("submissions")
        db = sqlite3.connect(path)
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        db.close()
        cluster.start("submissions")
        subs.set_clock(OPEN)

        nominations.emit("nominations.published", {"call": "prizes-2022", "categories": {"C2": projects[:1]}})
        cluster.wait_until(lambda: _applied(subs, "nominations", 1), what="the nominations applied")
        assert _statuses(subs, projects) == ["nominated", "not_nominated"]
        # The upgraded store takes new work as before
        assert subs.created(prize_body(stk, category="C3"))
    finally:
        nominations.close()
        cluster.close()
