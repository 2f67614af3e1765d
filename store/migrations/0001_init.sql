-- Cursor per watched mailbox: UIDVALIDITY and the highest UID stored.
CREATE TABLE mailbox_state (
    mailbox      TEXT PRIMARY KEY,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Every fetched mail, raw, stored before anything changes on the server.
-- state: new (stored, not yet handled) | handled | failed (handling keeps
-- failing; kept for the operator). outcome: processed | rejected, which
-- decides the folder it moves to. moved_at is set once the server-side
-- move is done.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    mailbox      TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    uid          INTEGER NOT NULL,
    dedupe_key   TEXT NOT NULL,
    message_id   TEXT NOT NULL DEFAULT '',
    sender       TEXT NOT NULL DEFAULT '',
    subject      TEXT NOT NULL DEFAULT '',
    raw          BLOB NOT NULL,
    size         INTEGER NOT NULL,
    received_at  TEXT NOT NULL,
    state        TEXT NOT NULL DEFAULT 'new',
    disposition  TEXT NOT NULL DEFAULT '',
    reason       TEXT NOT NULL DEFAULT '',
    outcome      TEXT NOT NULL DEFAULT '',
    case_id      INTEGER REFERENCES cases(id),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT NOT NULL DEFAULT '',
    handled_at   TEXT,
    moved_at     TEXT,
    UNIQUE (mailbox, dedupe_key)
);
CREATE INDEX messages_state ON messages (mailbox, state);
CREATE INDEX messages_unmoved ON messages (mailbox, moved_at) WHERE moved_at IS NULL;
CREATE INDEX messages_message_id ON messages (message_id);

-- One row per escalation case.
CREATE TABLE cases (
    id                INTEGER PRIMARY KEY,
    ticket            TEXT NOT NULL,
    kind              TEXT NOT NULL,
    mailbox           TEXT NOT NULL,
    state             TEXT NOT NULL,
    urgency           TEXT NOT NULL,
    customer          TEXT NOT NULL DEFAULT '',
    agent             TEXT NOT NULL,
    subject           TEXT NOT NULL,
    summary           TEXT NOT NULL DEFAULT '',
    team              TEXT NOT NULL DEFAULT '',
    confidential      INTEGER NOT NULL DEFAULT 0,
    approval_required INTEGER NOT NULL DEFAULT 0,
    suspend_account   INTEGER NOT NULL DEFAULT 0,
    parse_json        TEXT NOT NULL,
    decision_json     TEXT NOT NULL,
    thread_id         TEXT NOT NULL DEFAULT '',
    source_message    INTEGER REFERENCES messages(id),
    source_message_id TEXT NOT NULL DEFAULT '',
    opened_at         TEXT NOT NULL,
    respond_by        TEXT NOT NULL,
    acknowledged_at   TEXT,
    acknowledged_by   TEXT NOT NULL DEFAULT '',
    resolved_at       TEXT,
    resolution        TEXT NOT NULL DEFAULT '',
    updated_at        TEXT NOT NULL
);
CREATE INDEX cases_ticket ON cases (ticket);
CREATE INDEX cases_state ON cases (state);

-- The audit trail: every transition with time, actor and source mail.
CREATE TABLE events (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER REFERENCES cases(id),
    at       TEXT NOT NULL,
    type     TEXT NOT NULL,
    actor    TEXT NOT NULL DEFAULT '',
    message  INTEGER REFERENCES messages(id),
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_case ON events (case_id, id);
CREATE INDEX events_type ON events (type, at);

-- Outgoing mail as data: rendered bytes, sent as they are, retried alike.
-- state: pending | sent | failed (permanent failure or gave up) | blocked
-- (refused by the confidentiality check).
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER REFERENCES cases(id),
    message         INTEGER REFERENCES messages(id),
    event           TEXT NOT NULL,
    dedup_key       TEXT NOT NULL UNIQUE,
    message_id      TEXT NOT NULL UNIQUE,
    mail_from       TEXT NOT NULL,
    rcpt_to         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    raw             BLOB NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT NOT NULL,
    next_attempt_at TEXT NOT NULL,
    give_up_at      TEXT NOT NULL,
    last_error      TEXT NOT NULL DEFAULT '',
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX outbox_case ON outbox (case_id);

-- Durable SLA timers: one row per step, fired once.
CREATE TABLE timers (
    id       INTEGER PRIMARY KEY,
    case_id  INTEGER NOT NULL REFERENCES cases(id),
    kind     TEXT NOT NULL,
    step     INTEGER NOT NULL,
    due_at   TEXT NOT NULL,
    state    TEXT NOT NULL DEFAULT 'pending',
    fired_at TEXT,
    UNIQUE (case_id, kind, step)
);
CREATE INDEX timers_due ON timers (state, due_at);
