-- Who may act on a case and who must not hear of it, fixed when it opens.

-- The customer side of a case (JSON array of addresses): the customer and,
-- for an outside security report, its reporter. It never changes with a
-- re-escalation, a reassignment or a new template; the confidentiality
-- check keeps a confidential case's mail from these addresses (and their
-- domains, unless internal or public). Filled for existing cases by the
-- Go part of this migration.
ALTER TABLE cases ADD COLUMN customer_side TEXT NOT NULL DEFAULT '[]';
-- The escalating sender was not authenticated (senders.require_authentication).
ALTER TABLE cases ADD COLUMN unverified INTEGER NOT NULL DEFAULT 0;
