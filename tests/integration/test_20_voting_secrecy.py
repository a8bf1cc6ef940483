"""wsis-voting: the ballot is secret at rest too (docs/design.md, "The voting key").

A copy of voting.db alone must not tell how anyone voted. These tests read
the data folder the way someone holding a copy would: the database with
Python's sqlite3 and its bytes, the key file's mode. The key is outside
the database (0600, made at first start); a key that is missing, another
one, or readable by others stops the service with one line naming the
file, rather than let everyone vote again under a new key. A voting.db of
the schema before the key file (the receipt secret in table `secret`, the
vote log keyed by voter_no) is migrated at start, its receipts still
verifying and its votes still counting against duplicates.
"""
import hashlib
import hmac
import os
import shutil
import sqlite3
import stat

import pytest

from wsis_harness import ROOT, Cluster, next_event
from voting_helpers import (CALL, CATEGORIES, DURING, VotingWorld, ballot_lists, project, voter)

VOTE_COLUMNS = {"vote_no", "pseudonym", "candidate_no", "request", "receipt"}


def key_file(cluster):
    """Beside the certificates with keys (voting_keyfile.c), else in the data dir."""
    return (cluster.keys.folder / "secret" if cluster.keys else cluster.data_dir) / "voting.key"


def stop_and_copy(world, tmp_path):
    """voting.db alone, as a copy taken after a clean stop."""
    world.cluster.stop("voting")
    copy = tmp_path / "copy-of-voting.db"
    shutil.copyfile(world.cluster.data_dir / "voting.db", copy)
    return copy


def start_again(world):
    world.cluster.start("voting")
    world.wait_applied()
    world.set_clock(DURING)


def disk_bytes(cluster):
    """voting.db and, if there is one, its WAL."""
    data = b""
    for name in ("voting.db", "voting.db-wal"):
        path = cluster.data_dir / name
        if path.exists():
            data += path.read_bytes()
    return data


def refusal(cluster):
    """Starts wsis-voting expecting a refusal: its one line of stderr (the
    log's information lines before it aside: what the start checked)."""
    status, stderr = cluster.start_refused("voting")
    assert status != 0, stderr
    lines = [line for line in stderr.splitlines() if line.strip() and not line.startswith("I: ")]
    assert len(lines) == 1, stderr
    return lines[0]


def fnv_request(role, actor, request_id):
    """The request hash of the code before version 2 (FNV-1a of role, actor
    and id, each followed by 0xff), as SQLite stored it (signed)."""
    h = 14695981039346656037
    for part in (role, actor, request_id):
        for b in part.encode() + b"\xff":
            h = ((h ^ b) * 1099511628211) & (2 ** 64 - 1)
    return h - 2 ** 64 if h >= 2 ** 63 else h


def old_receipt(secret, vote_no, category, submission, voter_id):
    """A receipt of the code before version 2: its HMAC over the voter_id."""
    text = f"{CALL}\0{category}\0{submission}\0{voter_id}".encode()
    return f"{vote_no:016x}" + hmac.new(secret, text, hashlib.sha256).hexdigest()


def cells(db, skip=("voter",)):
    """Every (table, column, value) of the copy, but the tables in skip."""
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'")]
        for table in tables:
            if table in skip:
                continue
            columns = [r[1] for r in con.execute(f"PRAGMA table_info ({table})")]
            for row in con.execute(f"SELECT * FROM {table}"):
                for column, value in zip(columns, row):
                    yield table, column, value
    finally:
        con.close()


def query(db, sql):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


# ---------------------------------------------------------------- the copy

