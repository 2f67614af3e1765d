package store

import (
	"context"
	"database/sql"
	"escalationd/vocab"
	"fmt"
	"time"
)

// Timer states.
const (
	TimerPending   = "pending"
	TimerFired     = "fired"
	TimerCancelled = "cancelled"
)

// Timer is one durable SLA step of a case. Each run of a case's clock
// (opening, reopening, an urgency change, a reassignment) is a new epoch
// whose steps count from 1, so (case, kind, epoch, step) names a step once
// across restarts of the clock.
type Timer struct {
	ID     int64
	CaseID int64
	Kind   vocab.TimerKind
	Epoch  int
	Step   int
	DueAt  time.Time
	State  string
}

// AddTimer schedules a step unless (case, kind, epoch, step) exists
// already.
func (tx *Tx) AddTimer(t Timer) (bool, error) {
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO timers (case_id, kind, epoch, step, due_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (case_id, kind, epoch, step) DO NOTHING`, t.CaseID, t.Kind, t.Epoch, t.Step, ts(t.DueAt))
	if err != nil {
		return false, fmt.Errorf("add %s timer for case %d: %w", t.Kind, t.CaseID, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// FireTimer claims a pending timer; false when it already fired or was
// cancelled, so a step runs once however often it is looked at.
func (tx *Tx) FireTimer(id int64, now time.Time) (bool, error) {
	res, err := tx.tx.ExecContext(tx.ctx, `UPDATE timers SET state = 'fired', fired_at = ? WHERE id = ? AND state = 'pending'`, ts(now), id)
	if err != nil {
		return false, fmt.Errorf("fire timer %d: %w", id, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// CancelTimers cancels a case's pending timers of the given kinds (all
// kinds when none given).
func (tx *Tx) CancelTimers(caseID int64, kinds ...vocab.TimerKind) error {
	q := `UPDATE timers SET state = 'cancelled' WHERE case_id = ? AND state = 'pending'`
	args := []any{caseID}
	if len(kinds) > 0 {
		q += ` AND kind IN (` + placeholders(len(kinds)) + `)`
		for _, k := range kinds {
			args = append(args, k)
		}
	}
	if _, err := tx.tx.ExecContext(tx.ctx, q, args...); err != nil {
		return fmt.Errorf("cancel timers of case %d: %w", caseID, err)
	}
	return nil
}

// PendingTimers returns a case's pending timers.
func (tx *Tx) PendingTimers(caseID int64) ([]Timer, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, case_id, kind, epoch, step, due_at, state FROM timers WHERE case_id = ? AND state = 'pending' ORDER BY due_at, id`, caseID)
	if err != nil {
		return nil, err
	}
	return scanTimers(rows)
}

// DueTimers returns pending timers due at or before now, earliest first.
func (s *Store) DueTimers(ctx context.Context, now time.Time, limit int) ([]Timer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, kind, epoch, step, due_at, state FROM timers WHERE state = 'pending' AND due_at <= ?
		ORDER BY due_at, id LIMIT ?`, ts(now), limit)
	if err != nil {
		return nil, fmt.Errorf("due timers: %w", err)
	}
	return scanTimers(rows)
}

// NextTimerDue is when the earliest pending timer is due.
func (s *Store) NextTimerDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT min(due_at) FROM timers WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next timer due: %w", err)
	}
	return parseNullTS(next), next.Valid, nil
}

// Timers lists a case's timers, for `cases show`.
func (s *Store) Timers(ctx context.Context, caseID int64) ([]Timer, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, case_id, kind, epoch, step, due_at, state FROM timers WHERE case_id = ? ORDER BY due_at, id`, caseID)
	if err != nil {
		return nil, err
	}
	return scanTimers(rows)
}

func scanTimers(rows *sql.Rows) ([]Timer, error) {
	defer rows.Close()
	var out []Timer
	for rows.Next() {
		var t Timer
		var due string
		if err := rows.Scan(&t.ID, &t.CaseID, &t.Kind, &t.Epoch, &t.Step, &due, &t.State); err != nil {
			return nil, err
		}
		t.DueAt = parseTS(due)
		out = append(out, t)
	}
	return out, rows.Err()
}

func placeholders(n int) string {
	s := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			s = append(s, ',')
		}
		s = append(s, '?')
	}
	return string(s)
}

// NextTimerEpoch is the epoch a new run of a case's clock gets: one more
// than its timers' highest, 0 for a case without timers.
func (tx *Tx) NextTimerEpoch(caseID int64) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(epoch) + 1, 0) FROM timers WHERE case_id = ?`, caseID).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next timer epoch of case %d: %w", caseID, err)
	}
	return n, nil
}

// NextTimerStep is the step number after the highest of a case's timers of
// one kind in one epoch (1 when there is none).
func (tx *Tx) NextTimerStep(caseID int64, kind vocab.TimerKind, epoch int) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(step), 0) + 1 FROM timers WHERE case_id = ? AND kind = ? AND epoch = ?`,
		caseID, kind, epoch).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("next %s step of case %d: %w", kind, caseID, err)
	}
	return n, nil
}
