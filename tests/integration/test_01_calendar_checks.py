"""The calendar is checked whole at start: a typo in a phase name, a kind
without a phase it needs, phases that overlap or run backwards stop every
service with one line naming the file, the call and the phase, before it
answers anything. The shipped calendar passes; so does a notifications
service whose staff file leaves a call unfollowed when require_staff is
off, with a warning in its log."""
import os

import pytest

from wsis_harness import ROOT, SERVICES, Cluster

SHIPPED = open(os.path.join(ROOT, "configs", "calendar.cfg")).read()


def _use_calendar(cluster, text):
    path = cluster.dir / "calendar.cfg"
    path.write_text(text)
    cluster.config.write_text(cluster.config.read_text().replace(
        f"calendar = {ROOT}/configs/calendar.cfg", f"calendar = {path}"))
    return path


def _refusal(cluster, name):
    """The one line a service that refused to start wrote about the calendar."""
    code, stderr = cluster.start_refused(name)
    assert code != 0, stderr
    lines = [line for line in stderr.splitlines() if "calendar.cfg" in line]
    assert len(lines) == 1, stderr
    return lines[0]


BAD = [
    # (why, the text changed in the shipped calendar, what the line says)
    ("unknown phase name", ("        name = voting\n", "        name = vote\n", 1),
     ["call prizes-2022", "phase vote", "did you mean 'voting'?"]),
    ("unknown kind", ("    kind = photo\n", "    kind = photos\n", 1),
     ["call photo-2022", "kind \"photos\"", "did you mean 'photo'?"]),
    ("a prize call without voting",
     ("    phase\n        name = voting\n        start = \"2022-03-01 00:00\"\n"
      "        end = \"2022-03-31 23:00\"\n", "", 1),
     ["call prizes-2022", "phase voting missing: a prize call needs it"]),
    ("a phase its kind has not", ("        name = selection\n        start = \"2022-03-08 00:00\"",
                                  "        name = voting\n        start = \"2022-03-08 00:00\"", 1),
     ["call photo-2022", "phase voting: a photo call has no voting phase"]),
    ("overlapping phases", ("        start = \"2022-03-01 00:00\"\n", "        start = \"2022-02-20 00:00\"\n", 1),
     ["call prizes-2022", "phase voting", "before phase nomination ends", "phases overlap"]),
    ("reversed phase", ("        end = \"2022-02-25 23:00\"\n", "        end = \"2022-01-25 23:00\"\n", 1),
     ["call prizes-2022", "phase nomination", "is not after start"]),
]


@pytest.mark.parametrize("why, change, expect", BAD, ids=[case[0] for case in BAD])
def test_a_bad_calendar_stops_the_service_with_one_line(tmp_path, why, change, expect):
    old, new, count = change
    assert SHIPPED.count(old) >= count, old
    cluster = Cluster(tmp_path)
    try:
        path = _use_calendar(cluster, SHIPPED.replace(old, new, count))
        line = _refusal(cluster, "submissions")
        assert str(path) in line, line
        for words in expect:
            assert words in line, (words, line)
    finally:
        cluster.close()


def test_every_service_refuses_the_same_calendar(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        _use_calendar(cluster, SHIPPED.replace("        name = voting\n", "        name = vote\n", 1))
        for name in SERVICES:
            if name == "bus":
                continue
            assert "did you mean 'voting'?" in _refusal(cluster, name), name
    finally:
        cluster.close()


def test_an_unfollowed_call_is_a_warning_when_staff_is_not_required(tmp_path):
    staff = tmp_path / "staff.cfg"
    staff.write_text('staff\n    name = "Prizes 2022"\n    email = prizes@example.org\n'
                     '    calls = "prizes-2022"\n')
    cluster = Cluster(tmp_path, options={"wsis": {"staff": staff},
                                         "notifications": {"require_staff": "false"}})
    try:
        cluster.start("bus", "notifications")
        log = (tmp_path / "notifications.log").read_text()
        assert "call 'prizes-2027' is followed by no one" in log
        assert "call 'women-in-tech' is followed by no one" in log
        assert "call 'prizes-2022' is followed by no one" not in log
    finally:
        cluster.close()

    # Required (the default): the same file stops the service, naming a call
    (tmp_path / "required").mkdir()
    cluster = Cluster(tmp_path / "required", options={"wsis": {"staff": staff}})
    try:
        code, stderr = cluster.start_refused("notifications")
        assert code != 0 and "is followed by no one" in stderr, stderr
    finally:
        cluster.close()
