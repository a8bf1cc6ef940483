"""The clocks of a rehearsal: sys.clock.get, `wsisctl clock get` and
`wsisctl clock set` against every real service, and a manual clock that
keeps its time across a restart (docs/protocol.md section 4).

wsisctl runs as an operator would run it: a subprocess with a config file,
JSON lines on stdout, one line on stderr, and its exit code (0 ok, 1 a
service said no, 2 usage or no answer).
"""
import json
import signal

from wsis_harness import SERVICES, Cluster

EPOCH = "1970-01-01T00:00:00Z"
REHEARSAL = "2027-03-31T20:00:00Z"


def lines(result):
    return {line["service"]: line for line in map(json.loads, result.stdout.splitlines())}


def clocks(cluster):
    """Every service's clock as `wsisctl clock get` prints it."""
    result = cluster.wsisctl("clock", "get")
    assert result.returncode == 0, result.stdout + result.stderr
    got = lines(result)
    assert sorted(got) == sorted(SERVICES)
    assert all(line["ok"] and line["manual"] is True for line in got.values()), got
    return {name: line["now"] for name, line in got.items()}


def test_sys_clock_get_is_open_to_every_role(cluster):
    cluster.start("voting")
    for role in ("public", "stakeholder", "expert", "gateway", None):
        reply = cluster.call("voting", "sys.clock.get", {}, role=role)
        assert reply["ok"], reply
        assert reply["body"] == {"now": EPOCH, "manual": True}
    # sys.ping says the same time
    assert cluster.call("voting", "sys.ping")["body"]["now"] == EPOCH


def test_clock_set_moves_every_service_and_clock_get_shows_it(cluster):
    cluster.start_all()
    assert set(clocks(cluster).values()) == {EPOCH}

    result = cluster.wsisctl("clock", "set", REHEARSAL)
    assert result.returncode == 0, result.stdout + result.stderr
    got = lines(result)
    assert sorted(got) == sorted(SERVICES)              # the bus included
    for name, line in got.items():
        assert line["ok"] is True and line["now"] == REHEARSAL, line
        assert line["endpoint"] == cluster.endpoint(name)
    assert set(clocks(cluster).values()) == {REHEARSAL}
    for name in SERVICES:
        assert cluster.call(name, "sys.ping")["body"]["now"] == REHEARSAL


def test_clock_set_takes_an_offset_or_a_local_time_with_its_zone(cluster):
    cluster.start_all()
    # Geneva is on summer time (UTC+2) on 31 March 2027 ...
    for text in ("2027-03-31 22:00 Europe/Geneva", "2027-03-31T22:00:00+02:00",
                 "2027-03-31T22:00 Europe/Geneva"):
        result = cluster.wsisctl("clock", "set", text)
        assert result.returncode == 0, result.stdout + result.stderr
        assert {line["now"] for line in lines(result).values()} == {REHEARSAL}, text
    # ... and on winter time (UTC+1) on the Prizes' last day of submissions
    result = cluster.wsisctl("clock", "set", "2027-01-22 23:00:30 Europe/Geneva")
    assert result.returncode == 0, result.stderr
    assert set(clocks(cluster).values()) == {"2027-01-22T22:00:30Z"}


def test_a_time_that_is_not_one_changes_nothing(cluster):
    cluster.start_all()
    for text in ("2027-03-31 22:00", "2027-03-31T20:00:00", "tomorrow", "2027-02-30T00:00:00Z",
                 "2027-03-31 22:00 Europe/Atlantis", ""):
        result = cluster.wsisctl("clock", "set", text)
        assert result.returncode == 2, (text, result.stdout, result.stderr)
        assert result.stdout == ""
        assert "is not a time" in result.stderr and "Europe/Geneva" in result.stderr
    assert set(clocks(cluster).values()) == {EPOCH}
    for args in (["clock"], ["clock", "set"], ["clock", "get", "now"], ["clock", "stop"]):
        result = cluster.wsisctl(*args)
        assert result.returncode == 2 and "clock takes get, or set and a TIME" in result.stderr


