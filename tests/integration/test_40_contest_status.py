"""A project's record says where it stands in the WSIS Prizes contest,
every service real: `submitted`, then `nominated` or `not_nominated` when
nominations are published, `champion` when voting closes, `winner` when
the experts' selection is finalized. wsis-submissions learns it from the
events of nominations and voting, live or by catch-up after a stop."""
from contest_helpers import caught_up, run_contest


def _status(c, submission_id):
    reply = c.call("submissions", "submission.get", {"submission_id": submission_id}, role="public")
    assert reply["ok"], reply
    return reply["body"]["contest_status"]


def _expected(projects, phase, winners=None):
    """What each project's record must say after phase: C1 has 21
    projects (the last rejected), every other category 7; the first five
    of each are champions (contest_helpers.VOTES)."""
    expected = {}
    for category, ids in projects.items():
        for index, submission_id in enumerate(ids):
            if phase == "submitted":
                status = "submitted"
            elif category == "C1" and index == 20:
                status = "not_nominated"
            elif phase == "published" or index >= 5:
                status = "nominated"
            else:
                status = "champion"
            if winners and winners.get(category) == submission_id:
                status = "winner"
            expected[submission_id] = status
    return expected


def _assert_statuses(c, projects, phase, winners=None):
    for submission_id, status in _expected(projects, phase, winners).items():
        assert _status(c, submission_id) == status, (phase, submission_id)


def _projects(c):
    """Every prize project of the call by category, as listed."""
    projects = {}
    after = None
    while True:
        body = {"call": "prizes-2022", "limit": 500, **({"after": after} if after else {})}
        page = c.call("submissions", "submission.list", body, role="public")["body"]
        for record in page["items"]:
            projects.setdefault(record["category"], []).append(record["submission_id"])
        after = page["next"]
        if after is None:
            return projects


def test_contest_status_follows_the_contest(cluster):
    c = cluster.start_all()
    events = c.subscribe("")

    def between(phase):
        projects = _projects(c)
        if phase == "published":
            c.wait_until(lambda: caught_up(c, "submissions", "nominations"),
                         what="submissions to learn the nominations")
        if phase == "closed":
            c.wait_until(lambda: caught_up(c, "submissions", "voting"), what="submissions to learn the champions")
        if phase in ("submitted", "published", "closed"):
            _assert_statuses(c, projects, phase)

    result = run_contest(c, events, between)
    c.wait_until(lambda: caught_up(c, "submissions", "nominations"), what="submissions to learn the winners")
    _assert_statuses(c, result["projects"], "closed", result["winners"])
    # Each event applied once
    stats = c.call("submissions", "sys.stats")["body"]["sources"]
    for source in ("nominations", "voting"):
        assert stats[source]["applied"] == stats[source]["last_seq"] > 0


def test_contest_status_caught_up_after_a_stop(cluster):
    c = cluster.start_all()
    events = c.subscribe("")

    def between(phase):
        # Submissions is stopped before voting closes: the champions and
        # the winners are published while it is down
        if phase == "voted":
            c.stop("submissions")

    result = run_contest(c, events, between)
    c.start("submissions")
    c.wait_until(lambda: caught_up(c, "submissions", "voting") and caught_up(c, "submissions", "nominations"),
                 what="submissions to catch up with voting and nominations")
    _assert_statuses(c, result["projects"], "closed", result["winners"])
    stats = c.call("submissions", "sys.stats")["body"]["sources"]
    for source in ("nominations", "voting"):
        assert stats[source]["applied"] == stats[source]["last_seq"] > 0
