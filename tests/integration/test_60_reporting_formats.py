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
import sqlite3
import subprocess
import xml.etree.ElementTree as ElementTree

import msgpack
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


# ---------------------------------------------------------------- every count of the summary and the 50/50 groups

def tally(genders):
    """A gender group as report.gender gives it, computed here."""
    counts = {g: genders.count(g) for g in ("female", "male", "non_binary")}
    counts["undisclosed"] = len(genders) - sum(counts.values())
    given = counts["female"] + counts["male"] + counts["non_binary"]
    return {**counts, "given": given, "share": round(counts["female"] / given, 4) if given else 0}


def counted(values):
    out = {}
    for value in values:
        out[value] = out.get(value, 0) + 1
    return out


TYPES = ["government", "private_sector", "civil_society", "academia", "international_organization"]
PLACES = [("CH", "europe"), ("KE", "africa"), ("BR", "americas"), ("IN", "asia_pacific"), ("EG", "arab_states")]
GENDERS = ["female", "male", "non_binary", "undisclosed", None]


def test_every_count_of_the_summary_and_every_gender_group(year):
    c, fakes = year
    subs, noms = fakes["submissions"], fakes["nominations"]
    stakeholders = []
    for n in range(7):
        gender = GENDERS[n % 5]
        subs.emit("stakeholder.registered", {"stakeholder_id": f"stk-{n}", "type": TYPES[n % 5],
                                             "country": "KE", "region": "africa",
                                             **({"gender": gender} if gender else {})})
        stakeholders.append(gender)
    # Eleven prize projects, two withdrawn; their contacts' genders vary.
    prizes = {}
    for n in range(1, 12):
        country, region = PLACES[n % 5]
        body = project(n, category=CATEGORIES[n % 4], country=country)
        body.update(stakeholder_type=TYPES[(n * 2) % 5], region=region)
        body["contact"]["gender"] = GENDERS[n % 4]
        subs.emit("submission.received", body)
        prizes[body["submission_id"]] = body
    for sid in ("sub-3", "sub-8"):
        subs.emit("submission.withdrawn", {"submission_id": sid, "call": PRIZES, "kind": "prize",
                                           "category": prizes[sid]["category"]})
    live = {sid: b for sid, b in prizes.items() if sid not in ("sub-3", "sub-8")}
    listed = {}
    for sid in ("sub-1", "sub-2", "sub-4", "sub-5", "sub-6", "sub-9"):
        listed.setdefault(prizes[sid]["category"], []).append(sid)
    noms.emit("nominations.published", {"call": PRIZES, "categories": listed})
    # OCP inputs with speakers; photos and their winners.
    requests = ["workshop", "exhibition", "workshop", "hackathon"]
    ocp_genders = []
    for n, request in enumerate(requests, start=30):
        speakers = [{"name": f"S{n}-{k}", **({"gender": GENDERS[(n + k) % 5]} if GENDERS[(n + k) % 5] else {})}
                    for k in range(3)]
        ocp_genders += [s.get("gender") for s in speakers]
        subs.emit("submission.received", {"submission_id": f"sub-{n}", "call": "ocp-2022", "kind": "ocp",
                                          "request": request, "title": f"Input {n}", "country": "CH",
                                          "region": "europe", "stakeholder_type": "academia",
                                          "speakers": speakers, "action_lines": ["C4"], "sdgs": [5]})
    for n in range(40, 45):
        subs.emit("submission.received", photo(n, country=PLACES[n % 5][0]))
    noms.emit("photo.winners.selected", {"call": "photo-2022", "winners": ["sub-42", "sub-40", "sub-44"]})
    # HLTF and Gender Trendsetter nominations.
    hltf, trendsetters = [], []
    for n in range(9):
        gender = GENDERS[n % 5]
        noms.emit("hltf.nominated", {"nomination_id": f"hltf-{n}", "call": "hltf-2022",
                                     "stakeholder_type": TYPES[n % 3],
                                     "nominee": {"name": f"N{n}", **({"gender": gender} if gender else {})}})
        hltf.append((TYPES[n % 3], gender or "undisclosed"))
    for n in range(4):
        gender = GENDERS[(n * 3) % 5]
        seq = noms.emit("ambassador.nominated", {"nomination_id": f"amb-{n}", "call": "trendsetters-2021",
                                                 "nominee": {"name": f"T{n}", **({"gender": gender} if gender else {})}})
        trendsetters.append(gender or "undisclosed")
    last = subs.last_seq()
    c.wait_until(lambda: applied(c, "submissions", last) and applied(c, "nominations", seq),
                 what="the year applied")

    summary = report(c, "report.summary", {"call": PRIZES})
    assert summary["by_status"] == {"received": 9, "withdrawn": 2}
    assert summary["by_stakeholder_type"] == counted(b["stakeholder_type"] for b in live.values())
    assert summary["by_region"] == counted(b["region"] for b in live.values())
    assert summary["by_country"] == counted(b["country"] for b in live.values())
    assert summary["by_category"] == counted(b["category"] for b in live.values())
    assert summary["countries"] == len({b["country"] for b in live.values()})
    assert summary["headline"] == f"9 projects from {summary['countries']} countries"
    nominated = [sid for ids in listed.values() for sid in ids]
    assert summary["nominated"] == {cat: len(ids) for cat, ids in listed.items()}
    assert summary["nominated_by_stakeholder_type"] == counted(prizes[s]["stakeholder_type"] for s in nominated)
    assert summary["nominated_by_region"] == counted(prizes[s]["region"] for s in nominated)
    assert summary["hltf"] == {"total": 0, "by_stakeholder_type": {}, "by_gender": {}}

    ocp = report(c, "report.summary", {"call": "ocp-2022"})
    assert ocp["ocp_by_request"] == counted(requests) and ocp["headline"] == "4 inputs from 1 country"
    photos = report(c, "report.summary", {"call": "photo-2022"})
    assert photos["by_status"] == {"received": 5, "withdrawn": 0} and photos["winners"] == 3
    assert photos["by_country"] == counted(PLACES[n % 5][0] for n in range(40, 45))
    assert photos["headline"] == "5 photographs from 5 countries"
    results = report(c, "report.results", {"call": "photo-2022"})
    assert results["photo_winners"] == [{"rank": r, "submission_id": sid, "title": f"Photo {sid[4:]}"}
                                        for r, sid in enumerate(["sub-42", "sub-40", "sub-44"], start=1)]
    hltf_summary = report(c, "report.summary", {"call": "hltf-2022"})["hltf"]
    assert hltf_summary == {"total": 9, "by_stakeholder_type": counted(t for t, _ in hltf),
                            "by_gender": counted(g for _, g in hltf)}
    assert report(c, "report.summary", {"call": "trendsetters-2021"})["trendsetters"] == \
        {"total": 4, "by_gender": counted(trendsetters)}

    def groups(body):
        return {g.pop("group"): g for g in report(c, "report.gender", body)["groups"]}
    everything = groups({})
    assert list(everything) == ["Forum speakers", "OCP speakers", "HLTF nominees", "WSIS Prizes contacts",
                                "Registered stakeholders", "Gender Trendsetter nominations"]
    assert everything["OCP speakers"] == tally(ocp_genders)
    assert everything["HLTF nominees"] == tally([g for _, g in hltf])
    assert everything["WSIS Prizes contacts"] == tally([b["contact"]["gender"] for b in live.values()])
    assert everything["Registered stakeholders"] == tally(stakeholders)
    assert everything["Gender Trendsetter nominations"] == tally(trendsetters)
    assert everything["Forum speakers"] == tally([])
    # call narrows the call's groups, never the stakeholders.
    narrowed = groups({"call": "ocp-2022"})
    assert narrowed["OCP speakers"] == tally(ocp_genders)
    assert narrowed["HLTF nominees"] == narrowed["WSIS Prizes contacts"] == tally([])
    assert narrowed["Registered stakeholders"] == tally(stakeholders)
    assert groups({"call": "hltf-2022"})["HLTF nominees"] == tally([g for _, g in hltf])
    assert groups({"call": PRIZES})["OCP speakers"] == tally([])
    table = list(csv.reader(io.StringIO(report(c, "report.gender", {"format": "csv"})["data"], newline="")))
    expected = tally(trendsetters)
    assert ["Gender Trendsetter nominations"] + [str(expected[k]) for k in
            ("female", "male", "non_binary", "undisclosed", "given")] + [f"{expected['share']:.4f}"] in table


