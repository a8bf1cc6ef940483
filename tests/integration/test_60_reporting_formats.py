"""wsis-reporting: the reports in every format, checked with real readers.

wsis-submissions, wsis-nominations and wsis-voting are stood in for by
FakeSource; the Forum's speakers come through the real bus journal as an
outside system publishes them. SVGs are parsed as XML and rendered by
rsvg-convert; the HTML publication is opened in headless Chromium and a
screenshot of its first page kept under build/artifacts/; CSV goes back
through Python's csv module.
"""
import csv
import io
import os
import shutil
import subprocess
import xml.etree.ElementTree as ElementTree

import pytest

from nominations_helpers import CATEGORIES, photo, project
from wsis_harness import ROOT, FakeSource

PRIZES = "prizes-2022"
HOSTILE = 'Ōsaka, 東京 "quoted"\nsecond line, <b>not bold</b> & # not a heading'


@pytest.fixture
def year(cluster):
    cluster.start("bus")
    fakes = {name: FakeSource(cluster, name) for name in ("submissions", "nominations", "voting")}
    cluster.start("reporting")
    yield cluster, fakes
    for fake in fakes.values():
        fake.close()


def applied(c, source, seq):
    return c.call("reporting", "sys.stats")["body"]["sources"][source]["last_seq"] >= seq


def report(c, op, body, role="public"):
    reply = c.call("reporting", op, body, role=role)
    assert reply["ok"], reply
    return reply["body"]


def small_year(c, fakes):
    """Three prize projects (one with a hostile title), two Stocktaking
    entries, a photo; nominated, voted, closed, a winner."""
    subs, noms, vote = fakes["submissions"], fakes["nominations"], fakes["voting"]
    subs.emit("stakeholder.registered", {"stakeholder_id": "stk-1", "name": "A", "email": "a@x.org",
                                         "type": "academia", "country": "KE", "region": "africa",
                                         "gender": "female"})
    subs.emit("submission.received", project(1, title=HOSTILE, country="JP"))
    subs.emit("submission.received", project(2, category="C3", country="KE"))
    subs.emit("submission.received", project(3, category="C3", country="BR"))
    for n, lines in ((4, ["C1", "e-gov"]), (5, ["C3"])):
        subs.emit("submission.received", {
            "submission_id": f"sub-{n}", "call": "stocktaking-2022", "kind": "stocktaking",
            "title": f"Entry {n}", "sdgs": [1, 5], "action_lines": lines, "country": "IN",
            "entity": "Org", "stakeholder_type": "government", "region": "asia_pacific",
            "contact": {"name": "C", "email": "c@x.org", "gender": "male"}})
    subs.emit("submission.received", photo(6))
    noms.emit("nominations.published", {"call": PRIZES, "categories": {"C1": ["sub-1"],
                                                                       "C3": ["sub-2", "sub-3"]}})
    for sid, cat in (("sub-1", "C1"), ("sub-2", "C3"), ("sub-2", "C3"), ("sub-3", "C3")):
        vote.emit("vote.cast", {"call": PRIZES, "category": cat, "submission_id": sid,
                                "receipt": "r", "new_voter": sid == "sub-1"})
    vote.emit("voting.closed", {
        "call": PRIZES, "champions": {"C1": ["sub-1"], "C3": ["sub-2", "sub-3"]},
        "results": {"C1": [{"submission_id": "sub-1", "votes": 1, "rank": 1}],
                    "C3": [{"submission_id": "sub-2", "votes": 2, "rank": 1},
                           {"submission_id": "sub-3", "votes": 1, "rank": 2}]},
        "votes": 4, "voters": 1})
    seq = noms.emit("winners.selected", {"call": PRIZES, "category": "C1", "winner": "sub-1",
                                         "champions": ["sub-1"], "scores": {"sub-1": 8.25},
                                         "tie": False})
    c.wait_until(lambda: applied(c, "nominations", seq) and applied(c, "voting", 5)
                 and applied(c, "submissions", 7), what="the year applied")


