"""wsis-reporting over a whole WSIS Prizes year, every service real: the
contest of contest_helpers runs while reporting is killed after the
nominations and started again after the vote; every report then matches
what an outside client computes from its own requests, a forged vote
changes nothing, and a rebuild from the event logs gives the same bytes.
"""
import csv
import io
import re
import signal

import msgpack
import pytest
import zmq

from contest_helpers import CRITERIA, VOTES, run_contest
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


def counted(values):
    out = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out


def nominated_ids(known):
    """What was published: every project but the last of C1 (rejected)."""
    return [sid for cat, ids in known["projects"].items() for sid in (ids[:20] if cat == "C1" else ids)]


def test_the_summary_counts_what_was_done(year):
    c, known = year
    summary = report(c, "report.summary", {"call": PRIZES})
    projects = known["projects"]
    bodies = [known["bodies"][sid] for ids in projects.values() for sid in ids]
    assert summary["by_status"] == {"received": len(bodies), "withdrawn": 0}
    assert summary["by_kind"] == {"prize": len(bodies)}
    assert summary["by_category"] == {cat: len(ids) for cat, ids in projects.items()}
    assert summary["by_stakeholder_type"] == counted(b["stakeholder_type"] for b in bodies)
    assert summary["by_region"] == counted(b["region"] for b in bodies)
    assert summary["by_country"] == counted(b["country"] for b in bodies)
    assert len(summary["by_stakeholder_type"]) == 5 and len(summary["by_country"]) == 8
    assert summary["countries"] == len({b["country"] for b in bodies})
    assert summary["nominated"] == {cat: 20 if cat == "C1" else 7 for cat in CATEGORIES}
    nominated = [known["bodies"][sid] for sid in nominated_ids(known)]
    assert summary["nominated_by_stakeholder_type"] == counted(b["stakeholder_type"] for b in nominated)
    assert summary["nominated_by_region"] == counted(b["region"] for b in nominated)
    assert summary["votes"] == sum(VOTES) * len(CATEGORIES)
    assert summary["voters"] == sum(VOTES)
    assert summary["voting_closed"] is True
    assert summary["champions"] == 5 * len(CATEGORIES) and summary["winners"] == len(CATEGORIES)
    assert summary["headline"] == f"{len(bodies)} projects from {summary['countries']} countries"
    assert summary["hltf"] == {"total": 0, "by_stakeholder_type": {}, "by_gender": {}}
    assert summary["trendsetters"] == {"total": 0, "by_gender": {}} and summary["ocp_by_request"] == {}
    entries = [known["bodies"][sid] for sid in known["stocktaking"]]
    stocktaking = report(c, "report.summary", {"call": "stocktaking-2022"})
    assert stocktaking["by_status"] == {"received": len(entries), "withdrawn": 0}
    assert stocktaking["by_stakeholder_type"] == counted(b["stakeholder_type"] for b in entries)
    assert stocktaking["by_region"] == counted(b["region"] for b in entries)
    assert stocktaking["by_country"] == counted(b["country"] for b in entries)
    countries = len({b["country"] for b in entries})
    assert stocktaking["headline"] == f"{len(entries)} entries from {countries} countries"
    assert stocktaking["votes"] == 0 and stocktaking["nominated"] == {}


def expected_matrix(known, call=None, kind=None):
    """The WSIS-SDG matrix as an outside client computes it from what it
    submitted: each live submission once in the cell of each of its SDGs
    and each of its Action Lines."""
    matrix = {str(sdg): {cat: 0 for cat in CATEGORIES} for sdg in range(1, 18)}
    for body in known["bodies"].values():
        body_kind = "prize" if body["call"] == PRIZES else "stocktaking"
        if (call and body["call"] != call) or (kind and body_kind != kind):
            continue
        for sdg in body["sdgs"]:
            for category in ([body["category"]] if body_kind == "prize" else body["action_lines"]):
                matrix[str(sdg)][category] += 1
    return matrix


@pytest.mark.parametrize("asked", [{}, {"call": PRIZES}, {"kind": "prize"}, {"kind": "stocktaking"},
                                   {"call": "stocktaking-2022"}, {"call": "stocktaking-2022", "kind": "prize"},
                                   {"call": PRIZES, "kind": "prize"}])
def test_the_matrix_cell_by_cell(year, asked):
    c, known = year
    expected = expected_matrix(known, asked.get("call"), asked.get("kind"))
    matrix = report(c, "report.sdg_matrix", asked)
    assert (matrix["call"], matrix["kind"]) == (asked.get("call"), asked.get("kind"))
    assert matrix["matrix"] == expected
    assert matrix["total"] == sum(sum(row.values()) for row in expected.values())
    table = list(csv.reader(io.StringIO(report(c, "report.sdg_matrix", {**asked, "format": "csv"})["data"],
                                        newline="")))
    assert table[0] == ["SDG"] + CATEGORIES
    assert table[1:] == [[f"SDG {sdg}"] + [str(expected[str(sdg)][cat]) for cat in CATEGORIES]
                         for sdg in range(1, 18)]


