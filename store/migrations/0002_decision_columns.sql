-- Decisions as columns (filled from the audit and the stored JSON by the
-- Go part of this migration, see migrate.go): what the control paths need
-- is read from typed columns, never decoded from JSON or counted from the
-- audit trail.

-- The case's teams and the addresses it was routed to (JSON arrays of
-- strings, written and read only by the store), and the counters that
-- number its resolutions, reassignments and re-escalations (their mail's
-- dedup keys).
ALTER TABLE cases ADD COLUMN teams TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN routed_to TEXT NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN resolutions INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN reassignments INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cases ADD COLUMN re_escalations INTEGER NOT NULL DEFAULT 0;

-- Who each mail is addressed to, relative to its case (vocab.Role).
ALTER TABLE outbox ADD COLUMN recipient_role TEXT NOT NULL DEFAULT '';
CREATE INDEX outbox_case_role ON outbox (case_id, recipient_role);

-- Timers get their clock epoch as a column instead of packing it into the
-- step number (step = epoch*1000000 + n before this migration).
CREATE TABLE timers_new (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    kind     TEXT NOT NULL,
    epoch    INTEGER NOT NULL,
    step     INTEGER NOT NULL,
    due_at   TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT 'pending',
    fired_at TEXT,
    UNIQUE (case_id, kind, epoch, step)
);
INSERT INTO timers_new (id, case_id, kind, epoch, step, due_at, state, fired_at)
    SELECT id, case_id, kind, step / 1000000, step % 1000000, due_at, state, fired_at FROM timers;
DROP TABLE timers;
ALTER TABLE timers_new RENAME TO timers;
CREATE INDEX timers_due ON timers (state, due_at);
CREATE INDEX timers_case ON timers (case_id, epoch);

-- Rate-limit marks: one row per counted action (a rejection reply to a
-- sender, a flood alert), counted over a sliding window.
CREATE TABLE rate_marks (
    id    INTEGER PRIMARY KEY,
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    at    TEXT NOT NULL
);
CREATE INDEX rate_marks_scope ON rate_marks (scope, key, at);
CREATE INDEX rate_marks_at ON rate_marks (scope, at);
