-- Retention (config retention:): when the raw bytes of a stored mail, or
-- of an outgoing one (the routed mail attaches the original), were
-- replaced by an empty blob. The row itself, its case and the audit trail
-- stay; NULL: the bytes are still there.
ALTER TABLE messages ADD COLUMN pruned_at TEXT;
ALTER TABLE outbox ADD COLUMN pruned_at TEXT;
-- Pruning looks for old finished rows that still hold bytes.
CREATE INDEX messages_prunable ON messages (received_at) WHERE pruned_at IS NULL;
CREATE INDEX outbox_prunable ON outbox (created_at) WHERE pruned_at IS NULL;
