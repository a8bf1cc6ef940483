"""wsis-reporting over a whole WSIS Prizes year, every service real: the
contest of contest_helpers runs while reporting is killed after the
nominations and started again after the vote; every report then matches
what an outside client computes from its own requests, a forged vote
changes nothing, and a rebuild from the event logs gives the same bytes.
"""
import re
import signal

import msgpack
import pytest
import zmq

from contest_helpers import VOTES, run_contest
from nominations_helpers import CATEGORIES
from wsis_harness import CONTEXT, SERVICES, Cluster, envelope, pack

PRIZES = "prizes-2022"


@pytest.fixture(scope="module")
def year(tmp_path_factory):
    """The contest, once for every test of this module."""
    c = Cluster(tmp_path_factory.mktemp("year"))
    try:
        c.start(*SERVICES)
        events = c.subscribe("")

        def between(phase):
            if phase == "published":
                c.kill("reporting", signal.SIGKILL)
            if phase == "voted":
                c.start("reporting")
        known = run_contest(c, events, between)
        events.close()
        c.wait_until(lambda: caught_up(c), what="reporting to apply every event")
        yield c, known
    finally:
        c.close()


def caught_up(c):
    stats = c.call("reporting", "sys.stats")["body"]
    for source in ("submissions", "nominations", "voting"):
        head = c.call(source, "sys.ping")["body"]["last_seq"]
        if stats["sources"][source]["last_seq"] != head or stats["sources"][source]["applied"] != head:
            return False
    return True


def report(c, op, body):
    reply = c.call("reporting", op, body, role="public")
    assert reply["ok"], reply
    return reply["body"]


def test_the_summary_counts_what_was_done(year):
    c, known = year
    summary = report(c, "report.summary", {"call": PRIZES})
    projects = known["projects"]
    assert summary["by_status"] == {"received": sum(len(p) for p in projects.values()), "withdrawn": 0}
    assert summary["by_category"] == {cat: len(ids) for cat, ids in projects.items()}
    assert summary["nominated"] == {cat: 20 if cat == "C1" else 7 for cat in CATEGORIES}
    assert summary["votes"] == sum(VOTES) * len(CATEGORIES)
    assert summary["voters"] == sum(VOTES)
    assert summary["voting_closed"] is True
    assert summary["champions"] == 5 * len(CATEGORIES) and summary["winners"] == len(CATEGORIES)
    assert summary["headline"] == f"{summary['by_status']['received']} projects from 2 countries"


def test_the_matrix_cell_by_cell(year):
    c, known = year
    # Every project of the contest links SDGs 9 and 4 (prize_body).
    expected = {str(sdg): {cat: (len(known["projects"][cat]) if sdg in (4, 9) else 0)
                           for cat in CATEGORIES} for sdg in range(1, 18)}
    matrix = report(c, "report.sdg_matrix", {"call": PRIZES})
    assert matrix["matrix"] == expected
    assert matrix["total"] == 2 * sum(len(p) for p in known["projects"].values())


def test_the_results_name_the_champions_and_winners(year):
    c, known = year
    results = report(c, "report.results", {"call": PRIZES})
    assert results["votes"] == sum(VOTES) * len(CATEGORIES)
    for category in CATEGORIES:
        entry = results["categories"][category]
        assert [ch["submission_id"] for ch in entry["champions"]] == known["projects"][category][:5]
        assert [ch["votes"] for ch in entry["champions"]] == VOTES[:5]
        assert [ch["rank"] for ch in entry["champions"]] == [1, 2, 3, 4, 5]
        assert entry["winner"]["submission_id"] == known["winners"][category]
        assert entry["winner"]["tie"] is (category == "C3")


def test_the_publication_names_exactly_the_winners_and_champions(year):
    c, known = year
    text = report(c, "report.publication", {"call": PRIZES, "format": "md"})["data"]
    champions = {sid for ids in known["projects"].values() for sid in ids[:5]}
    others = {sid for ids in known["projects"].values() for sid in ids[5:]}
    assert len(champions) == 90 and len(set(known["winners"].values())) == 18
    def named(sid):
        return re.search(rf"(?<![\w-]){re.escape(sid)}(?!\w)", text) is not None
    assert all(named(sid) for sid in champions)
    assert not [sid for sid in others if named(sid)]
    html = report(c, "report.publication", {"call": PRIZES, "format": "html"})
    assert html["content_type"].startswith("text/html")
    assert "<script" not in html["data"]


def test_a_forged_vote_changes_no_count(year):
    c, known = year
    before = report(c, "report.summary", {"call": PRIZES})
    ignored = c.call("reporting", "sys.stats")["body"]["events_ignored"]
    # Straight into the bus XSUB, posing as wsis-voting with a seq from
    # the past: the cursor has seen it.
    pub = CONTEXT.socket(zmq.PUB)
    pub.setsockopt(zmq.LINGER, 0)
    pub.connect(f"tcp://127.0.0.1:{c.ports['xsub']}")
    forged = envelope("voting", 1, "vote.cast", {"call": PRIZES, "category": "C1",
                                                  "submission_id": known["projects"]["C1"][6],
                                                  "receipt": "x", "new_voter": True})
    sub = c.subscribe("vote.cast")
    for _ in range(50):
        pub.send_multipart([b"vote.cast", pack(forged)])
        if sub.poll(100):
            break
    sub.close()
    pub.close(0)
    # Through the journal: the bus refuses a topic of a wsis service.
    reply = c.call("bus", "publish", {"topic": "vote.cast", "origin": "evil",
                                      "body": {"call": PRIZES, "category": "C1",
                                               "submission_id": known["projects"]["C1"][6]}},
                   role="publisher")
    assert reply["error"]["code"] == "validation"
    # One the journal takes, of a type reporting does not read from the bus.
    assert c.call("bus", "publish", {"topic": "forum.vote.cast", "origin": "evil",
                                     "body": {"call": PRIZES}}, role="publisher")["ok"]
    c.wait_until(lambda: c.call("reporting", "sys.stats")["body"]["events_ignored"] > ignored,
                 what="the journalled event counted as ignored")
    assert report(c, "report.summary", {"call": PRIZES}) == before


def all_reports(c):
    """Every report of the year as the bytes of its body."""
    asks = [("report.summary", {"call": PRIZES}), ("report.results", {"call": PRIZES})]
    for fmt in ("json", "csv", "svg"):
        asks += [("report.sdg_matrix", {"call": PRIZES, "format": fmt}),
                 ("report.sdg_matrix", {"format": fmt}),
                 ("report.gender", {"format": fmt})]
    asks += [("report.publication", {"call": PRIZES, "format": fmt}) for fmt in ("md", "html")]
    asks += [("report.women_in_tech", {})]
    return {f"{op} {body}": msgpack.packb(report(c, op, body)) for op, body in asks}


def test_a_rebuild_gives_the_same_bytes(year):
    c, known = year
    before = all_reports(c)
    c.stop("reporting")
    c.start("reporting", args=["--rebuild"])
    c.wait_until(lambda: caught_up(c), what="the rebuild to apply every event")
    after = all_reports(c)
    assert after.keys() == before.keys()
    for key in before:
        assert after[key] == before[key], key
