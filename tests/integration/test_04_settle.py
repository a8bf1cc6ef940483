"""`wsisctl settle`: waits until every service has applied every event of
every source it follows, and says who lags behind whom when that does not
happen (docs/operating.md runs it between the steps of an edition).
"""
import json

from submissions_helpers import stakeholder_body
from wsis_harness import SERVICES


def lines_of(result):
    return {line["service"]: line for line in map(json.loads, result.stdout.splitlines())}


def test_settle_waits_for_the_lag_to_be_zero(cluster):
    cluster.start_all()
    settled = cluster.wsisctl("settle")
    assert settled.returncode == 0, settled.stderr
    lines = lines_of(settled)
    assert sorted(lines) == sorted(SERVICES)
    assert all(line["ok"] for line in lines.values())
    assert lines["reporting"]["lag"] == {"bus": 0, "submissions": 0, "nominations": 0, "voting": 0,
                                         "notifications": 0}

    # Without the bus, events stay where they were committed: settle shows
    # who lags behind submissions, and that the bus did not answer.
    cluster.stop("bus")
    for _ in range(3):
        assert cluster.call("submissions", "stakeholder.register", stakeholder_body(), role="public")["ok"]
    head = cluster.call("submissions", "sys.ping")["body"]["last_seq"]
    stuck = cluster.wsisctl("--timeout", "700", "settle")
    assert stuck.returncode == 2, stuck.stdout + stuck.stderr
    lines = lines_of(stuck)
    assert lines["bus"]["ok"] is False and lines["bus"]["error"] == "timeout"
    assert lines["voting"]["lag"]["submissions"] == head
    assert lines["nominations"]["lag"]["submissions"] == head
    assert "not every service answered" in stuck.stderr

    # The bus back: heartbeats tell the consumers, they catch up, and
    # settle comes back with every lag 0.
    cluster.start("bus")
    settled = cluster.wsisctl("--timeout", "20000", "settle")
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert all(lag == 0 for line in lines_of(settled).values() for lag in line["lag"].values())
    stats = cluster.call("voting", "sys.stats")["body"]
    assert stats["sources"]["submissions"]["last_seq"] == head


def test_settle_refuses_arguments(cluster):
    result = cluster.wsisctl("settle", "now")
    assert result.returncode == 2 and "settle takes no arguments" in result.stderr
