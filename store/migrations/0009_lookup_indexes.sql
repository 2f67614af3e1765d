-- Indexes for the lookups every mail makes, which scanned whole tables and
-- so slowed down as the database grew (a 5,000-mail backlog spent a third
-- of its time in them):
-- - a case by its ticket compares with COLLATE NOCASE (agents write
--   "ticket-1042" as often as "TICKET-1042"), which the BINARY index of
--   0001 cannot serve;
-- - a reply's case by the gateway's own Message-IDs (outbox) or the
--   source mail's (cases), from its In-Reply-To and References.
DROP INDEX cases_ticket;
CREATE INDEX cases_ticket ON cases (ticket COLLATE NOCASE);
CREATE INDEX cases_source_message_id ON cases (source_message_id);
CREATE INDEX outbox_message_id ON outbox (message_id);
