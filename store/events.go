package store

import (
	"context"
	"database/sql"
	"escalationd/vocab"
	"fmt"
	"time"
)

// Event is one entry of a case's audit trail (or a gateway-wide event when
// CaseID is 0, such as a sender flooding the mailbox).
type Event struct {
	ID      int64
	CaseID  int64
	At      time.Time
	Type    vocab.Event
	Actor   string // address of who caused it; "" for the gateway itself
	Message int64  // stored mail that caused it, if any
	Detail  string
}

// AddEvent appends an event.
func (tx *Tx) AddEvent(e Event) error {
	var caseID, msg any
	if e.CaseID > 0 {
		caseID = e.CaseID
	}
	if e.Message > 0 {
		msg = e.Message
	}
	_, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO events (case_id, at, type, actor, message, detail) VALUES (?, ?, ?, ?, ?, ?)`,
		caseID, ts(e.At), e.Type, e.Actor, msg, e.Detail)
	if err != nil {
		return fmt.Errorf("add %s event: %w", e.Type, err)
	}
	return nil
}

// Events returns a case's events in order; caseID 0 returns gateway-wide
// events.
func (s *Store) Events(ctx context.Context, caseID int64) ([]Event, error) {
	q := `SELECT ` + eventCols + ` FROM events WHERE case_id = ? ORDER BY id`
	args := []any{caseID}
	if caseID == 0 {
		q = `SELECT id, 0, at, type, actor, coalesce(message, 0), detail FROM events WHERE case_id IS NULL ORDER BY id`
		args = nil
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return scanEvents(rows)
}

// EventCounts counts events by type since a time.
func (s *Store) EventCounts(ctx context.Context, since time.Time) (map[vocab.Event]int, error) {
	counts, err := s.countBy(ctx, `SELECT type, count(*) FROM events WHERE at >= ? GROUP BY type`, ts(since))
	if err != nil {
		return nil, err
	}
	out := make(map[vocab.Event]int, len(counts))
	for k, n := range counts {
		out[vocab.Event(k)] = n
	}
	return out, nil
}

// CasesWithEvent counts the cases with at least one event of a type since
// a time (the cases that breached).
func (s *Store) CasesWithEvent(ctx context.Context, typ vocab.Event, since time.Time) (int, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(DISTINCT case_id) FROM events WHERE type = ? AND at >= ?`, typ, ts(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count cases with %s: %w", typ, err)
	}
	return n, nil
}

// EventsOfTypes lists the events of the given types since a time, in
// order, across all cases and gateway-wide.
func (s *Store) EventsOfTypes(ctx context.Context, types []vocab.Event, since time.Time) ([]Event, error) {
	args := []any{ts(since)}
	for _, t := range types {
		args = append(args, t)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+eventCols+` FROM events
		WHERE at >= ? AND type IN (`+placeholders(len(types))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return scanEvents(rows)
}

// CaseEvents returns a case's events in order, inside the transaction.
func (tx *Tx) CaseEvents(caseID int64) ([]Event, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+eventCols+` FROM events
		WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("events of case %d: %w", caseID, err)
	}
	return scanEvents(rows)
}

// eventCols are the columns scanEvents reads.
const eventCols = `id, coalesce(case_id, 0), at, type, actor, coalesce(message, 0), detail`

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at string
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.Type, &e.Actor, &e.Message, &e.Detail); err != nil {
			return nil, err
		}
		e.At = parseTS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