def test_a_manual_clock_comes_back_at_its_time_after_a_restart(cluster):
    cluster.start_all()
    assert cluster.wsisctl("clock", "set", REHEARSAL).returncode == 0
    # Stopped cleanly, or killed outright the moment after the reply: the
    # time was on disk before the ok, so it comes back, not 1970.
    cluster.stop("submissions")
    cluster.kill("voting", signal.SIGKILL)
    cluster.start("submissions", "voting")
    assert set(clocks(cluster).values()) == {REHEARSAL}
    # The whole system stopped and started again
    for name in SERVICES:
        cluster.stop(name)
    cluster.start_all()
    assert set(clocks(cluster).values()) == {REHEARSAL}
    # and moved on from there
    assert cluster.wsisctl("clock", "set", "2027-04-01T08:00:00Z").returncode == 0
    cluster.kill("bus", signal.SIGKILL)
    cluster.start("bus")
    assert cluster.call("bus", "sys.clock.get")["body"]["now"] == "2027-04-01T08:00:00Z"


def test_no_clock_is_set_unless_every_one_is_manual(cluster):
    # Four services on the manual clock, two started with a real one
    cluster.start(*SERVICES[:4])
    cluster.config.write_text(cluster.config.read_text().replace("clock = manual", "clock = real"))
    cluster.start(*SERVICES[4:])
    result = cluster.wsisctl("clock", "set", REHEARSAL)
    assert result.returncode == 1, result.stdout + result.stderr
    refused = lines(result)
    assert sorted(refused) == sorted(SERVICES[4:])     # the ones that refused, and why
    for line in refused.values():
        assert line["ok"] is False and line["error"] == "forbidden"
        assert "WSIS_CLOCK=manual" in line["message"]
    assert "no clock was set" in result.stderr
    for name in SERVICES[4:]:
        assert name in result.stderr
    # Nothing moved, the manual clocks included
    for name in SERVICES[:4]:
        assert cluster.call(name, "sys.clock.get")["body"] == {"now": EPOCH, "manual": True}
    for name in SERVICES[4:]:
        assert cluster.call(name, "sys.clock.get")["body"]["manual"] is False
        # and the service itself refuses as it always did
        reply = cluster.call(name, "sys.clock.set", {"now": REHEARSAL})
        assert reply["error"]["code"] == "forbidden"


def test_no_clock_is_set_when_a_service_does_not_answer(cluster):
    cluster.start(*[name for name in SERVICES if name != "reporting"])
    result = cluster.wsisctl("--timeout", "500", "clock", "set", REHEARSAL)
    assert result.returncode == 2, result.stdout + result.stderr
    [line] = lines(result).values()
    assert line["service"] == "reporting" and line["ok"] is False and line["error"] == "timeout"
    assert "no clock was set" in result.stderr and "reporting" in result.stderr
    for name in SERVICES:
        if name != "reporting":
            assert cluster.call(name, "sys.clock.get")["body"]["now"] == EPOCH


def test_a_clock_whose_commit_failed_stays_where_it_was(tmp_path):
    cluster = Cluster(tmp_path, faults=True)
    try:
        cluster.start("voting")
        assert cluster.call("voting", "sys.clock.set", {"now": REHEARSAL})["ok"]
        cluster.fail_next_commit("voting")
        reply = cluster.call("voting", "sys.clock.set", {"now": "2030-01-01T00:00:00Z"})
        assert reply["ok"] is False and reply["error"]["code"] == "unavailable", reply
        assert cluster.commit_failed("voting")
        # Not in force, and not on disk either
        assert cluster.call("voting", "sys.clock.get")["body"]["now"] == REHEARSAL
        cluster.stop("voting")
        cluster.start("voting")
        assert cluster.call("voting", "sys.clock.get")["body"]["now"] == REHEARSAL
    finally:
        cluster.close()
