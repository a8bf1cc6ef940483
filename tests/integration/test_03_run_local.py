"""make run and its script: every service up, wsisctl ping all healthy, a
banner that says what it runs with, a rehearsal in a data dir of its own
with a manual clock (make run DATA=... CLOCK=manual), and SIGINT stopping
everything whether the script runs in the foreground or in the background
of a non-interactive shell."""
import contextlib
import json
import os
import re
import signal
import subprocess
import time

from wsis_harness import ROOT, SERVICES, Cluster

WSISCTL = os.path.join(ROOT, "bin", "wsisctl")     # the binaries make run runs


def read_banner(run, lines, last="  stop:"):
    """The output of a starting run up to its banner's last line."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = run.stdout.readline()
        assert line, "the run ended early:\n" + "".join(lines)
        lines.append(line)
        if line.startswith(last):
            return "".join(lines)
    raise AssertionError("no banner within 60 s:\n" + "".join(lines))


def wsisctl(env, *args):
    return subprocess.run([WSISCTL, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=30)


def all_down(env):
    return wsisctl(env, "ping", "all", "--timeout", "300").returncode != 0


def stopped_pids(output):
    """The service pids the script said it stopped."""
    [line] = [line for line in output.splitlines() if line.startswith("stopping: ")]
    return [int(pid) for pid in line.split()[1:]]


def gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    # A zombie is gone too: nobody reaps the services of a script that ended
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(")")[-1].split()[0] == "Z"


@contextlib.contextmanager
def running(process):
    """A run in a session of its own, killed whole if the test leaves it
    running."""
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def stop(run, env, send, exits=(0,)):
    """Sends the stopping signal (send()), waits for the run to end and
    checks that every service it started has stopped."""
    send()
    rest, _ = run.communicate(timeout=30)
    assert run.returncode in exits, rest
    assert "all services stopped" in rest
    assert all(gone(pid) for pid in stopped_pids(rest))
    assert all_down(env)


def test_run_local_starts_everything_and_stops_on_interrupt(tmp_path):
    # Only for its config file with free ports; make run is development mode.
    cluster = Cluster(tmp_path, secure=False)
    env = cluster.env()
    env["WSIS_DATA_DIR"] = str(tmp_path / "var")
    run = subprocess.Popen([os.path.join(ROOT, "scripts", "run-local.sh")], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    with running(run):
        output = read_banner(run, [])
        assert "wsis is running" in output
        for name in SERVICES:
            assert f'"service":"{name}"' in output
        # What it runs with, and how to stop it
        assert f"  config:    {cluster.config}\n" in output
        assert f"  data dir:  {tmp_path / 'var'}\n" in output
        assert f"  calendar:  {ROOT}/configs/calendar.cfg\n" in output
        assert "  clock:     manual" in output
        assert "  keys:      none (development mode" in output
        assert f"publishers port {cluster.ports['xsub']}, subscribers {cluster.ports['xpub']}" in output
        assert re.search(rf"  stop:      Ctrl-C here, or kill -INT {run.pid} ", output), output

        ping = wsisctl(env, "ping", "all")
        assert ping.returncode == 0, ping.stdout + ping.stderr
        replies = [json.loads(line) for line in ping.stdout.splitlines()]
        assert sorted(r["service"] for r in replies) == sorted(SERVICES)
        assert all(r["ok"] for r in replies)
        for name in SERVICES:
            assert (tmp_path / "var" / f"{name}.db").exists()

        # Ctrl-C in a terminal: SIGINT to the whole foreground group
        stop(run, env, lambda: os.killpg(run.pid, signal.SIGINT))


def make_run(env, data, clock="manual"):
    # make's own variables from an outer make (make integration) are not
    # this one's: its jobserver is not ours to use
    env = {k: v for k, v in env.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    return subprocess.Popen(["make", "--no-print-directory", "run", f"DATA={data}", f"CLOCK={clock}"],
                            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, start_new_session=True)


def test_make_run_rehearsal_in_its_own_data_dir_with_a_manual_clock(tmp_path):
    # The configuration says real clock and data in tmp_path/data: the
    # rehearsal's DATA and CLOCK win, and the real data dir stays empty.
    cluster = Cluster(tmp_path, manual_clock=False)
    env = cluster.env()
    rehearsal = tmp_path / "var-rehearsal"
    run = make_run(env, rehearsal)
    with running(run):
        output = read_banner(run, [])
        assert f"  data dir:  {rehearsal}\n" in output
        assert "  clock:     manual" in output
        for name in SERVICES:
            assert (rehearsal / f"{name}.db").exists()
        assert not cluster.data_dir.exists()
        # Every clock is manual and at the epoch; move them all at once
        result = wsisctl(env, "clock", "set", "2027-03-31 22:00 Europe/Geneva")
        assert result.returncode == 0, result.stdout + result.stderr
        # Ctrl-C: the script stops everything; make itself ends by the
        # signal, as make does on Ctrl-C
        stop(run, env, lambda: os.killpg(run.pid, signal.SIGINT), exits=(0, -signal.SIGINT))

    # The rehearsal goes on another day from where its clock was
    run = make_run(env, rehearsal)
    with running(run):
        read_banner(run, [])
        result = wsisctl(env, "clock", "get")
        assert result.returncode == 0, result.stdout + result.stderr
        clocks = [json.loads(line) for line in result.stdout.splitlines()]
        assert {(c["now"], c["manual"]) for c in clocks} == {("2027-03-31T20:00:00Z", True)}
        stop(run, env, lambda: os.killpg(run.pid, signal.SIGTERM), exits=(0, -signal.SIGTERM))


def test_sigint_stops_a_run_in_the_background_of_a_script(tmp_path):
    # `scripts/run-local.sh &` in a non-interactive shell: the job starts
    # with SIGINT ignored, which bash would not let the script trap.
    cluster = Cluster(tmp_path)
    env = cluster.env()
    env["WSIS_DATA_DIR"] = str(tmp_path / "var")
    shell = subprocess.Popen(["bash", "-c", "scripts/run-local.sh & echo \"script $!\"; wait"],
                             env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, start_new_session=True)
    with running(shell):
        lines = []
        output = read_banner(shell, lines)
        [script] = [int(line.split()[1]) for line in lines if line.startswith("script ")]
        assert f"kill -INT {script} " in output
        with open(f"/proc/{script}/status") as status:
            ignored = int([line for line in status if line.startswith("SigIgn:")][0].split()[1], 16)
        assert not ignored & (1 << (signal.SIGINT - 1)), "the script still ignores SIGINT"
        stop(shell, env, lambda: os.kill(script, signal.SIGINT))
