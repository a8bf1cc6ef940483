"""wsis-notifications: the people concerned, told what happened from the
other services' events, once each (docs/protocol.md section 11).

wsis-submissions, wsis-nominations and wsis-voting are stood in for by
FakeSource, which publishes their events and answers events.since as the
real producers do; the messages land in the file outbox.
"""
import re

import pytest

from nominations_helpers import photo, project, withdrawn
from notifications_helpers import (PRIZES, PRIZES_STAFF, SECRETARIAT, body_text, outbox,
                                   pages, wait_message, wait_settled)
from wsis_harness import FakeSource, pack


@pytest.fixture
def sources(cluster):
    cluster.start("bus")
    fakes = {name: FakeSource(cluster, name) for name in ("submissions", "nominations", "voting")}
    cluster.start("notifications")
    yield fakes
    for fake in fakes.values():
        fake.close()


def applied(cluster, source, seq):
    stats = cluster.call("notifications", "sys.stats")["body"]
    return stats["sources"][source]["last_seq"] >= seq


def wait_applied(cluster, source, seq):
    cluster.wait_until(lambda: applied(cluster, source, seq), what=f"{source}:{seq} applied")


def test_a_submission_is_confirmed_to_its_contact_once(cluster, sources):
    record = project(1, title="Digital skills for rural schools")
    seq = sources["submissions"].emit("submission.received", record)
    message = wait_message(cluster, "submission.received/sub-1")
    assert message["To"].addresses[0].addr_spec == "contact1@example.org"
    assert message["To"].addresses[0].display_name == "Contact 1"
    text = body_text(message)
    assert "sub-1" in text and "Digital skills for rural schools" in text
    assert "2022-01-21 23:00" in text        # until when it may be changed
    # The same event again (a bus that delivers twice) changes nothing.
    fake = sources["submissions"]
    with fake.lock:
        fake.pub.send_multipart([b"submission.received", pack(fake.events[0])])
    sources["submissions"].emit("submission.updated", dict(record, title="Digital skills, updated"))
    wait_applied(cluster, "submissions", seq + 1)
    wait_settled(cluster)
    assert [k for k in outbox(cluster) if k.startswith("submission.")] == ["submission.received/sub-1"]

    sources["submissions"].emit("submission.withdrawn", withdrawn(1))
    message = wait_message(cluster, "submission.withdrawn/sub-1")
    assert "Digital skills, updated" in body_text(message)


def test_submitters_hear_the_nominations_champions_and_winners(cluster, sources):
    for n in (1, 2, 3):
        sources["submissions"].emit("submission.received", project(n))
    sources["submissions"].emit("submission.received", photo(4))
    for n in (1, 2, 3):
        wait_message(cluster, f"submission.received/sub-{n}")
    nominations = sources["nominations"]
    nominations.emit("review.decided", {"call": PRIZES, "submission_id": "sub-3", "category": "C1",
                                        "decision": "reject", "reason": "Outside the WSIS Action Lines"})
    nominations.emit("nominations.published", {"call": PRIZES, "categories": {"C1": ["sub-1", "sub-2"]}})
    results = {n: body_text(wait_message(cluster, f"nominations.published/{PRIZES}/sub-{n}"))
               for n in (1, 2, 3)}
    def result(text):
        return re.search(r"Result:\s+(.*)", text).group(1).strip()
    assert result(results[1]) == "nominated" and result(results[2]) == "nominated"
    assert result(results[3]) == "not nominated"
    assert "Outside the WSIS Action Lines" in results[3]
    assert "reason" not in results[1].lower()
    # The photo entry is not a prize project: no nomination result.
    assert f"nominations.published/{PRIZES}/sub-4" not in outbox(cluster)

    sources["voting"].emit("voting.closed", {
        "call": PRIZES, "champions": {"C1": ["sub-1"]},
        "results": {"C1": [{"submission_id": "sub-1", "votes": 4211, "rank": 1},
                           {"submission_id": "sub-2", "votes": 17, "rank": 2}]}})
    champion = body_text(wait_message(cluster, f"voting.closed/{PRIZES}/sub-1"))
    assert "4211" in champion
    nominations.emit("winners.selected", {"call": PRIZES, "category": "C1", "winner": "sub-1",
                                          "champions": ["sub-1"], "scores": {"sub-1": 8.5},
                                          "tie": False})
    winner = wait_message(cluster, f"winners.selected/{PRIZES}/C1")
    assert winner["To"].addresses[0].addr_spec == "contact1@example.org"
    for staff in (PRIZES_STAFF, SECRETARIAT):
        told = body_text(wait_message(cluster, f"winners.selected/{PRIZES}/C1/staff/{staff}"))
        assert "contact1@example.org" in told
    nominations.emit("photo.winners.selected", {"call": "photo-2022", "winners": ["sub-4"]})
    assert wait_message(cluster, "photo.winners.selected/photo-2022/sub-4")["To"].addresses[0] \
        .addr_spec == "photo4@example.org"