def test_no_row_of_voting_db_links_a_voter_to_a_choice(cluster, tmp_path):
    world = VotingWorld(cluster, voters=12, per_category=3)
    try:
        # Votes as stakeholders and through the gateway, a duplicate and a
        # resend, in several categories; stk-1 and stk-10 share a prefix.
        sent = [(1, "C1", 1, "stakeholder", "a1"), (1, "C2", 2, "stakeholder", "a2"),
                (1, "e-gov", 3, "gateway", "a3"), (10, "C1", 2, "stakeholder", "b1"),
                (2, "C1", 1, "gateway", "c1"), (2, "C11", 3, "stakeholder", "c2")]
        receipts = {}
        for n, category, k, role, request_id in sent:
            reply = world.cast(n, category, project(category, k), role=role, id=request_id)
            assert reply["ok"] and not reply["body"]["duplicate"], reply
            receipts[(n, category)] = reply["body"]["receipt"]
        assert world.cast(1, "C1", project("C1", 1))["body"]["duplicate"] is True
        assert world.cast(1, "C1", project("C1", 1), id="a1")["body"]["duplicate"] is False
        copy = stop_and_copy(world, tmp_path)

        # Who may vote is there, in clear: the eligibility check needs it.
        voters = dict(query(copy, "SELECT stakeholder_id, voter_no FROM voter"))
        assert len(voters) == 12
        # No other table names a voter, nor has a column to join the voter
        # table on.
        for table, column, value in cells(copy):
            assert column not in ("voter_no", "stakeholder_id", "voter_id", "voter"), (table, column)
            text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
            assert "stk-" not in text, (table, column, value)
        columns = {r[1] for r in query(copy, "PRAGMA table_info (vote)")}
        assert columns == VOTE_COLUMNS
        assert not query(copy, "SELECT name FROM sqlite_schema WHERE name = 'secret'")

        # A vote names its voter by a pseudonym: the same for one voter's
        # votes, another for another voter, and no hash anyone could make
        # from the voter table without the key.
        rows = query(copy, "SELECT vote_no, pseudonym, request, receipt FROM vote ORDER BY vote_no")
        assert len(rows) == len(sent)
        pseudonyms = [r[1] for r in rows]
        assert all(isinstance(p, bytes) and len(p) == 16 for p in pseudonyms)
        assert pseudonyms[0] == pseudonyms[1] == pseudonyms[2]
        assert len({pseudonyms[0], pseudonyms[3], pseudonyms[4]}) == 3
        assert pseudonyms[4] == pseudonyms[5]
        assert all(r[3] is None for r in rows)
        unkeyed = set()
        for stakeholder_id in voters:
            for name in ("sha256", "sha1", "md5", "blake2b", "sha512"):
                unkeyed.add(hashlib.new(name, stakeholder_id.encode()).digest()[:16])
        assert not unkeyed & set(pseudonyms)
        # The request hash is keyed too: a stakeholder's vote was sent by
        # the voter itself.
        plain = {fnv_request(role, voter(n) if role == "stakeholder" else "web-gateway", request_id)
                 for n, category, k, role, request_id in sent}
        assert not plain & {r[2] for r in rows}
    finally:
        world.close()


@pytest.fixture
def voted(cluster):
    """One vote cast under umask 022: (world, the vote, its receipt)."""
    umask = os.umask(0o022)
    try:
        world = VotingWorld(cluster, voters=4, per_category=2)
    finally:
        os.umask(umask)
    vote = (3, "C4", project("C4", 1))
    reply = world.cast(*vote)
    assert reply["ok"], reply
    yield world, vote, reply["body"]["receipt"]
    world.close()


def still_counted(world, vote, receipt):
    """Started again: the vote is there, final, and its receipt verifies."""
    start_again(world)
    n, category, submission = vote
    assert world.cast(n, category, submission)["body"] == {"receipt": receipt, "duplicate": True}
    other = project(category, 2)
    assert world.cast(n, category, other)["error"]["code"] == "already_voted"
    verified = world.cluster.call("voting", "vote.verify", {"receipt": receipt}, role="public")
    assert verified["body"]["submission_id"] == submission


def test_the_key_file_is_0600_and_voting_db_holds_no_copy_of_it(voted, tmp_path):
    world, vote, receipt = voted
    key = key_file(world.cluster)
    info = key.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert stat.S_ISREG(info.st_mode) and info.st_size >= 32
    secret = key.read_bytes()
    # Neither while it runs nor after, not even 8 bytes of it.
    for stopped in (False, True):
        if stopped:
            stop_and_copy(world, tmp_path)
        data = disk_bytes(world.cluster)
        assert not any(secret[i:i + 8] in data for i in range(len(secret) - 7))
    still_counted(world, vote, receipt)


# ---------------------------------------------------------------- refusals

def test_a_key_file_open_to_others_stops_the_service_naming_it(voted):
    world, vote, receipt = voted
    world.cluster.stop("voting")
    key = key_file(world.cluster)
    key.chmod(0o644)
    line = refusal(world.cluster)
    assert str(key) in line and "0644" in line, line
    key.chmod(0o600)
    still_counted(world, vote, receipt)


