-- wsis-gateway: who may sign in, and the codes and sessions of those who
-- did (docs/protocol.md, "wsis-gateway (HTTP)"). Nothing of the domain:
-- the addresses come from submissions' stakeholder.registered events.

-- version 1

-- Every registered stakeholder's address, ASCII lower case: sign-in
-- codes go only to these.
CREATE TABLE person (
    email TEXT PRIMARY KEY,
    stakeholder_id TEXT NOT NULL
) WITHOUT ROWID;

-- The one live code of an address: its SHA-256, when it was made and
-- when it expires (service clock, ms), and the wrong tries so far (5 lock
-- it).
CREATE TABLE sign_in_code (
    email TEXT PRIMARY KEY,
    code_hash BLOB NOT NULL,
    issued INTEGER NOT NULL,
    expires INTEGER NOT NULL,
    tries INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- A session: the SHA-256 of its token (the token itself is only ever in
-- the reply that made it), whom it acts for, and until when.
CREATE TABLE session (
    token_hash BLOB PRIMARY KEY,
    stakeholder_id TEXT NOT NULL,
    expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX session_expires ON session (expires);