def test_the_svgs_parse_and_render(year, tmp_path):
    c, fakes = year
    small_year(c, fakes)
    for op in ("report.sdg_matrix", "report.gender"):
        svg = report(c, op, {"format": "svg"})
        assert svg["content_type"] == "image/svg+xml"
        root = ElementTree.fromstring(svg["data"])
        assert root.tag.endswith("svg")
        path = tmp_path / f"{op}.svg"
        path.write_text(svg["data"])
        png = tmp_path / f"{op}.png"
        subprocess.run(["rsvg-convert", "-o", str(png), str(path)], check=True)
        assert png.stat().st_size > 1000
    matrix = report(c, "report.sdg_matrix", {"format": "json"})["matrix"]
    assert matrix["9"]["C1"] == 1 and matrix["9"]["C3"] == 2 and matrix["5"]["e-gov"] == 1
    assert matrix["1"]["C3"] == 1 and matrix["2"]["C1"] == 0
    only = report(c, "report.sdg_matrix", {"kind": "stocktaking"})["matrix"]
    assert only["9"]["C1"] == 0 and only["1"]["C1"] == 1
    table = list(csv.reader(io.StringIO(report(c, "report.sdg_matrix", {"format": "csv"})["data"])))
    assert table[0] == ["SDG"] + CATEGORIES and len(table) == 18
    assert table[9][1] == "1"


def test_csv_exports_round_trip(year):
    c, fakes = year
    small_year(c, fakes)
    export = report(c, "report.export", {"dataset": "submissions", "call": PRIZES}, role="staff")
    rows = list(csv.DictReader(io.StringIO(export["data"], newline="")))
    assert [r["submission_id"] for r in rows] == ["sub-1", "sub-2", "sub-3"]
    assert rows[0]["title"] == HOSTILE
    assert export["next"] is None
    page = report(c, "report.export", {"dataset": "submissions", "call": PRIZES, "limit": 2},
                  role="staff")
    assert page["rows"] == 2 and page["next"] == 2
    rest = report(c, "report.export", {"dataset": "submissions", "call": PRIZES, "after": 2},
                  role="staff")
    assert [r["submission_id"] for r in csv.DictReader(io.StringIO(rest["data"], newline=""))] == ["sub-3"]
    votes = list(csv.DictReader(io.StringIO(report(c, "report.export", {
        "dataset": "votes", "call": PRIZES}, role="staff")["data"], newline="")))
    assert {(r["submission_id"], r["votes"]) for r in votes} == {("sub-1", "1"), ("sub-2", "2"), ("sub-3", "1")}
    assert c.call("reporting", "report.export", {"dataset": "votes", "call": PRIZES},
                  role="public")["error"]["code"] == "forbidden"
    bad = c.call("reporting", "report.export", {"dataset": "ballots", "call": PRIZES}, role="staff")
    assert bad["error"]["field"] == "dataset"


def test_the_publication_opens_in_a_browser(year, tmp_path):
    c, fakes = year
    small_year(c, fakes)
    html = report(c, "report.publication", {"call": PRIZES, "format": "html"})["data"]
    assert "<script" not in html and "&lt;b&gt;" in html
    page = tmp_path / "publication.html"
    page.write_text(html)
    artifacts = os.path.join(ROOT, "build", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    shot = os.path.join(artifacts, "publication.png")
    if os.path.exists(shot):
        os.remove(shot)
    chromium = shutil.which("chromium")
    assert chromium, "chromium is not installed (make deps installs it)"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", f"--user-data-dir={tmp_path / 'chromium'}",
                    f"--screenshot={shot}", "--window-size=1200,1600", f"file://{page}"],
                   check=True, timeout=120, capture_output=True)
    assert os.path.getsize(shot) > 10000
    markdown = report(c, "report.publication", {"call": PRIZES, "format": "md"})["data"]
    assert "sub-1" in markdown and "sub-2" in markdown and "sub-6" not in markdown
    refused = c.call("reporting", "report.publication", {"call": "photo-2022"}, role="public")
    assert refused["error"]["code"] == "validation" and refused["error"]["field"] == "call"