def test_a_missing_or_other_key_after_votes_stops_the_service(voted):
    world, vote, receipt = voted
    world.cluster.stop("voting")
    key = key_file(world.cluster)
    kept = key.read_bytes()
    key.unlink()
    # A new key would give every voter a new pseudonym: everyone could
    # vote again, and no receipt would verify.
    line = refusal(world.cluster)
    assert str(key) in line, line
    assert "is missing; the votes cannot be checked without it" in line, line
    assert not key.exists()

    key.write_bytes(os.urandom(len(kept)))
    key.chmod(0o600)
    line = refusal(world.cluster)
    assert str(key) in line and "is not the key of this voting.db" in line, line

    key.write_bytes(kept)
    still_counted(world, vote, receipt)


def test_the_key_file_option_puts_the_key_elsewhere(tmp_path):
    elsewhere = tmp_path / "keys" / "secret"
    elsewhere.mkdir(parents=True)
    cluster = Cluster(tmp_path, options={"voting": {"key_file": elsewhere / "ballot.key"}})
    world = VotingWorld(cluster, voters=2, per_category=1)
    try:
        assert world.cast(1, "C1", project("C1", 1))["ok"]
        assert stat.S_IMODE((elsewhere / "ballot.key").stat().st_mode) == 0o600
        assert not key_file(cluster).exists()
    finally:
        world.close()
        cluster.close()


# ---------------------------------------------------------------- restarts

def test_after_a_restart_the_index_rebuilt_from_pseudonyms_counts_the_same(tmp_path):
    cluster = Cluster(tmp_path, options={"voting": {"complete_ballot_required": "true"}})
    world = VotingWorld(cluster, voters=4, per_category=2)
    try:
        # stk-1 completes its ballot; stk-2 votes in every category but
        # one; stk-3 once.
        receipts = {}
        for n, categories in ((1, CATEGORIES), (2, CATEGORIES[:-1]), (3, CATEGORIES[:1])):
            for category in categories:
                reply = world.cast(n, category, project(category, 1), id=f"{n}-{category}")
                assert reply["ok"], reply
                receipts[(n, category)] = reply["body"]["receipt"]
        before = world.tally()["body"]
        # The log holds no voter numbers: numbered otherwise (stk-1 and
        # stk-2 swapped), the voter table still says only who may vote,
        # and every vote stays its voter's.
        cluster.stop("voting")
        con = sqlite3.connect(cluster.data_dir / "voting.db")
        con.executescript("UPDATE voter SET stakeholder_id = 'swap' WHERE voter_no = 1;"
                          "UPDATE voter SET stakeholder_id = 'stk-1' WHERE voter_no = 2;"
                          "UPDATE voter SET stakeholder_id = 'stk-2' WHERE voter_no = 1;")
        con.close()
        start_again(world)

        assert world.tally()["body"] == before
        assert (before["votes"], before["votes_cast"], before["complete_voters"]) == (18, 36, 1)
        verify = lambda r: cluster.call("voting", "vote.verify", {"receipt": r}, role="public")["body"]
        assert verify(receipts[(1, "C1")])["counted"] is True
        assert verify(receipts[(2, "C1")])["counted"] is False
        # A resend gets its first reply, the same vote again is a
        # duplicate, another project is refused.
        assert world.cast(2, "C5", project("C5", 1), id="2-C5")["body"] == {
            "receipt": receipts[(2, "C5")], "duplicate": False}
        assert world.cast(2, "C5", project("C5", 1))["body"]["duplicate"] is True
        assert world.cast(2, "C5", project("C5", 2))["error"]["code"] == "already_voted"
        # stk-2's last category completes its ballot: all of it counts now.
        sub = cluster.subscribe("vote.")
        assert world.cast(2, CATEGORIES[-1], project(CATEGORIES[-1], 2))["ok"]
        assert next_event(sub, lambda t, e: t == "vote.cast")["body"]["new_voter"] is False
        assert verify(receipts[(2, "C1")])["counted"] is True
        tally = world.tally()["body"]
        assert (tally["votes"], tally["complete_voters"], tally["voters_cast"]) == (36, 2, 3)
    finally:
        world.close()
        cluster.close()


# ---------------------------------------------------------------- migration

