package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Count is one group of a GROUP BY count: its label values, in the order
// the query names them, and how many rows it holds. The metrics and the
// dashboard read the database at scrape and page time with these; every
// query is an indexed or small aggregate.
type Count struct {
	Labels []string
	N      int64
}

func (s *Store) groupCount(ctx context.Context, what, q string, labels int, args ...any) ([]Count, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		c := Count{Labels: make([]string, labels)}
		dest := make([]any, 0, labels+1)
		for i := range c.Labels {
			dest = append(dest, &c.Labels[i])
		}
		dest = append(dest, &c.N)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MessageGroups counts stored mail by mailbox, state (new, handled,
// failed) and disposition (empty until handled).
func (s *Store) MessageGroups(ctx context.Context) ([]Count, error) {
	return s.groupCount(ctx, "message counts", `SELECT mailbox, state, disposition, count(*) FROM messages
		GROUP BY mailbox, state, disposition`, 3)
}

// CaseCounts counts cases by kind, urgency and state.
func (s *Store) CaseCounts(ctx context.Context) ([]Count, error) {
	return s.groupCount(ctx, "case counts", `SELECT kind, urgency, state, count(*) FROM cases GROUP BY kind, urgency, state`, 3)
}

// BreachCounts counts fired breach steps by the case's urgency.
func (s *Store) BreachCounts(ctx context.Context) ([]Count, error) {
	return s.groupCount(ctx, "breach counts", `SELECT c.urgency, count(*) FROM timers t JOIN cases c ON c.id = t.case_id
		WHERE t.kind = 'breach' AND t.state = 'fired' GROUP BY c.urgency`, 1)
}

// OutboxEventCounts counts outgoing mail by event and state, for mail
// queued at or after since (the zero time: all of it).
func (s *Store) OutboxEventCounts(ctx context.Context, since time.Time) ([]Count, error) {
	return s.groupCount(ctx, "outbox counts", `SELECT event, state, count(*) FROM outbox WHERE created_at >= ? GROUP BY event, state`, 2, ts(since))
}

// CasesPerDay counts cases opened at or after since by UTC day
// (YYYY-MM-DD), urgency and kind.
func (s *Store) CasesPerDay(ctx context.Context, since time.Time) ([]Count, error) {
	return s.groupCount(ctx, "cases per day", `SELECT substr(opened_at, 1, 10), urgency, kind, count(*) FROM cases
		WHERE opened_at >= ? GROUP BY 1, 2, 3 ORDER BY 1`, 3, ts(since))
}

// BreachesPerDay counts breach steps fired at or after since by UTC day.
func (s *Store) BreachesPerDay(ctx context.Context, since time.Time) ([]Count, error) {
	return s.groupCount(ctx, "breaches per day", `SELECT substr(fired_at, 1, 10), count(*) FROM timers
		WHERE kind = 'breach' AND state = 'fired' AND fired_at >= ? GROUP BY 1 ORDER BY 1`, 1, ts(since))
}

// CaseTimes is when one case opened, was acknowledged and resolved (zero
// when not yet).
type CaseTimes struct {
	Urgency                        string
	Opened, Acknowledged, Resolved time.Time
}

// CaseTimesSince lists the times of cases opened at or after since.
func (s *Store) CaseTimesSince(ctx context.Context, since time.Time) ([]CaseTimes, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT urgency, opened_at, acknowledged_at, resolved_at FROM cases WHERE opened_at >= ? ORDER BY opened_at`, ts(since))
	if err != nil {
		return nil, fmt.Errorf("case times: %w", err)
	}
	defer rows.Close()
	var out []CaseTimes
	for rows.Next() {
		var c CaseTimes
		var opened string
		var acked, resolved sql.NullString
		if err := rows.Scan(&c.Urgency, &opened, &acked, &resolved); err != nil {
			return nil, fmt.Errorf("case times: %w", err)
		}
		c.Opened, c.Acknowledged, c.Resolved = parseTS(opened), parseNullTS(acked), parseNullTS(resolved)
		out = append(out, c)
	}
	return out, rows.Err()
}

// CategoryCounts counts cases by detected category (a case with several
// counts once under each; one with none under ""). The categories are
// read from the routing decision recorded with the case (its latest
// routing), for reporting only: nothing is decided from them here.
func (s *Store) CategoryCounts(ctx context.Context) ([]Count, error) {
	return s.groupCount(ctx, "category counts", `SELECT coalesce(j.value ->> '$.name', ''), count(*)
		FROM cases c LEFT JOIN json_each(c.decision_json, '$.categories') j GROUP BY 1`, 1)
}