# ---------------------------------------------------------------- exports: every dataset, and paging

def test_the_nominations_and_results_exports(year):
    c, fakes = year
    small_year(c, fakes)
    nominations = list(csv.reader(io.StringIO(report(c, "report.export", {
        "dataset": "nominations", "call": PRIZES}, role="staff")["data"], newline="")))
    assert nominations == [["category", "count"], ["C1", "1"], ["C3", "2"]]
    export = report(c, "report.export", {"dataset": "results", "call": PRIZES}, role="staff")
    rows = list(csv.reader(io.StringIO(export["data"], newline="")))
    assert rows == [["category", "submission_id", "title", "rank", "votes", "winner"],
                    ["C1", "sub-1", HOSTILE, "1", "1", "yes"],
                    ["C3", "sub-2", "Project 2", "1", "2", "no"],
                    ["C3", "sub-3", "Project 3", "2", "1", "no"]]
    assert export["rows"] == 3 and export["next"] is None
    results = report(c, "report.results", {"call": PRIZES})
    assert results["categories"]["C1"]["winner"] == {
        "submission_id": "sub-1", "title": HOSTILE, "mean": 8.25, "tie": False,
        "settled_by": "the highest mean of the experts' scores"}
    assert results["categories"]["C3"]["winner"] is None
    assert (results["votes"], results["voters"], results["voting_closed"]) == (4, 1, True)
    # A tie settled by staff, and a winner whose event carried no mean.
    seq = fakes["nominations"].emit("winners.selected", {"call": PRIZES, "category": "C3", "winner": "sub-3",
                                                        "champions": ["sub-2", "sub-3"], "tie": True})
    c.wait_until(lambda: applied(c, "nominations", seq), what="the tie applied")
    assert report(c, "report.results", {"call": PRIZES})["categories"]["C3"]["winner"] == {
        "submission_id": "sub-3", "title": "Project 3", "mean": None, "tie": True,
        "settled_by": "staff, among the tied champions"}
    rows = list(csv.reader(io.StringIO(report(c, "report.export", {
        "dataset": "results", "call": PRIZES}, role="staff")["data"], newline="")))
    assert rows[2:] == [["C3", "sub-3", "Project 3", "2", "1", "yes"], ["C3", "sub-2", "Project 2", "1", "2", "no"]]