def test_the_contest_fills_the_matrix(year):
    """The matrix check above means something: many cells, of both kinds."""
    _, known = year
    both = expected_matrix(known)
    prize, stocktaking = expected_matrix(known, kind="prize"), expected_matrix(known, kind="stocktaking")
    filled = [(sdg, cat) for sdg, row in both.items() for cat, n in row.items() if n]
    assert len(filled) > 100 and len({sdg for sdg, _ in filled}) == 17
    assert any(prize[s][k] and stocktaking[s][k] for s, k in filled)
    assert any(stocktaking[s][k] and not prize[s][k] for s, k in filled)


def test_the_results_name_the_champions_and_winners(year):
    c, known = year
    results = report(c, "report.results", {"call": PRIZES})
    assert results["votes"] == sum(VOTES) * len(CATEGORIES)
    assert results["voters"] == sum(VOTES) and results["voting_closed"] is True
    assert results["photo_winners"] == []
    for category in CATEGORIES:
        entry = results["categories"][category]
        ids = known["projects"][category]
        assert [ch["submission_id"] for ch in entry["champions"]] == ids[:5]
        assert [ch["votes"] for ch in entry["champions"]] == VOTES[:5]
        assert [ch["rank"] for ch in entry["champions"]] == [1, 2, 3, 4, 5]
        assert [ch["title"] for ch in entry["champions"]] == [known["bodies"][sid]["title"] for sid in ids[:5]]
        winner = entry["winner"]
        assert winner["submission_id"] == known["winners"][category]
        assert winner["title"] == known["bodies"][winner["submission_id"]]["title"]
        assert winner["tie"] is (category == "C3")
        assert winner["settled_by"] == ("staff, among the tied champions" if category == "C3"
                                        else "the highest mean of the experts' scores")
        # Every expert who scored the winner gave 10 on each criterion
        # (contest_helpers): the mean total is 7 x 10.
        assert winner["mean"] == len(CRITERIA) * 10
        assert winner["mean"] == round(known["selected"][category]["scores"][winner["submission_id"]], 2)


def export(c, dataset, **body):
    reply = c.call("reporting", "report.export", {"dataset": dataset, "call": PRIZES, **body}, role="staff")
    assert reply["ok"], reply
    return reply["body"], list(csv.reader(io.StringIO(reply["body"]["data"], newline="")))


def test_the_exports_of_the_year(year):
    c, known = year
    projects = known["projects"]
    body, rows = export(c, "nominations")
    assert rows == [["category", "count"]] + [[cat, str(20 if cat == "C1" else 7)] for cat in sorted(CATEGORIES)]
    assert body["rows"] == 18 and body["next"] is None
    body, rows = export(c, "results")
    expected = []
    for category in sorted(CATEGORIES):
        champions = list(enumerate(projects[category][:5], start=1))
        winner = known["winners"][category]
        for rank, sid in sorted(champions, key=lambda rc: (rc[1] != winner, rc[0])):
            expected.append([category, sid, known["bodies"][sid]["title"], str(rank), str(VOTES[rank - 1]),
                             "yes" if sid == winner else "no"])
    assert rows[0] == ["category", "submission_id", "title", "rank", "votes", "winner"]
    assert rows[1:] == expected and body["rows"] == 90
    body, rows = export(c, "votes", limit=5000)
    voted = {(cat, sid, str(votes)) for cat in CATEGORIES for sid, votes in zip(projects[cat], VOTES)}
    assert {(r[0], r[1], r[3]) for r in rows[1:] if r[3] != "0"} == voted
    assert all(r[1] in nominated_ids(known) for r in rows[1:])
    # Submissions in order of arrival, a page of 100 at a time: every row once.
    seen, after = [], 0
    while after is not None:
        body, rows = export(c, "submissions", after=after, limit=100)
        seen += rows[1:]
        after = body["next"]
    assert [r[0] for r in seen] == [sid for cat in CATEGORIES for sid in projects[cat]]
    assert all(r[9] == known["bodies"][r[0]]["title"] and r[8] == known["bodies"][r[0]]["country"] for r in seen)
    assert {r[3] for r in seen} == {"received"}


def test_the_gender_of_contacts_and_stakeholders(year):
    c, known = year
    groups = {g["group"]: g for g in report(c, "report.gender", {"call": PRIZES})["groups"]}
    # Every contact and every stakeholder of the contest is a woman
    # (submissions_helpers).
    count = len(known["bodies"]) - len(known["stocktaking"])
    assert groups["WSIS Prizes contacts"] == {"group": "WSIS Prizes contacts", "female": count, "male": 0,
                                              "non_binary": 0, "undisclosed": 0, "given": count, "share": 1.0}
    assert groups["Registered stakeholders"]["female"] == len(known["voters"]) + 1
    assert groups["HLTF nominees"]["given"] == 0 and groups["OCP speakers"]["given"] == 0


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
