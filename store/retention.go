package store

import (
	"context"
	"fmt"
	"time"
)

// RetentionPolicy says how long raw mail is kept; 0 keeps it forever.
type RetentionPolicy struct {
	// RawMail: the mail of a case (the escalation, replies, the mail sent
	// about it), counted from the case's resolution.
	RawMail time.Duration
	// IgnoredMail: mail that opened no case (ignored, rejected) and mail
	// sent about no case, counted from its arrival or queueing.
	IgnoredMail time.Duration
}

// PruneResult is what Prune removed, or would remove.
type PruneResult struct {
	Messages     int   `json:"messages"`      // stored mail whose raw bytes went
	MessageBytes int64 `json:"message_bytes"` // their size
	Outbox       int   `json:"outbox"`        // outgoing mail whose bytes went
	OutboxBytes  int64 `json:"outbox_bytes"`
}

// The rows Prune empties. It never touches what is still needed: stored
// mail not yet handled or parked (state new or failed), mail of a case
// that is open (or was reopened), and outgoing mail still pending. Each
// condition takes the cutoff as its parameter; a policy of 0 skips it.
const (
	// A handled mail of a case resolved before the cutoff.
	pruneCaseMessages = `FROM messages WHERE pruned_at IS NULL AND state = 'handled' AND case_id IN
		(SELECT id FROM cases WHERE state = 'resolved' AND resolved_at < ?)`
	// A handled mail that opened no case, stored before the cutoff.
	pruneIgnoredMessages = `FROM messages WHERE pruned_at IS NULL AND state = 'handled' AND case_id IS NULL AND received_at < ?`
	// A finished outgoing mail of a case resolved before the cutoff.
	pruneCaseOutbox = `FROM outbox WHERE pruned_at IS NULL AND state != 'pending' AND case_id IN
		(SELECT id FROM cases WHERE state = 'resolved' AND resolved_at < ?)`
	// A finished outgoing mail about no case (rejection replies, flood
	// alerts), queued before the cutoff.
	pruneIgnoredOutbox = `FROM outbox WHERE pruned_at IS NULL AND state != 'pending' AND case_id IS NULL AND created_at < ?`
)

// Prune applies the retention policy as of now: the raw bytes of eligible
// stored and outgoing mail become an empty blob and the row is marked
// pruned; the rows, their cases and the audit trail stay. With dryRun it
// only counts. It runs in one transaction.
func (s *Store) Prune(ctx context.Context, p RetentionPolicy, now time.Time, dryRun bool) (PruneResult, error) {
	var r PruneResult
	type step struct {
		table, where string
		keep         time.Duration
		n            *int
		bytes        *int64
	}
	steps := []step{
		{"messages", pruneCaseMessages, p.RawMail, &r.Messages, &r.MessageBytes},
		{"messages", pruneIgnoredMessages, p.IgnoredMail, &r.Messages, &r.MessageBytes},
		{"outbox", pruneCaseOutbox, p.RawMail, &r.Outbox, &r.OutboxBytes},
		{"outbox", pruneIgnoredOutbox, p.IgnoredMail, &r.Outbox, &r.OutboxBytes},
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, st := range steps {
			if st.keep <= 0 {
				continue
			}
			cutoff := ts(now.Add(-st.keep))
			var n int
			var bytes int64
			if err := tx.tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(length(raw)), 0) `+st.where, cutoff).Scan(&n, &bytes); err != nil {
				return fmt.Errorf("prune %s: %w", st.table, err)
			}
			*st.n += n
			*st.bytes += bytes
			if dryRun || n == 0 {
				continue
			}
			if _, err := tx.tx.ExecContext(ctx, `UPDATE `+st.table+` SET raw = x'', pruned_at = ? WHERE id IN (SELECT id `+st.where+`)`,
				ts(now), cutoff); err != nil {
				return fmt.Errorf("prune %s: %w", st.table, err)
			}
		}
		return nil
	})
	return r, err
}