def test_a_large_export_comes_in_pages_every_row_once(year):
    c, fakes = year
    subs = fakes["submissions"]
    entries = 2500
    for n in range(1, entries + 1):
        seq = subs.emit("submission.received", {
            "submission_id": f"sub-{n}", "call": "stocktaking-2022", "kind": "stocktaking",
            "title": f"Entry {n}, \"the {n}th\"", "sdgs": [1 + n % 17], "action_lines": [CATEGORIES[n % 18]],
            "country": "IN", "entity": "Org", "stakeholder_type": "government", "region": "asia_pacific"})
    c.wait_until(lambda: applied(c, "submissions", seq), timeout=60, what="the entries applied")
    seen, after, pages = [], 0, 0
    while after is not None:
        body = {"dataset": "submissions", "call": "stocktaking-2022"}
        if after:
            body["after"] = after
        page = report(c, "report.export", body, role="staff")
        rows = list(csv.DictReader(io.StringIO(page["data"], newline="")))
        assert page["rows"] == len(rows) == min(1000, entries - after)
        assert page["next"] == (after + 1000 if after + 1000 < entries else None)
        seen += rows
        after = page["next"]
        pages += 1
    assert pages == 3
    assert [r["submission_id"] for r in seen] == [f"sub-{n}" for n in range(1, entries + 1)]
    assert seen[41]["title"] == 'Entry 42, "the 42th"'
    whole = report(c, "report.export", {"dataset": "submissions", "call": "stocktaking-2022", "limit": 5000},
                   role="staff")
    assert whole["rows"] == entries and whole["next"] is None
    too_many = c.call("reporting", "report.export", {"dataset": "submissions", "call": "stocktaking-2022",
                                                      "limit": 5001}, role="staff")
    assert too_many["error"]["code"] == "validation" and too_many["error"]["field"] == "limit"
    summary = report(c, "report.summary", {"call": "stocktaking-2022"})
    assert summary["by_status"]["received"] == entries and summary["headline"] == f"{entries} entries from 1 country"
    links = {n: ([1 + n % 17], [CATEGORIES[n % 18]]) for n in range(1, entries + 1)}
    assert report(c, "report.sdg_matrix", {"kind": "stocktaking"})["matrix"] == matrix_of(links)
    # Entries withdrawn leave the matrix; entries updated move in it.
    for n in range(1, entries + 1, 5):
        subs.emit("submission.withdrawn", {"submission_id": f"sub-{n}", "call": "stocktaking-2022",
                                           "kind": "stocktaking"})
        del links[n]
    for n in [n for n in range(3, entries + 1, 7) if n in links]:
        links[n] = ([2, 1 + n % 17, 17], [CATEGORIES[(n + 1) % 18], "e-gov"])
        seq = subs.emit("submission.updated", {
            "submission_id": f"sub-{n}", "call": "stocktaking-2022", "kind": "stocktaking",
            "title": f"Entry {n}", "sdgs": links[n][0], "action_lines": links[n][1], "country": "IN"})
    c.wait_until(lambda: applied(c, "submissions", seq), timeout=60, what="the changes applied")
    for asked in ({}, {"kind": "stocktaking"}, {"call": "stocktaking-2022"}):
        matrix = report(c, "report.sdg_matrix", asked)
        assert matrix["matrix"] == matrix_of(links), asked
        assert matrix["total"] == sum(len(set(s)) * len(set(k)) for s, k in links.values())
    assert report(c, "report.sdg_matrix", {"kind": "prize"})["total"] == 0


