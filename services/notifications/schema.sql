-- wsis-notifications: the notifications it owes and what it learned from
-- other services' events to address them (docs/design.md, "Services": no
-- service reads another's database).

-- version 1

-- Every notification, one row per key. The key says what, for whom and
-- which deadline or event ("prizes-2022/voting/reminder/7d/staff@...",
-- "submission.received/sub-12"), so the row that causes a message exists
-- once however often its cause is seen. It is created in the transaction
-- of its cause (the schedule, an event, a request) and moves:
--
--   scheduled -> ready     when the service clock passes `due`
--   scheduled -> skipped   when it passes `expires` first (a reminder of a
--                          deadline already gone), or on unsubscribe
--   scheduled -> sent      a calendar event (channel 'event'), published
--   ready     -> sent      the channel accepted it
--   ready     -> failed    the channel refused it for good, or retries ran out
--   failed    -> ready     notify.retry
CREATE TABLE notification (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,             -- template kind, or the event type of channel 'event'
    call TEXT,
    phase TEXT,
    moment TEXT,                    -- the calendar moment it comes from, or NULL
    due INTEGER NOT NULL,           -- service clock, ms
    expires INTEGER,                -- service clock, ms; NULL: never
    rank INTEGER NOT NULL DEFAULT 0,    -- order among notifications due together
    channel TEXT NOT NULL,          -- file | smtp | webhook | event
    recipient TEXT NOT NULL,        -- an address (a webhook's label); '' for an event
    recipient_name TEXT NOT NULL DEFAULT '',
    vars BLOB NOT NULL,             -- msgpack map: the template's values, or the event body
    unsubscribe_token TEXT,         -- mail to a subscriber
    status TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER,           -- wall clock, ms: a retry not before
    last_error TEXT,
    created_at INTEGER NOT NULL,    -- service clock, ms
    sent_at INTEGER                 -- service clock, ms
);
CREATE INDEX notification_due ON notification (status, due, rank, key);
CREATE INDEX notification_call ON notification (call, due);

-- Public subscriptions to reminders of open calls, with double opt-in:
-- pending until the token mailed to the address comes back.
CREATE TABLE subscription (
    email_norm TEXT PRIMARY KEY,    -- lower-case address
    email TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,     -- confirms, and later unsubscribes
    calls TEXT NOT NULL,            -- space-separated call ids; '' every call
    status TEXT NOT NULL,           -- pending | active | removed
    created_at INTEGER NOT NULL,
    confirmed_at INTEGER,
    removed_at INTEGER
);

-- What the events of wsis-submissions said about each submission: enough
-- to address its contact later (nominations, champions, winners).
CREATE TABLE submission (
    submission_id TEXT PRIMARY KEY,
    call TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT,
    title TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    withdrawn INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX submission_call ON submission (call, kind);

-- The staff's review of prize projects (review.decided), for the reason
-- given to a project that was not nominated.
CREATE TABLE review (
    submission_id TEXT PRIMARY KEY,
    decision TEXT NOT NULL,
    reason TEXT
);

-- version 2

-- A notification also moves ready -> scheduled when the calendar moves
-- its moment before its message was handed to a channel. Whether a ready
-- notification's message may have reached its channel:
-- set in a commit before the message goes to a delivery actor, cleared
-- when that attempt's failure is recorded. A ready row never handed over
-- (0) can still be remade when the calendar moves what it announces
-- (notifications_calendar.c); one handed over (1) is left as it is, since
-- the server may have taken it before a crash. Rows that were ready
-- before this migration may have been handed over.
ALTER TABLE notification ADD COLUMN handed INTEGER NOT NULL DEFAULT 0;
UPDATE notification SET handed = 1 WHERE status = 'ready';