def test_gender_of_speakers_tracks_and_sessions(year):
    c, fakes = year
    speakers = [("s1", "Opening", "high-level", "female"), ("s1", "Opening", "high-level", "male"),
                ("s2", "Hack the Gender Gap", "gender", "female"),
                ("s3", "Spectrum", "high-level", "male"), ("s3", "Spectrum", "high-level", "undisclosed")]
    for session, title, track, gender in speakers:
        reply = c.call("bus", "publish", {"topic": "forum.speaker.registered", "origin": "forum-app",
                                          "body": {"session_id": session, "session_title": title,
                                                   "track": track, "name": f"{session}-{gender}",
                                                   "gender": gender, "role": "speaker",
                                                   "organization": "ITU"}}, role="publisher")
        assert reply["ok"], reply
    last = reply["body"]["seq"]
    c.wait_until(lambda: applied(c, "bus", last), what="the speakers applied")
    gender = report(c, "report.gender", {})
    groups = {g["group"]: g for g in gender["groups"]}
    assert groups["Forum speakers"]["female"] == 2 and groups["Forum speakers"]["given"] == 4
    assert groups["Forum speakers"]["share"] == 0.5
    tracks = {t["track_label"]: t for t in gender["tracks"]}
    assert tracks["Track: high-level"]["female"] == 1 and tracks["Track: high-level"]["given"] == 3
    assert [s["session_id"] for s in gender["sessions_without_women"]] == ["s3"]
    table = list(csv.reader(io.StringIO(report(c, "report.gender", {"format": "csv"})["data"])))
    assert table[0][0] == "group" and ["Forum speakers", "2", "2", "0", "1", "4", "0.5000"] in table
    export = report(c, "report.export", {"dataset": "gender", "call": PRIZES}, role="staff")
    assert export["content_type"].startswith("text/csv") and export["next"] is None
    exported = list(csv.reader(io.StringIO(export["data"], newline="")))
    assert exported[0] == table[0] and export["rows"] == len(exported) - 1
    assert ["Forum speakers", "2", "2", "0", "1", "4", "0.5000"] in exported
    assert ["Session: Spectrum", "0", "1", "0", "1", "1", "0.0000"] in exported


def test_the_repository_of_women_in_tech(year):
    c, fakes = year
    subs = fakes["submissions"]
    profiles = [("Ada Lovelace", "software", "europe"), ("Grace Hopper", "research", "americas"),
                ("Hedy Lamarr", "telecommunications", "europe")]
    for n, (name, sector, region) in enumerate(profiles, start=20):
        subs.emit("submission.received", {
            "submission_id": f"sub-{n}", "call": "women-in-tech", "kind": "repository",
            "name": name, "organization": f"{name.split()[1]} Labs", "sector": sector,
            "region": region, "country": "GB", "expertise": "Networks and compilers",
            "links": ["https://example.org/a", "https://example.org/b"], "consent": True})
    seq = subs.emit("submission.withdrawn", {"submission_id": "sub-22", "call": "women-in-tech",
                                             "kind": "repository", "stakeholder_id": "stk-22"})
    c.wait_until(lambda: applied(c, "submissions", seq), what="the profiles applied")
    listed = report(c, "report.women_in_tech", {})
    assert [p["name"] for p in listed["items"]] == ["Ada Lovelace", "Grace Hopper"]
    assert listed["items"][0]["links"] == ["https://example.org/a", "https://example.org/b"]
    assert [p["name"] for p in report(c, "report.women_in_tech", {"region": "americas"})["items"]] \
        == ["Grace Hopper"]
    assert [p["name"] for p in report(c, "report.women_in_tech", {"q": "lovelace"})["items"]] \
        == ["Ada Lovelace"]
    page = report(c, "report.women_in_tech", {"limit": 1})
    assert len(page["items"]) == 1 and page["next"] == 1
    bad = c.call("reporting", "report.women_in_tech", {"region": "mars"}, role="public")
    assert bad["error"]["field"] == "region"


def test_bad_requests_name_the_field(year):
    c, _ = year
    for op, body, field in (("report.summary", {}, "call"), ("report.summary", {"call": "x-1999"}, "call"),
                            ("report.sdg_matrix", {"format": "pdf"}, "format"),
                            ("report.sdg_matrix", {"kind": "photo"}, "kind"),
                            ("report.publication", {"call": PRIZES, "format": "docx"}, "format")):
        reply = c.call("reporting", op, body, role="public")
        assert reply["error"]["code"] == "validation" and reply["error"]["field"] == field, (op, reply)