def matrix_of(links):
    """The matrix of {entry: (sdgs, action lines)}."""
    expected = {str(sdg): {cat: 0 for cat in CATEGORIES} for sdg in range(1, 18)}
    for sdgs, lines in links.values():
        for sdg in set(sdgs):
            for category in set(lines):
                expected[str(sdg)][category] += 1
    return expected


# ---------------------------------------------------------------- withdrawing consent

def every_report(c, call):
    """Every report and export wsis-reporting gives, as the bytes of its
    reply body, for call and for no call where a report takes none."""
    asks = [("report.summary", {"call": call}), ("report.results", {"call": call}),
            ("report.women_in_tech", {}), ("report.women_in_tech", {"limit": 500})]
    for fmt in ("json", "csv", "svg"):
        asks += [("report.sdg_matrix", {"format": fmt}), ("report.gender", {"format": fmt}),
                 ("report.gender", {"call": call, "format": fmt})]
    asks += [("report.export", {"dataset": dataset, "call": call, "limit": 5000} if dataset in ("submissions", "votes")
              else {"dataset": dataset, "call": call})
             for dataset in ("submissions", "votes", "nominations", "results", "gender")]
    return {f"{op} {body}": msgpack.packb(report(c, op, body, role="staff")) for op, body in asks}


def assert_forgotten(c, call, traces):
    """Nothing of traces (a name, an organization, a country...) in any
    report or export."""
    for key, data in every_report(c, call).items():
        for trace in traces:
            assert trace.encode() not in data, (key, trace)


