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

-- version 2

-- The WSIS-SDG matrix kept as events arrive: per call and kind, how many
-- live WSIS Prizes projects and Stocktaking entries link each SDG to
-- each Action Line (their submission_sdg x submission_category pairs),
-- so report.sdg_matrix reads at most 17 x 18 rows per call instead of
-- joining every submission. A cell whose submissions all left holds 0.
CREATE TABLE matrix_cell (
    call TEXT NOT NULL,
    kind TEXT NOT NULL,             -- prize | stocktaking
    sdg INTEGER NOT NULL,
    category TEXT NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (call, kind, sdg, category)
) WITHOUT ROWID;
INSERT INTO matrix_cell (call, kind, sdg, category, count)
    SELECT s.call, s.kind, d.sdg, c.category, count (*) FROM submission s
    JOIN submission_sdg d ON d.submission_id = s.submission_id
    JOIN submission_category c ON c.submission_id = s.submission_id
    WHERE s.withdrawn = 0 AND s.kind IN ('prize', 'stocktaking')
    GROUP BY 1, 2, 3, 4;

-- report.summary's counts of the submissions of a call by kind (grouping
-- 0), category (1), stakeholder type (2), region (3) and country (4), live
-- and withdrawn, kept as events arrive ('' for a record without the
-- value), so a summary reads a few rows per call, not every submission.
CREATE TABLE summary_count (
    call TEXT NOT NULL,
    grouping INTEGER NOT NULL,
    value TEXT NOT NULL,
    live INTEGER NOT NULL,
    withdrawn INTEGER NOT NULL,
    PRIMARY KEY (call, grouping, value)
) WITHOUT ROWID;
INSERT INTO summary_count (call, grouping, value, live, withdrawn)
    SELECT s.call, g.grouping, CASE g.grouping WHEN 0 THEN s.kind
        WHEN 1 THEN coalesce (s.category, '') WHEN 2 THEN coalesce (s.stakeholder_type, '')
        WHEN 3 THEN coalesce (s.region, '') ELSE coalesce (s.country, '') END,
        sum (s.withdrawn = 0), sum (s.withdrawn = 1)
    FROM submission s, (SELECT 0 AS grouping UNION ALL SELECT 1 UNION ALL SELECT 2
                        UNION ALL SELECT 3 UNION ALL SELECT 4) g
    GROUP BY 1, 2, 3;

-- The submissions export walks a call in order of arrival, a page at a
-- time, without sorting the call's every row for each page.
CREATE INDEX submission_arrival ON submission (call, received_seq);
