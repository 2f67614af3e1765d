package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"escalationd/vocab"
)

// MailboxStatus is one watched mailbox as the database knows it.
type MailboxStatus struct {
	Mailbox     string
	UIDValidity uint32
	LastUID     uint32
	CursorAt    time.Time // when the cursor last moved
	LastMailAt  time.Time // the newest stored mail
	Unfinished  int       // stored, not yet handled
	Parked      int       // handling kept failing (state failed)
}

// MailboxStatuses lists every mailbox with a cursor or stored mail.
func (s *Store) MailboxStatuses(ctx context.Context) ([]MailboxStatus, error) {
	rows, err := s.db.QueryContext(ctx, `
		WITH boxes AS (SELECT mailbox FROM mailbox_state UNION SELECT DISTINCT mailbox FROM messages)
		SELECT b.mailbox, coalesce(ms.uid_validity, 0), coalesce(ms.last_uid, 0), ms.updated_at,
			(SELECT max(received_at) FROM messages m WHERE m.mailbox = b.mailbox),
			(SELECT count(*) FROM messages m WHERE m.mailbox = b.mailbox AND m.state = 'new'),
			(SELECT count(*) FROM messages m WHERE m.mailbox = b.mailbox AND m.state = 'failed')
		FROM boxes b LEFT JOIN mailbox_state ms ON ms.mailbox = b.mailbox ORDER BY b.mailbox`)
	if err != nil {
		return nil, fmt.Errorf("mailbox status: %w", err)
	}
	defer rows.Close()
	var out []MailboxStatus
	for rows.Next() {
		var m MailboxStatus
		var cursorAt, lastMail sql.NullString
		if err := rows.Scan(&m.Mailbox, &m.UIDValidity, &m.LastUID, &cursorAt, &lastMail, &m.Unfinished, &m.Parked); err != nil {
			return nil, fmt.Errorf("mailbox status: %w", err)
		}
		m.CursorAt, m.LastMailAt = parseNullTS(cursorAt), parseNullTS(lastMail)
		out = append(out, m)
	}
	return out, rows.Err()
}

// OutboxStatus sums up the outbox.
type OutboxStatus struct {
	Counts        map[string]int // rows per state
	OldestPending time.Time      // created_at of the oldest pending mail; zero when none
	DuePending    int            // pending mail whose next attempt is due at now
	LastError     string         // the latest error of a pending (retrying) or failed mail
	LastErrorMail int64
}

// OutboxStatus reads the outbox's counts, its oldest pending mail and the
// latest error, as of now.
func (s *Store) OutboxStatus(ctx context.Context, now time.Time) (OutboxStatus, error) {
	var o OutboxStatus
	var err error
	if o.Counts, err = s.OutboxCounts(ctx); err != nil {
		return o, err
	}
	var oldest sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT min(created_at), count(CASE WHEN next_attempt_at <= ? THEN 1 END) FROM outbox WHERE state = 'pending'`,
		ts(now)).Scan(&oldest, &o.DuePending); err != nil {
		return o, fmt.Errorf("outbox status: %w", err)
	}
	o.OldestPending = parseNullTS(oldest)
	err = s.db.QueryRowContext(ctx, `SELECT id, last_error FROM outbox WHERE last_error != '' AND state IN ('pending', 'failed')
		ORDER BY id DESC LIMIT 1`).Scan(&o.LastErrorMail, &o.LastError)
	if err != nil && err != sql.ErrNoRows {
		return o, fmt.Errorf("outbox status: %w", err)
	}
	return o, nil
}

// DueTimer is a pending SLA step with its case's ticket.
type DueTimer struct {
	ID     int64
	CaseID int64
	Ticket string
	Kind   vocab.TimerKind
	DueAt  time.Time
}

// TimersDueBefore lists pending timers due before until (overdue ones
// included), soonest first.
func (s *Store) TimersDueBefore(ctx context.Context, until time.Time, limit int) ([]DueTimer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT t.id, t.case_id, c.ticket, t.kind, t.due_at FROM timers t JOIN cases c ON c.id = t.case_id
		WHERE t.state = 'pending' AND t.due_at < ? ORDER BY t.due_at, t.id LIMIT ?`, ts(until), limit)
	if err != nil {
		return nil, fmt.Errorf("timers due: %w", err)
	}
	defer rows.Close()
	var out []DueTimer
	for rows.Next() {
		var t DueTimer
		var due string
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Ticket, &t.Kind, &due); err != nil {
			return nil, fmt.Errorf("timers due: %w", err)
		}
		t.DueAt = parseTS(due)
		out = append(out, t)
	}
	return out, rows.Err()
}

// Tickets maps case ids to their tickets.
func (s *Store) Tickets(ctx context.Context) (map[int64]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, ticket FROM cases`)
	if err != nil {
		return nil, fmt.Errorf("tickets: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var t string
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = t
	}
	return out, rows.Err()
}