def test_a_withdrawn_profile_leaves_every_report_and_export(year):
    c, fakes = year
    subs = fakes["submissions"]
    small_year(c, fakes)
    people = [("Ada Lovelace", "Analytical Labs", "GB", "europe"),
              ("Hedy Lamarr", "Frequency Hopping Ltd", "NZ", "asia_pacific")]
    for n, (name, org, country, region) in enumerate(people, start=20):
        subs.emit("submission.received", {
            "submission_id": f"sub-{n}", "call": "women-in-tech", "kind": "repository", "status": "received",
            "stakeholder_id": f"stk-{n}", "name": name, "title": name, "organization": org, "entity": org,
            "sector": "software", "region": region, "country": country, "stakeholder_type": "academia",
            "expertise": "Spread spectrum", "links": [f"https://example.org/{name.split()[0]}"],
            "consent": True, "contact": {"name": name, "email": f"{name.split()[0]}@example.org",
                                         "gender": "female"}})
    # A prize project withdrawn stays in the export with its status.
    subs.emit("submission.withdrawn", {"submission_id": "sub-3", "call": PRIZES, "kind": "prize",
                                       "category": "C3"})
    seq = subs.emit("submission.withdrawn", {"submission_id": "sub-21", "call": "women-in-tech",
                                             "kind": "repository", "stakeholder_id": "stk-21"})
    c.wait_until(lambda: applied(c, "submissions", seq), what="the withdrawal applied")
    traces = ["Lamarr", "Frequency Hopping", "NZ", "asia_pacific", "Hedy", "sub-21"]
    assert_forgotten(c, "women-in-tech", traces)
    assert_forgotten(c, PRIZES, traces)
    # Nor does the store: every value of every table, read beside the
    # running service (WAL), holds nothing of her but the submission id
    # (her region is the Stocktaking entries' too).
    db = sqlite3.connect(f"file:{c.data_dir / 'reporting.db'}?mode=ro", uri=True)
    try:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        stored = [str(v) for t in tables for row in db.execute(f"SELECT * FROM {t}") for v in row]
    finally:
        db.close()
    assert "Ada Lovelace" in stored
    assert not [v for v in stored for trace in ("Lamarr", "Frequency Hopping", "NZ", "Hedy") if trace in v]
    summary = report(c, "report.summary", {"call": "women-in-tech"})
    assert summary["by_status"] == {"received": 1, "withdrawn": 1}
    assert summary["by_country"] == {"GB": 1} and summary["headline"] == "1 profile from 1 country"
    export = report(c, "report.export", {"dataset": "submissions", "call": "women-in-tech"}, role="staff")
    rows = list(csv.DictReader(io.StringIO(export["data"], newline="")))
    assert [(r["submission_id"], r["title"], r["status"]) for r in rows] == [("sub-20", "Ada Lovelace", "received")]
    projects = list(csv.DictReader(io.StringIO(report(c, "report.export", {
        "dataset": "submissions", "call": PRIZES}, role="staff")["data"], newline="")))
    assert [(r["submission_id"], r["status"]) for r in projects] == \
        [("sub-1", "received"), ("sub-2", "received"), ("sub-3", "withdrawn")]
    assert projects[2]["title"] == "Project 3"
    # An update of the withdrawn profile (wsis-submissions refuses one;
    # reporting does not count on it) brings nothing back.
    seq = subs.emit("submission.updated", {
        "submission_id": "sub-21", "call": "women-in-tech", "kind": "repository", "name": "Hedy Lamarr",
        "title": "Hedy Lamarr", "organization": "Frequency Hopping Ltd", "sector": "software",
        "region": "asia_pacific", "country": "NZ", "consent": True})
    c.wait_until(lambda: applied(c, "submissions", seq), what="the update applied")
    assert_forgotten(c, "women-in-tech", traces)
    # Nor does a rebuild from the event log, which still holds the profile.
    before = every_report(c, "women-in-tech")
    c.stop("reporting")
    c.start("reporting", args=["--rebuild"])
    c.wait_until(lambda: applied(c, "submissions", seq) and applied(c, "nominations", 2)
                 and applied(c, "voting", 5), what="the rebuild")
    assert every_report(c, "women-in-tech") == before
    assert_forgotten(c, "women-in-tech", traces)


