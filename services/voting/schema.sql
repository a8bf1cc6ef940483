-- wsis-voting: eligible voters, ballots, tallies, champions.
--
-- Shaped for the real load (1.3-2 million votes a year, most near the
-- deadline): the vote log is append-only in commit order, with no index but
-- its rowid, so a vote writes to the end of one B-tree. Uniqueness of a
-- voter's vote per call and category is checked against an index kept in
-- memory and rebuilt from this log at start.

-- version 1

-- The per-installation secret of the receipts (HMAC-SHA256 key), made at
-- first start.
CREATE TABLE secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL
);

-- Registered stakeholders (stakeholder.registered), numbered in the order
-- they were registered; the lookup by stakeholder_id is kept in memory.
CREATE TABLE voter (
    voter_no INTEGER PRIMARY KEY,
    stakeholder_id TEXT NOT NULL
);

-- The public vote of a prize call: published when nominations.published
-- was applied, closed with the voting.closed body as result.
CREATE TABLE poll (
    call TEXT PRIMARY KEY,
    published_at INTEGER,
    closed_at INTEGER,
    closed_by TEXT,
    result BLOB
);

-- Nominated projects of a call and their running counts, updated in the
-- same transaction as each vote: votes_cast counts every vote, and
-- votes_complete the votes of complete ballots (the 2013 rule); last_* is
-- the number of the vote after which the count was reached (the tie-break
-- at the cut-off of the champions).
CREATE TABLE candidate (
    candidate_no INTEGER PRIMARY KEY,
    call TEXT NOT NULL,
    category TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    votes_cast INTEGER NOT NULL DEFAULT 0,
    last_cast INTEGER NOT NULL DEFAULT 0,
    votes_complete INTEGER NOT NULL DEFAULT 0,
    last_complete INTEGER NOT NULL DEFAULT 0,
    UNIQUE (call, category, submission_id)
);

-- The vote log, append-only in commit order (vote_no is given by the
-- service: the last one plus one). request is a hash of who sent the vote
-- and the request id, so a resend of the same request gets its first reply.
CREATE TABLE vote (
    vote_no INTEGER PRIMARY KEY,
    voter_no INTEGER NOT NULL,
    candidate_no INTEGER NOT NULL,
    request INTEGER NOT NULL
);

-- version 2

-- The ballot is secret at rest too: a copy of this file alone must not
-- tell how anyone voted (docs/design.md, "The voting key"). The receipt
-- secret leaves it for the key file, which the service made holding that
-- secret before this section runs (voting_keyfile.c), so the receipts
-- already given still verify. The vote log names a voter only by its
-- pseudonym, an HMAC of the stakeholder_id with a subkey of that file:
-- without the key, no vote joins to the voter table. The voting_*
-- functions are the service's own (voting_store.c), keyed with that file.
-- The service runs with secure_delete on, so the dropped secret and voter
-- numbers are overwritten, not left in free pages.

-- The fingerprint of the key the pseudonyms were made with, never the key:
-- a missing or different key file stops the service instead of letting
-- everyone vote again under new pseudonyms.
CREATE TABLE key_check (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    fingerprint BLOB NOT NULL
);
INSERT INTO key_check (id, fingerprint) VALUES (1, voting_key_check ());

-- The vote log, append-only in commit order (vote_no is given by the
-- service: the last one plus one). pseudonym is the voter's (16 bytes).
-- request is a keyed hash of who sent the vote and the request id, so a
-- resend of the same request gets its first reply. receipt is the HMAC of
-- a receipt given before this version, made over the voter_id that the log
-- no longer holds; NULL for later votes, whose receipt is made again from
-- the row.
CREATE TABLE vote_by_pseudonym (
    vote_no INTEGER PRIMARY KEY,
    pseudonym BLOB NOT NULL,
    candidate_no INTEGER NOT NULL,
    request INTEGER NOT NULL,
    receipt BLOB
);
INSERT INTO vote_by_pseudonym (vote_no, pseudonym, candidate_no, request, receipt)
    SELECT vote.vote_no, voting_pseudonym (voter.stakeholder_id), vote.candidate_no,
           voting_request (vote.request),
           voting_receipt_mac (candidate.call, candidate.category, candidate.submission_id,
                               voter.stakeholder_id)
    FROM vote
    LEFT JOIN voter ON voter.voter_no = vote.voter_no
    LEFT JOIN candidate ON candidate.candidate_no = vote.candidate_no
    ORDER BY vote.vote_no;
DROP TABLE vote;
ALTER TABLE vote_by_pseudonym RENAME TO vote;
DROP TABLE secret;

-- version 3

-- The counts of each candidate are the vote log's: replayed from it at
-- start (voting_state.c) and kept in memory for tally and close. Kept in
-- the candidate rows as well, they cost an UPDATE per vote (a tenth of a
-- vote's work on the hot path) and said nothing the log does not.
ALTER TABLE candidate DROP COLUMN votes_cast;
ALTER TABLE candidate DROP COLUMN last_cast;
ALTER TABLE candidate DROP COLUMN votes_complete;
ALTER TABLE candidate DROP COLUMN last_complete;