OLD_VOTES = [
    # (voter n, category, project k, role, request id)
    (1, "C1", 1, "stakeholder", "old-1"),
    (1, "C2", 2, "stakeholder", "old-2"),
    (2, "C1", 1, "gateway", "old-3"),
    (3, "e-gov", 3, "gateway", "old-4"),
    (10, "C1", 2, "stakeholder", "old-5"),
]


def make_version_1(cluster, voters, per_category):
    """voting.db as the code before the key file left it: schema version 1
    (schema.sql up to its version 2), the receipt secret in table secret,
    the vote log keyed by voter_no. Returns the secret and the receipts."""
    text = open(os.path.join(ROOT, "services", "voting", "schema.sql")).read()
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(cluster.data_dir / "voting.db")
    con.execute("PRAGMA journal_mode = WAL")
    con.executescript(text[:text.index("-- version 2")])
    con.execute("PRAGMA user_version = 1")
    secret = os.urandom(32)
    con.execute("INSERT INTO secret (id, key) VALUES (1, ?)", (secret,))
    con.executemany("INSERT INTO voter (voter_no, stakeholder_id) VALUES (?, ?)",
                    [(n, voter(n)) for n in range(1, voters + 1)])
    con.execute("INSERT INTO poll (call, published_at) VALUES (?, 0)", (CALL,))
    candidates = {}
    for category, projects in ballot_lists(per_category).items():
        for position, submission in enumerate(projects):
            candidates[submission] = len(candidates) + 1
            con.execute("INSERT INTO candidate (candidate_no, call, category, submission_id, position)"
                        " VALUES (?, ?, ?, ?, ?)", (candidates[submission], CALL, category, submission,
                                                    position))
    receipts = {}
    for vote_no, (n, category, k, role, request_id) in enumerate(OLD_VOTES, 1):
        actor = voter(n) if role == "stakeholder" else "web-gateway"
        submission = project(category, k)
        con.execute("INSERT INTO vote (vote_no, voter_no, candidate_no, request) VALUES (?, ?, ?, ?)",
                    (vote_no, n, candidates[submission], fnv_request(role, actor, request_id)))
        con.execute("UPDATE candidate SET votes_cast = votes_cast + 1, last_cast = ? WHERE candidate_no = ?",
                    (vote_no, candidates[submission]))
        receipts[(n, category)] = old_receipt(secret, vote_no, category, submission, voter(n))
    con.commit()
    con.close()
    return secret, receipts


def test_a_version_1_voting_db_is_migrated_and_its_receipts_still_verify(cluster, tmp_path):
    secret, receipts = make_version_1(cluster, voters=12, per_category=3)
    assert secret in disk_bytes(cluster)
    world = VotingWorld(cluster, voters=12, per_category=3)
    try:
        assert "voting.db migrated" in cluster.log("voting")
        key = key_file(cluster)
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        assert key.read_bytes()[32:] == secret

        def check_old_votes():
            for (n, category), receipt in receipts.items():
                k = next(k for m, c, k, r, i in OLD_VOTES if (m, c) == (n, category))
                verified = cluster.call("voting", "vote.verify", {"receipt": receipt}, role="public")
                assert verified["body"] == {"call": CALL, "category": category,
                                            "submission_id": project(category, k), "counted": True}
                assert world.cast(n, category, project(category, k), role="gateway")["body"] == {
                    "receipt": receipt, "duplicate": True}
                other = project(category, k % 3 + 1)
                assert world.cast(n, category, other, role="gateway")["error"]["code"] == "already_voted"

        check_old_votes()
        # A resend of a request of the old log gets its first reply.
        assert world.cast(1, "C2", project("C2", 2), id="old-2")["body"] == {
            "receipt": receipts[(1, "C2")], "duplicate": False}
        # New votes go on after the old log's last one; stk-1 has voted
        # before, stk-4 not.
        sub = cluster.subscribe("vote.")
        reply = world.cast(1, "C3", project("C3", 1))
        assert int(reply["body"]["receipt"][:16], 16) == len(OLD_VOTES) + 1
        assert next_event(sub, lambda t, e: t == "vote.cast")["body"]["new_voter"] is False
        assert world.cast(4, "C3", project("C3", 1))["ok"]
        assert next_event(sub, lambda t, e: t == "vote.cast")["body"]["new_voter"] is True
        counts = world.counts()
        assert (counts[project("C1", 1)], counts[project("C1", 2)], counts[project("C3", 1)]) == (2, 1, 2)
        assert world.tally()["body"]["voters_cast"] == 5

        # Nothing of the secret or of the old log's voter numbers is left.
        copy = stop_and_copy(world, tmp_path)
        assert secret not in disk_bytes(cluster) and secret[:8] not in disk_bytes(cluster)
        assert not query(copy, "SELECT name FROM sqlite_schema WHERE name = 'secret'")
        assert {r[1] for r in query(copy, "PRAGMA table_info (vote)")} == VOTE_COLUMNS
        assert query(copy, "PRAGMA user_version") == [(3,)]
        # Once migrated it stays so: the next start checks the key.
        start_again(world)
        check_old_votes()
    finally:
        world.close()