def test_nominators_are_acknowledged(cluster, sources):
    nominations = sources["nominations"]
    nominations.emit("hltf.nominated", {
        "nomination_id": "hltf-1", "call": "hltf-2022", "stakeholder_type": "academia",
        "nominee": {"name": "Zoë Ōsaka", "title": "Professor", "organization": "Uni",
                    "email": "zoe@example.org", "gender": "female"},
        "nominated_by": {"name": "Ada Nominator", "email": "ada@example.org"}})
    message = wait_message(cluster, "hltf.nominated/hltf-1")
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert "Zoë Ōsaka" in body_text(message)
    nominations.emit("ambassador.nominated", {
        "nomination_id": "amb-1", "call": "trendsetters-2021",
        "nominee": {"name": "Grace Trendsetter", "organization": "Org", "country": "KE",
                    "email": "grace@example.org", "gender": "female"},
        "objectives": [1, 2], "motivation": "For the 50/50 challenge."})
    assert wait_message(cluster, "ambassador.nominated/amb-1")["To"].addresses[0] \
        .addr_spec == "grace@example.org"


def test_events_count_only_from_their_true_source(cluster, sources):
    # The bus journal carries other systems' events: a submission.received
    # there (or from nominations) is not one of wsis-submissions.
    seq = sources["nominations"].emit("submission.received", project(9))
    reply = cluster.call("bus", "publish", {"topic": "forum.speaker.registered",
                                            "body": {"name": "x"}, "origin": "test"},
                         role="publisher")
    assert reply["ok"], reply
    wait_applied(cluster, "nominations", seq)
    sources["submissions"].emit("submission.received", project(10))
    wait_message(cluster, "submission.received/sub-10")
    assert "submission.received/sub-9" not in outbox(cluster)
    assert not [item for item in pages(cluster, "notify.list") if "sub-9" in item["key"]]


def test_the_real_submissions_service_confirms_once(cluster):
    """End to end: a stakeholder registers and submits through
    wsis-submissions; wsis-notifications learns it from the bus alone."""
    from submissions_helpers import OPEN, Submissions, prize_body
    cluster.start("bus", "submissions", "notifications")
    subs = Submissions(cluster)
    subs.set_clock(OPEN)
    stakeholder = subs.register()
    body = prize_body(stakeholder)
    created = subs.ok("submission.create", body, role="stakeholder", actor=stakeholder)
    key = f"submission.received/{created['submission_id']}"
    message = wait_message(cluster, key)
    assert message["To"].addresses[0].addr_spec == body["contact"]["email"]
    assert body["title"] in body_text(message)
    subs.ok("submission.update", {"submission_id": created["submission_id"], "impact": "More."},
            role="stakeholder", actor=stakeholder)
    cluster.wait_until(lambda: applied(cluster, "submissions", 3), what="the update applied")
    wait_settled(cluster)
    assert [k for k in outbox(cluster) if k.startswith("submission.")] == [key]
