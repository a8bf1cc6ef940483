"""make run's script: every service up, wsisctl ping all healthy, Ctrl-C stops all."""
import json
import os
import signal
import subprocess
import time

from wsis_harness import ROOT, SERVICES, Cluster


def test_run_local_starts_everything_and_stops_on_interrupt(tmp_path):
    cluster = Cluster(tmp_path)      # only for its config file with free ports
    env = cluster.env()
    env["WSIS_DATA_DIR"] = str(tmp_path / "var")
    run = subprocess.Popen([os.path.join(ROOT, "scripts", "run-local.sh")], env=env, cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           start_new_session=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = run.stdout.readline()
            assert line, "run-local.sh ended early:\n" + "".join(lines)
            lines.append(line)
            if "Ctrl-C stops everything" in line:
                break
        output = "".join(lines)
        assert "wsis is running" in output
        for name in SERVICES:
            assert f'"service":"{name}"' in output

        ping = subprocess.run([os.path.join(ROOT, "bin", "wsisctl"), "ping", "all"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=30)
        assert ping.returncode == 0, ping.stdout + ping.stderr
        replies = [json.loads(line) for line in ping.stdout.splitlines()]
        assert sorted(r["service"] for r in replies) == sorted(SERVICES)
        assert all(r["ok"] for r in replies)
        for name in SERVICES:
            assert (tmp_path / "var" / f"{name}.db").exists()

        os.killpg(run.pid, signal.SIGINT)
        rest, _ = run.communicate(timeout=30)
        assert run.returncode == 0, rest
        assert "all services stopped" in rest
        ping = subprocess.run([os.path.join(ROOT, "bin", "wsisctl"), "ping", "all", "--timeout", "300"],
                              env=env, cwd=ROOT, capture_output=True, text=True, timeout=30)
        assert ping.returncode != 0
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