def request_before_version_3(master, role, actor, request_id):
    """The keyed request hash of the code before version 3 of the schema:
    HMAC-SHA256 with the subkey "wsis voting request", its first 8 bytes,
    as SQLite stored it (signed)."""
    subkey = hmac.new(master, b"wsis voting request", hashlib.sha256).digest()
    plain = (fnv_request(role, actor, request_id) % 2 ** 64).to_bytes(8, "big")
    keyed = int.from_bytes(hmac.new(subkey, plain, hashlib.sha256).digest()[:8], "big")
    return keyed - 2 ** 64 if keyed >= 2 ** 63 else keyed


def test_a_version_2_voting_db_is_migrated_and_its_requests_still_resend(cluster, tmp_path):
    """Version 3 keys request hashes with SipHash and drops the candidate
    rows' counts (the log is their record): a voting.db of version 2, its
    request hashes made with HMAC-SHA256 and its counts in the candidate
    rows, still answers a resend of its votes with their first reply, and
    counts the same."""
    world = VotingWorld(cluster, voters=6, per_category=3)
    try:
        sent = [(1, "C1", 1, "stakeholder", "r1"), (1, "C2", 2, "gateway", "r2"),
                (2, "C1", 3, "stakeholder", "r3")]
        receipts = {}
        for n, category, k, role, request_id in sent:
            reply = world.cast(n, category, project(category, k), role=role, id=request_id)
            assert reply["ok"] and not reply["body"]["duplicate"], reply
            receipts[request_id] = reply["body"]["receipt"]
        before = world.counts()
        cluster.stop("voting")

        # The same store as the code before version 3 left it.
        master = key_file(cluster).read_bytes()[:32]
        con = sqlite3.connect(cluster.data_dir / "voting.db")
        for vote_no, (n, category, k, role, request_id) in enumerate(sent, 1):
            actor = voter(n) if role == "stakeholder" else "web-gateway"
            con.execute("UPDATE vote SET request = ? WHERE vote_no = ?",
                        (request_before_version_3(master, role, actor, request_id), vote_no))
        for column in ("votes_cast", "last_cast", "votes_complete", "last_complete"):
            con.execute(f"ALTER TABLE candidate ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
        con.execute("UPDATE candidate SET votes_cast = 99")
        con.execute("PRAGMA user_version = 2")
        con.commit()
        con.close()

        start_again(world)
        copy = stop_and_copy(world, tmp_path)
        assert query(copy, "PRAGMA user_version") == [(3,)]
        assert {r[1] for r in query(copy, "PRAGMA table_info (candidate)")} == {
            "candidate_no", "call", "category", "submission_id", "position"}
        start_again(world)
        # The counts are the log's, not what the old rows said.
        assert world.counts() == before
        for n, category, k, role, request_id in sent:
            again = world.cast(n, category, project(category, k), role=role, id=request_id)
            assert again["body"] == {"receipt": receipts[request_id], "duplicate": False}, again
            other = world.cast(n, category, project(category, k), role=role, id=request_id + "-new")
            assert other["body"] == {"receipt": receipts[request_id], "duplicate": True}, other
        # A new vote's request hash is today's: a resend of it is one too.
        new = world.cast(3, "C1", project("C1", 2), id="r4")
        assert new["body"]["duplicate"] is False
        assert world.cast(3, "C1", project("C1", 2), id="r4")["body"] == new["body"]
        assert world.counts() == {**before, project("C1", 2): before[project("C1", 2)] + 1}
    finally:
        world.close()
