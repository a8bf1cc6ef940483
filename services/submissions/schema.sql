-- wsis-submissions: stakeholders and what they submit to the calls.
--
-- The submission row holds what every query filters or checks on in
-- columns of their own (call, status, the normalised keys of the WSIS
-- Prizes duplicate rules), and the kind's fields as one msgpack map, so
-- the five kinds share one table and one set of indexes. A photo's image
-- lives in a table of its own: listing never reads it.

-- version 1
CREATE TABLE stakeholder (
    id            INTEGER PRIMARY KEY,      -- "stk-<id>"
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,            -- as given
    email_key     TEXT NOT NULL UNIQUE,     -- lower case: one registration per address
    type          TEXT NOT NULL,
    country       TEXT NOT NULL,
    region        TEXT NOT NULL,
    gender        TEXT,
    organization  TEXT,
    created_at    INTEGER NOT NULL          -- service clock, UTC ms
);

CREATE TABLE submission (
    id              INTEGER PRIMARY KEY,    -- "sub-<id>"
    call            TEXT NOT NULL,
    kind            TEXT NOT NULL,          -- prize | stocktaking | photo | ocp | repository
    stakeholder_id  INTEGER NOT NULL REFERENCES stakeholder (id),
    status          TEXT NOT NULL,          -- received | withdrawn
    category        TEXT,                   -- prize: the one category it enters
    entity_key      TEXT,                   -- prize: normalised entity
    title_key       TEXT,                   -- prize: normalised title
    description_key TEXT,                   -- prize: normalised short description
    image_type      TEXT,                   -- photo: image/jpeg | image/png
    image_size      INTEGER,                -- photo: bytes
    fields          BLOB NOT NULL,          -- msgpack map of the kind's fields
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- submission.list pages through a call in id order, optionally by status
-- or stakeholder; by stakeholder and call is also the Repository of Women
-- in Tech's rule of one profile per stakeholder.
CREATE INDEX submission_by_call ON submission (call, id);
CREATE INDEX submission_by_status ON submission (call, status, id);
CREATE INDEX submission_by_stakeholder ON submission (stakeholder_id, call, id);
-- The WSIS Prizes rules, each one index lookup: one project per entity per
-- category, the same project (entity + title, or short description) once.
CREATE INDEX submission_slot ON submission (call, entity_key, category);
CREATE INDEX submission_title ON submission (call, entity_key, title_key);
CREATE INDEX submission_description ON submission (call, description_key);

-- The categories a submission is filed under: a prize project's one
-- category, the action lines of a stocktaking entry or an OCP input.
-- submission.list filters by category through it.
CREATE TABLE submission_category (
    call           TEXT NOT NULL,
    category       TEXT NOT NULL,
    submission_id  INTEGER NOT NULL REFERENCES submission (id),
    PRIMARY KEY (call, category, submission_id)
) WITHOUT ROWID;
CREATE INDEX submission_category_by_submission ON submission_category (submission_id);

CREATE TABLE photo_image (
    submission_id  INTEGER PRIMARY KEY REFERENCES submission (id),
    image          BLOB NOT NULL
);

-- Projects that won a WSIS Prize before: they may not enter again.
-- origin 'config' rows are reloaded from previous_winners.cfg at every
-- start; origin 'event' rows come from winners.selected of a call.
CREATE TABLE previous_winner (
    id              INTEGER PRIMARY KEY,
    origin          TEXT NOT NULL,          -- config | event
    call            TEXT,                   -- the call it won (NULL: config, an earlier edition)
    submission_id   INTEGER UNIQUE,         -- event: the winning submission
    entity_key      TEXT NOT NULL,
    title_key       TEXT NOT NULL,
    description_key TEXT
);
CREATE INDEX previous_winner_project ON previous_winner (entity_key, title_key);
CREATE INDEX previous_winner_description ON previous_winner (description_key);

-- version 2
-- Where a WSIS Prizes project or a Photo Contest entry stands in its
-- contest (submission.get and submission.list show it as contest_status),
-- learnt from the events of nominations (nominations.published,
-- winners.selected, photo.winners.selected) and of voting (voting.closed).
-- NULL is `submitted`; contest_rank only ever rises (0 submitted,
-- 1 nominated or not_nominated, 2 champion, 3 winner), so the two sources,
-- caught up in whichever order, end in the same state.
ALTER TABLE submission ADD COLUMN contest_status TEXT;
ALTER TABLE submission ADD COLUMN contest_rank INTEGER NOT NULL DEFAULT 0;
-- stakeholder.list pages by id; its q is matched on the rows of the page
-- walk (name, organization, email), so no index of its own.
