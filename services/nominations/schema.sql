-- wsis-nominations: its own store (docs/design.md, "Services": no service reads another's).
-- Times are UTC milliseconds from the service clock.

-- version 1

-- Prize projects and photo entries as wsis-submissions announced them
-- (submission.received / updated / withdrawn). Other kinds are not kept:
-- nothing here acts on them. `id` keeps the order projects arrived in,
-- which is the order of the nominated lists.
CREATE TABLE project (
    id            INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE,
    call          TEXT NOT NULL,
    kind          TEXT NOT NULL,            -- prize | photo
    category      TEXT,                     -- prize: one of the 18
    status        TEXT NOT NULL,            -- received, ..., withdrawn
    title         TEXT NOT NULL DEFAULT '',
    entity        TEXT,
    entity_norm   TEXT,                     -- wsis_valid_normalize (entity)
    country       TEXT
);
CREATE INDEX project_call ON project (call, kind, category);

-- Phase 2: the staff decision on each reviewed project; changeable until
-- the call's list is published.
CREATE TABLE review (
    submission_id TEXT PRIMARY KEY REFERENCES project (submission_id),
    decision      TEXT NOT NULL CHECK (decision IN ('nominate', 'reject')),
    reason        TEXT,
    decided_by    TEXT NOT NULL,
    decided_at    INTEGER NOT NULL
);

-- A call's nominated lists, published once; `nominated` is the list as
-- published (a later withdrawal does not rewrite what voters were shown).
CREATE TABLE publication (
    call          TEXT PRIMARY KEY,
    published_by  TEXT NOT NULL,
    published_at  INTEGER NOT NULL
);
CREATE TABLE nominated (
    call          TEXT NOT NULL,
    category      TEXT NOT NULL,
    position      INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    PRIMARY KEY (call, category, position),
    UNIQUE (call, submission_id)
);

-- High-Level Track Facilitators: one nominee (by e-mail) once per call.
CREATE TABLE hltf_nomination (
    id                  INTEGER PRIMARY KEY,
    call                TEXT NOT NULL,
    stakeholder_type    TEXT NOT NULL,
    nominee_name        TEXT NOT NULL,
    nominee_title       TEXT NOT NULL,
    nominee_organization TEXT NOT NULL,
    nominee_email       TEXT NOT NULL,
    nominee_email_norm  TEXT NOT NULL,
    nominee_gender      TEXT NOT NULL,
    nominator_name      TEXT NOT NULL,
    nominator_email     TEXT NOT NULL,
    nominated_at        INTEGER NOT NULL,
    UNIQUE (call, nominee_email_norm)
);

-- Gender Trendsetters (ambassadors): the same rule.
CREATE TABLE ambassador_nomination (
    id                  INTEGER PRIMARY KEY,
    call                TEXT NOT NULL,
    nominee_name        TEXT NOT NULL,
    nominee_organization TEXT NOT NULL,
    nominee_country     TEXT NOT NULL,
    nominee_email       TEXT NOT NULL,
    nominee_email_norm  TEXT NOT NULL,
    nominee_gender      TEXT NOT NULL,
    objectives          TEXT NOT NULL,      -- "1,3,6", ascending
    motivation          TEXT NOT NULL,
    nominated_at        INTEGER NOT NULL,
    UNIQUE (call, nominee_email_norm)
);

-- Phase 4: the ITU Expert Group of a call, the champions it scores (from
-- voting.closed), the scores, and the winners.
CREATE TABLE expert (
    call          TEXT NOT NULL,
    expert_id     TEXT NOT NULL,
    name          TEXT NOT NULL,
    country       TEXT NOT NULL,
    entity        TEXT NOT NULL,
    entity_norm   TEXT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at INTEGER NOT NULL,
    PRIMARY KEY (call, expert_id)
);
CREATE TABLE champion (
    call          TEXT NOT NULL,
    category      TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    votes         INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (call, submission_id)
);
CREATE INDEX champion_category ON champion (call, category, rank);
CREATE TABLE score (
    call           TEXT NOT NULL,
    submission_id  TEXT NOT NULL,
    expert_id      TEXT NOT NULL,
    results        INTEGER NOT NULL,
    empowerment    INTEGER NOT NULL,
    sdg_relevance  INTEGER NOT NULL,
    replicability  INTEGER NOT NULL,
    sustainability INTEGER NOT NULL,
    partnerships   INTEGER NOT NULL,
    wsis_values    INTEGER NOT NULL,
    total          INTEGER NOT NULL,        -- the sum of the seven, 0-70
    scored_at      INTEGER NOT NULL,
    PRIMARY KEY (call, submission_id, expert_id)
);
CREATE TABLE winner (
    call          TEXT NOT NULL,
    category      TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    tie           INTEGER NOT NULL,         -- 1: staff settled a tie
    decided_by    TEXT NOT NULL,
    decided_at    INTEGER NOT NULL,
    PRIMARY KEY (call, category)
);

-- The Photo Contest: its winners, chosen once.
CREATE TABLE photo_winner (
    call          TEXT NOT NULL,
    rank          INTEGER NOT NULL,
    submission_id TEXT NOT NULL,
    selected_by   TEXT NOT NULL,
    selected_at   INTEGER NOT NULL,
    PRIMARY KEY (call, rank)
);
