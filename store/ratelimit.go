package store

import (
	"fmt"
	"time"
)

// RateScope names what a rate limit counts.
type RateScope string

// The rate limits' scopes.
const (
	// RateRejectionReply counts rejection replies, keyed by sender.
	RateRejectionReply RateScope = "rejection-replies"
	// RateFloodAlert counts flood alerts, keyed by the flooding sender.
	RateFloodAlert RateScope = "flood-alerts"
	// RateCommandError counts answers to refused commands, keyed by case
	// and sender.
	RateCommandError RateScope = "command-errors"
	// RateNewCase counts the cases a sender opened, keyed by sender.
	RateNewCase RateScope = "new-cases"
	// RateOutsideCase counts the cases mail from an outside domain opened,
	// keyed by domain.
	RateOutsideCase RateScope = "outside-cases"
)

// MarkRate records one counted action: the rate limiter's memory lives in
// the database, so it survives restarts.
func (tx *Tx) MarkRate(scope RateScope, key string, now time.Time) error {
	if _, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO rate_marks (scope, key, at) VALUES (?, ?, ?)`, scope, key, ts(now)); err != nil {
		return fmt.Errorf("record %s for %s: %w", scope, key, err)
	}
	return nil
}

// AtLeast reports whether a scope has at least n marks since a time, for
// one key or, with key "", for all. It reads at most n of them: a limit
// checked for every new mail must not cost more as a backlog fills the
// window (CountRate reads them all). n <= 0 is always reached.
func (tx *Tx) AtLeast(scope RateScope, key string, since time.Time, n int) (bool, error) {
	if n <= 0 {
		return true, nil
	}
	q := `SELECT count(*) FROM (SELECT 1 FROM rate_marks WHERE scope = ? AND at >= ?`
	args := []any{scope, ts(since)}
	if key != "" {
		q += ` AND key = ?`
		args = append(args, key)
	}
	q += ` LIMIT ?)`
	args = append(args, n)
	var got int
	if err := tx.tx.QueryRowContext(tx.ctx, q, args...).Scan(&got); err != nil {
		return false, fmt.Errorf("count %s: %w", scope, err)
	}
	return got >= n, nil
}

// CountRate counts a scope's marks since a time, for one key or, with key
// "", for all.
func (tx *Tx) CountRate(scope RateScope, key string, since time.Time) (int, error) {
	q := `SELECT count(*) FROM rate_marks WHERE scope = ? AND at >= ?`
	args := []any{scope, ts(since)}
	if key != "" {
		q += ` AND key = ?`
		args = append(args, key)
	}
	var n int
	if err := tx.tx.QueryRowContext(tx.ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", scope, err)
	}
	return n, nil
}
