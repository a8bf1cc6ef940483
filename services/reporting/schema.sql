-- wsis-reporting: read models, built from the events of the other services
-- only (docs/design.md, "Services": no service reads another's database).
-- Everything here can be thrown away and built again from the sources'
-- event logs (wsis-reporting --rebuild).

-- version 1

-- Every submission as its record said (submission.received / .updated),
-- withdrawn when submission.withdrawn came.
CREATE TABLE submission (
    submission_id TEXT PRIMARY KEY,
    call TEXT NOT NULL,
    kind TEXT NOT NULL,             -- prize | stocktaking | photo | ocp | repository
    withdrawn INTEGER NOT NULL DEFAULT 0,
    stakeholder_id TEXT,
    category TEXT,                  -- prize: its one category
    entity TEXT,
    stakeholder_type TEXT,
    region TEXT,
    country TEXT,
    title TEXT NOT NULL DEFAULT '',
    description TEXT,               -- prize: the short description; else the description or caption
    impact TEXT,
    request TEXT,                   -- ocp: workshop | exhibition | ...
    contact_gender TEXT,
    sdgs TEXT NOT NULL DEFAULT '',  -- "4 9", for showing
    received_seq INTEGER NOT NULL   -- order of arrival
);
CREATE INDEX submission_call ON submission (call, kind, withdrawn);

-- The SDGs and the Action Lines of each submission, one row each: the
-- WSIS-SDG matrix is their join.
CREATE TABLE submission_sdg (
    submission_id TEXT NOT NULL,
    sdg INTEGER NOT NULL,
    PRIMARY KEY (submission_id, sdg)
) WITHOUT ROWID;
CREATE TABLE submission_category (
    submission_id TEXT NOT NULL,
    category TEXT NOT NULL,
    PRIMARY KEY (submission_id, category)
) WITHOUT ROWID;

-- The speakers of OCP inputs (their genders count for the 50/50 report).
CREATE TABLE ocp_speaker (
    submission_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    gender TEXT,
    PRIMARY KEY (submission_id, position)
) WITHOUT ROWID;

-- Profiles of the Repository of Women in Tech; a withdrawn one is gone.
CREATE TABLE profile (
    submission_id TEXT PRIMARY KEY,
    call TEXT NOT NULL,
    name TEXT NOT NULL,
    organization TEXT NOT NULL DEFAULT '',
    sector TEXT NOT NULL DEFAULT '',
    region TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    expertise TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT ''  -- one URL per line
);
CREATE INDEX profile_name ON profile (name, submission_id);

-- Registered stakeholders (stakeholder.registered): the electorate.
CREATE TABLE stakeholder (
    stakeholder_id TEXT PRIMARY KEY,
    type TEXT,
    region TEXT,
    country TEXT,
    gender TEXT
) WITHOUT ROWID;

-- The nominated lists of a prize call (nominations.published).
CREATE TABLE nominated (
    call TEXT NOT NULL,
    category TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (call, submission_id)
) WITHOUT ROWID;

-- The public vote: per project as votes come (vote.cast), replaced by
-- the final counts when the vote closes (voting.closed).
CREATE TABLE project_votes (
    call TEXT NOT NULL,
    category TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (call, submission_id)
) WITHOUT ROWID;
CREATE TABLE poll (
    call TEXT PRIMARY KEY,
    votes INTEGER NOT NULL DEFAULT 0,
    voters INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE champion (
    call TEXT NOT NULL,
    category TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    votes INTEGER NOT NULL,
    PRIMARY KEY (call, category, rank)
) WITHOUT ROWID;

-- The winners (winners.selected) with the experts' mean, and whether a
-- tie was settled by staff; the Photo Contest's winners.
CREATE TABLE winner (
    call TEXT NOT NULL,
    category TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    mean REAL,
    tie INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (call, category)
) WITHOUT ROWID;
CREATE TABLE photo_winner (
    call TEXT NOT NULL,
    submission_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (call, rank)
) WITHOUT ROWID;

-- HLTF and Gender Trendsetter nominations.
CREATE TABLE nominee (
    nomination_id TEXT PRIMARY KEY,
    call TEXT NOT NULL,
    kind TEXT NOT NULL,             -- hltf | ambassador
    stakeholder_type TEXT,
    gender TEXT
) WITHOUT ROWID;

-- Speakers of the Forum's sessions, as other systems report them through
-- the bus journal (forum.speaker.registered), one row per report.
CREATE TABLE speaker (
    event_seq INTEGER PRIMARY KEY,  -- the bus journal's seq
    session_id TEXT NOT NULL,
    session_title TEXT NOT NULL DEFAULT '',
    track TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    gender TEXT,
    role TEXT NOT NULL DEFAULT '',
    organization TEXT NOT NULL DEFAULT ''
);
CREATE INDEX speaker_session ON speaker (session_id);
