"""docs/operating.md, run: every ```sh block of the operator's guide, in
order, against the real services of a fresh rehearsal (manual clock, the
shipped calendar and staff), from registration to winners. A command of
the guide that fails fails this test, so the guide cannot rot; then the
state the guide promises is checked from outside, as a client would.
"""
import json
import os
import re
import subprocess

from wsis_harness import ROOT, Cluster

GUIDE = os.path.join(ROOT, "docs", "operating.md")


def guide_blocks():
    """The ```sh blocks of the guide, each with the heading it is under."""
    text = open(GUIDE, encoding="utf-8").read()
    blocks, heading = [], ""
    for match in re.finditer(r"^(#+ [^\n]*)$|^```(\w*)\n(.*?)^```$", text, re.M | re.S):
        if match.group(1):
            heading = match.group(1)
        elif match.group(2) == "sh":
            blocks.append((heading, match.group(3)))
    return blocks


def test_the_guide_has_runnable_steps():
    blocks = guide_blocks()
    commands = [line for _, block in blocks for line in block.splitlines() if line.strip()]
    # Every step of an edition is there, not a shortened guide.
    for op in ["stakeholder.register", "submission.create", "hltf.nominate", "ambassador.nominate",
               "review.decide", "nominations.publish", "vote.cast", "expert.register",
               "selection.score", "selection.finalize", "photo.winners.select", "report.summary",
               "notify.schedule", "notify.list", "clock set"]:
        assert any(op in line for line in commands), f"the guide never runs {op}"


def test_the_guide_runs_from_registration_to_winners(tmp_path):
    c = Cluster(tmp_path, secure=False).start_all()
    try:
        env = c.env()
        outputs = []
        for heading, block in guide_blocks():
            run = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=120)
            assert run.returncode == 0, (
                f"docs/operating.md, under {heading!r}: exit {run.returncode}\n"
                f"{block}\nstdout:\n{run.stdout[-3000:]}\nstderr:\n{run.stderr[-3000:]}")
            outputs.append(run.stdout)

        # What the guide says the edition ends with.
        results = c.call("reporting", "report.results", {"call": "prizes-2027"}, role="public")
        assert results["ok"], results
        assert "sub-1" in json.dumps(results["body"])
        record = c.call("submissions", "submission.get", {"submission_id": "sub-1"}, role="public")["body"]
        assert record["contest_status"] == "winner"
        closed = [e for e in c.events("voting") if e["type"] == "voting.closed"]
        assert len(closed) == 1 and closed[0]["body"]["champions"]["e-lea"][0] == "sub-1"
        photo = [e for e in c.events("nominations") if e["type"] == "photo.winners.selected"]
        assert len(photo) == 1 and sorted(photo[0]["body"]["winners"]) == ["sub-4", "sub-5", "sub-6"]
        now = c.call("voting", "sys.clock.get", role="public")["body"]["now"]
        assert now.startswith("2027-05-30T07:00:00")
    finally:
        c.close()