def test_withdrawing_through_the_real_submissions_forgets_the_person(cluster):
    """wsis-submissions for real: a woman registers her profile, reporting
    lists her; she withdraws it, and no report or export names her."""
    from contest_helpers import OPEN, caught_up, ok, set_clock
    from submissions_helpers import repository_body, stakeholder_body
    c = cluster
    c.start("bus", "submissions", "reporting")
    set_clock(c, OPEN)
    people = []
    for name, org, country, region in (("Radia Perlman", "Spanning Trees Inc", "AU", "asia_pacific"),
                                       ("Karen Sparck Jones", "Inverse Document Ltd", "GB", "europe")):
        stk = ok(c.call("submissions", "stakeholder.register", stakeholder_body(gender="female"),
                        role="public"))["stakeholder_id"]
        body = repository_body(stk, name=name, organization=org, country=country, region=region)
        sid = ok(c.call("submissions", "submission.create", body, role="gateway"))["submission_id"]
        people.append((stk, sid))
    c.wait_until(lambda: caught_up(c, "reporting", "submissions"), what="reporting to learn the profiles")
    names = [p["name"] for p in report(c, "report.women_in_tech", {})["items"]]
    assert names == ["Karen Sparck Jones", "Radia Perlman"]
    stk, sid = people[0]
    ok(c.call("submissions", "submission.withdraw", {"submission_id": sid}, role="stakeholder", actor=stk))
    c.wait_until(lambda: caught_up(c, "reporting", "submissions"), what="reporting to learn the withdrawal")
    assert [p["name"] for p in report(c, "report.women_in_tech", {})["items"]] == ["Karen Sparck Jones"]
    assert_forgotten(c, "women-in-tech", ["Perlman", "Spanning Trees", "AU", sid])
    export = list(csv.DictReader(io.StringIO(report(c, "report.export", {
        "dataset": "submissions", "call": "women-in-tech"}, role="staff")["data"], newline="")))
    assert [(r["submission_id"], r["title"]) for r in export] == [(people[1][1], "Karen Sparck Jones")]


def test_a_store_of_schema_version_1_gets_its_counters(year):
    """A reporting.db written before the counters (schema version 1) gets
    them filled from what it holds when the new binary opens it: every
    report as before."""
    c, fakes = year
    small_year(c, fakes)
    subs = fakes["submissions"]
    subs.emit("submission.withdrawn", {"submission_id": "sub-3", "call": PRIZES, "kind": "prize",
                                       "category": "C3"})
    seq = subs.emit("submission.updated", {**project(2, category="C3", country="KE"), "sdgs": [3, 13]})
    c.wait_until(lambda: applied(c, "submissions", seq), what="the changes applied")
    before = {call: every_report(c, call) for call in (PRIZES, "stocktaking-2022")}
    c.stop("reporting")
    db = sqlite3.connect(c.data_dir / "reporting.db")
    db.executescript("DROP TABLE matrix_cell; DROP TABLE summary_count; DROP INDEX submission_arrival;"
                     " PRAGMA user_version = 1;")
    db.close()
    c.start("reporting")
    c.wait_until(lambda: applied(c, "submissions", seq), what="reporting back")
    assert {call: every_report(c, call) for call in before} == before
    db = sqlite3.connect(c.data_dir / "reporting.db")
    try:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert db.execute("SELECT sum (count) FROM matrix_cell").fetchone()[0] == \
            report(c, "report.sdg_matrix", {})["total"] > 0
    finally:
        db.close()
