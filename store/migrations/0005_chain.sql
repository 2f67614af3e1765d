-- A case's own breach chain, from the route or category that set one
-- (router.Decision.Chain): a JSON array of chain entries (team names or
-- "lead:<team>"), NULL when the urgency's chain applies. Set when the case
-- opens, is re-escalated or reassigned; the breach steps read it.
ALTER TABLE cases ADD COLUMN chain TEXT;
-- The reminders to the top of that chain; NULL: sla.top_reminders.
ALTER TABLE cases ADD COLUMN top_reminders INTEGER;
