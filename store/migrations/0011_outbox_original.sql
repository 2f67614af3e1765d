-- An outgoing mail that attaches a stored mail (the routed mail and the
-- escalation it hands over) holds it by reference instead of a second
-- copy: its bytes are raw with the stored mail (original, all
-- original_size bytes of it), encoded as original_encoding says ('crlf':
-- as it is, line ends made CRLF; 'base64': in 76-character lines),
-- inserted at byte original_at. Retention never empties a stored mail
-- that pending outgoing mail attaches. NULL: raw is the whole mail.
ALTER TABLE outbox ADD COLUMN original INTEGER REFERENCES messages(id);
ALTER TABLE outbox ADD COLUMN original_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN original_size INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN original_encoding TEXT NOT NULL DEFAULT '';
