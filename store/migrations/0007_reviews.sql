-- What a resolution teaches (issue 14, "Escalation Metrics"): the root
-- cause named on the RESOLVED reply ("" when none was named; a configured
-- tag or the text as written), and the customer's satisfaction, 1-5, that
-- the agent reports with CSAT after confirming with the customer (NULL
-- until then). The monthly review groups cases by root cause; the reviews
-- average the scores.
ALTER TABLE cases ADD COLUMN root_cause TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN csat INTEGER;
