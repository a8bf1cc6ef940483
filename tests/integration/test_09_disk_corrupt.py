"""Corrupt and truncated files: the service recovers what SQLite
guarantees, or refuses to start with one line naming the file; it never
starts with silently fewer votes than it acked.

The check it relies on: "<name>.committed" in the data folder holds the
outbox's last committed seq, written after every commit (wsis_watermark.h),
and PRAGMA quick_check runs on the database at start.
"""
import os

import pytest

from wsis_harness import Cluster
from voting_helpers import CATEGORIES, VotingWorld, project


@pytest.fixture
def cluster(tmp_path):
    cluster = Cluster(tmp_path)
    yield cluster
    cluster.close()


def cast_votes(world, voters):
    """One vote per (voter, category); every one acked. The count."""
    replies = [world.cast(n, c, project(c, 1 + n % 3)) for n in range(1, voters + 1) for c in CATEGORIES]
    assert all(r["ok"] for r in replies), [r for r in replies if not r["ok"]][:1]
    return len(replies)


def refused_line(cluster, name, *words):
    """Starts name, which must refuse; the one line it said, naming words."""
    code, stderr = cluster.start_refused(name)
    assert code != 0
    errors = [line for line in stderr.splitlines() if line.startswith(f"wsis-{name}: ")]
    assert len(errors) == 1, stderr
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def votes_and_events(world):
    return sum(world.counts().values()), len(world.events("vote.cast"))


def test_a_truncated_wal_is_noticed_not_served(cluster):
    world = VotingWorld(cluster, voters=10)
    try:
        acked = cast_votes(world, 10)
        last_seq = world.events()[-1]["seq"]
        cluster.kill("voting")
        wal = cluster.data_dir / "voting.db-wal"
        assert wal.stat().st_size > 0
        # The last frames go: SQLite recovers the commits before them,
        # fewer than were acked.
        os.truncate(wal, wal.stat().st_size // 2)
        line = refused_line(cluster, "voting", "voting.committed", "voting.db", f"seq {last_seq}")
        assert "lost committed writes" in line
        # The operator accepts what is left by removing the watermark: it
        # starts, with fewer votes (that is what SQLite kept).
        (cluster.data_dir / "voting.committed").unlink()
        world.restart()
        votes, events = votes_and_events(world)
        assert votes == events and 0 < votes < acked
    finally:
        world.close()


def test_a_missing_database_with_its_wal_left_is_refused(cluster):
    world = VotingWorld(cluster, voters=5)
    try:
        cast_votes(world, 5)
        cluster.kill("voting")
        assert (cluster.data_dir / "voting.db-wal").exists()
        wal = (cluster.data_dir / "voting.db-wal").read_bytes()
        (cluster.data_dir / "voting.db").unlink()
        refused_line(cluster, "voting", "voting.db is missing", "voting.db-wal")
        # Nothing was touched: no new database, the WAL as it was.
        assert not (cluster.data_dir / "voting.db").exists()
        assert (cluster.data_dir / "voting.db-wal").read_bytes() == wal
    finally:
        world.close()


def test_a_missing_database_is_refused_not_started_empty(cluster):
    world = VotingWorld(cluster, voters=5)
    try:
        cast_votes(world, 5)
        cluster.stop("voting")
        for suffix in ("", "-wal", "-shm"):
            (cluster.data_dir / f"voting.db{suffix}").unlink(missing_ok=True)
        refused_line(cluster, "voting", "voting.db is missing", "voting.committed", "seq 90")
        assert not (cluster.data_dir / "voting.db").exists()
    finally:
        world.close()


def test_a_damaged_page_is_refused_naming_the_file(cluster):
    world = VotingWorld(cluster, voters=60)
    try:
        cast_votes(world, 60)
        cluster.stop("voting")
        database = cluster.data_dir / "voting.db"
        assert not (cluster.data_dir / "voting.db-wal").exists() or \
            (cluster.data_dir / "voting.db-wal").stat().st_size == 0
        size = database.stat().st_size
        pages = size // 4096
        assert pages > 8
        with open(database, "r+b") as file:
            file.seek((pages // 2) * 4096)
            file.write(b"\xff" * 4096)
        refused_line(cluster, "voting", "voting.db", "damaged")
    finally:
        world.close()


def test_a_clean_restart_checks_and_says_so(cluster):
    world = VotingWorld(cluster, voters=3)
    try:
        acked = cast_votes(world, 3)
        world.restart(kill=True)
        assert votes_and_events(world) == (acked, acked)
        log = cluster.log("voting")
        assert "voting.db: quick_check ok" in log
        assert "has every committed event" in log
        assert oct((cluster.data_dir / "voting.committed").stat().st_mode & 0o777) == "0o600"
    finally:
        world.close()


def test_a_missing_watermark_is_made_again_from_the_database(cluster):
    world = VotingWorld(cluster, voters=3)
    try:
        acked = cast_votes(world, 3)
        last_seq = world.events()[-1]["seq"]
        cluster.stop("voting")
        watermark = cluster.data_dir / "voting.committed"
        assert int(watermark.read_text()) == last_seq
        watermark.unlink()
        world.restart()
        assert votes_and_events(world) == (acked, acked)
        assert int(watermark.read_text()) == last_seq
        assert world.cast(1, "C1", project("C1", 1))["error"]["code"] == "already_voted"
    finally:
        world.close()


def test_a_missing_key_file_is_refused_naming_it(cluster):
    world = VotingWorld(cluster, voters=3)
    try:
        cast_votes(world, 3)
        cluster.stop("voting")
        # Beside the certificates with keys (voting_keyfile.c), else in the data dir.
        keys = cluster.keys and cluster.keys.folder / "secret"
        (keys or cluster.data_dir).joinpath("voting.key").unlink()
        refused_line(cluster, "voting", "voting.key", "missing")
    finally:
        world.close()
