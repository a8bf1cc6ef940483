"""`wsisctl settle`: waits until every service has applied every event of
every source it follows, and says who lags behind whom when that does not
happen (docs/operating.md runs it between the steps of an edition).
"""
import json

from wsis_harness import SERVICES, FakeSource

FOLLOWERS_OF_SUBMISSIONS = ["nominations", "voting", "notifications", "reporting", "gateway"]


def lines_of(result):
    return {line["service"]: line for line in map(json.loads, result.stdout.splitlines())}


class HeldBack(FakeSource):
    """A submissions that says how far it is (sys.ping, heartbeats) but,
    until released, serves none of its events: its followers lag."""

    released = False

    def page(self, after, limit):
        if not self.released:
            return {"events": [], "last_seq": 0}
        return super().page(after, limit)


def test_settle_says_every_service_has_applied_everything(cluster):
    cluster.start_all()
    settled = cluster.wsisctl("settle")
    assert settled.returncode == 0, settled.stderr
    lines = lines_of(settled)
    assert sorted(lines) == sorted(SERVICES)
    assert all(line["ok"] for line in lines.values())
    assert lines["reporting"]["lag"] == {"bus": 0, "submissions": 0, "nominations": 0, "voting": 0,
                                         "notifications": 0}


def test_settle_waits_for_a_lag_and_names_it(cluster):
    cluster.start("bus")
    source = HeldBack(cluster, "submissions", heartbeats=False)
    try:
        for n in range(3):
            source.emit("stakeholder.registered", {"stakeholder_id": f"stk-{n + 1}", "name": "A",
                                                   "type": "academia", "country": "CH",
                                                   "region": "europe", "gender": "female"},
                        publish=False)
        cluster.start(*FOLLOWERS_OF_SUBMISSIONS)
        stuck = cluster.wsisctl("--timeout", "700", "settle")
        assert stuck.returncode == 1, stuck.stdout + stuck.stderr
        lines = lines_of(stuck)
        for name in FOLLOWERS_OF_SUBMISSIONS:
            assert lines[name]["ok"] and lines[name]["lag"]["submissions"] == 3, lines[name]
        assert "has applied every event" in stuck.stderr

        # Released, and announced: the followers catch up, settle says so.
        source.released = True
        source.heartbeat()
        settled = cluster.wsisctl("--timeout", "20000", "settle")
        assert settled.returncode == 0, settled.stdout + settled.stderr
        for name in FOLLOWERS_OF_SUBMISSIONS:
            assert lines_of(settled)[name]["lag"]["submissions"] == 0
    finally:
        source.close()


def test_settle_says_which_service_did_not_answer(cluster):
    cluster.start_all()
    cluster.stop("voting")
    result = cluster.wsisctl("--timeout", "500", "settle")
    assert result.returncode == 2, result.stdout + result.stderr
    lines = lines_of(result)
    assert lines["voting"]["ok"] is False and lines["voting"]["error"] == "timeout"
    assert all(lines[name]["ok"] for name in SERVICES if name != "voting")
    assert "not every service answered" in result.stderr


def test_settle_refuses_arguments(cluster):
    result = cluster.wsisctl("settle", "now")
    assert result.returncode == 2 and "settle takes no arguments" in result.stderr
