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
		(SELECT id FROM cases WHERE state = 'resolved' AND resolved_at < ?) AND ` + notAttachedToPending
	// A handled mail that opened no case, stored before the cutoff.
	pruneIgnoredMessages = `FROM messages WHERE pruned_at IS NULL AND state = 'handled' AND case_id IS NULL AND received_at < ? AND ` +
		notAttachedToPending
	// Pending outgoing mail attaches no stored mail that retention emptied:
	// it is sent as it was composed.
	notAttachedToPending = `id NOT IN (SELECT original FROM outbox WHERE state = 'pending' AND original IS NOT NULL)`
	// A finished outgoing mail of a case resolved before the cutoff.
	pruneCaseOutbox = `FROM outbox WHERE pruned_at IS NULL AND state != 'pending' AND case_id IN
		(SELECT id FROM cases WHERE state = 'resolved' AND resolved_at < ?)`
	// A finished outgoing mail about no case (rejection replies, flood
	// alerts), queued before the cutoff.
	pruneIgnoredOutbox = `FROM outbox WHERE pruned_at IS NULL AND state != 'pending' AND case_id IS NULL AND created_at < ?`
)

// pruneBatch bounds one pruning transaction, so the daemon's single
// connection is never held for long while its engine and poller wait.
const pruneBatch = 500

// Prune applies the retention policy as of now: the raw bytes of eligible
// stored and outgoing mail become an empty blob (a stored mail's chunks
// are deleted) and the row is marked pruned; the rows, their cases and the audit trail stay. With dryRun it
// only counts. It works in transactions of at most pruneBatch rows, so a
// first run over years of mail does not stall the daemon; an interrupted
// run leaves the rest for the next.
func (s *Store) Prune(ctx context.Context, p RetentionPolicy, now time.Time, dryRun bool) (PruneResult, error) {
	var r PruneResult
	type step struct {
		table, where string
		keep         time.Duration
		n            *int
		bytes        *int64
		length       string // the SQL for a row's stored bytes
		empty        string // the SQL that empties them
	}
	const emptyMessage, emptyMail = `raw = x''`, `raw = x'', original = NULL, original_at = 0, original_size = 0, original_encoding = ''`
	steps := []step{
		{"messages", pruneCaseMessages, p.RawMail, &r.Messages, &r.MessageBytes, storedLength, emptyMessage},
		{"messages", pruneIgnoredMessages, p.IgnoredMail, &r.Messages, &r.MessageBytes, storedLength, emptyMessage},
		{"outbox", pruneCaseOutbox, p.RawMail, &r.Outbox, &r.OutboxBytes, "length(raw)", emptyMail},
		{"outbox", pruneIgnoredOutbox, p.IgnoredMail, &r.Outbox, &r.OutboxBytes, "length(raw)", emptyMail},
	}
	for _, st := range steps {
		if st.keep <= 0 {
			continue
		}
		cutoff := ts(now.Add(-st.keep))
		if dryRun {
			var n int
			var bytes int64
			if err := s.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(`+st.length+`), 0) `+st.where, cutoff).Scan(&n, &bytes); err != nil {
				return r, fmt.Errorf("prune %s: %w", st.table, err)
			}
			*st.n += n
			*st.bytes += bytes
			continue
		}
		for {
			var n int
			err := s.InTx(ctx, func(tx *Tx) error {
				var bytes int64
				batch := `(SELECT id ` + st.where + ` ORDER BY id LIMIT ?)`
				if err := tx.tx.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(`+st.length+`), 0) FROM `+st.table+` WHERE id IN `+batch,
					cutoff, pruneBatch).Scan(&n, &bytes); err != nil {
					return err
				}
				if n == 0 {
					return nil
				}
				if st.table == "messages" {
					// Before the rows leave the batch by being marked.
					if _, err := tx.tx.ExecContext(ctx, `DELETE FROM message_chunks WHERE message IN `+batch, cutoff, pruneBatch); err != nil {
						return err
					}
				}
				if _, err := tx.tx.ExecContext(ctx, `UPDATE `+st.table+` SET `+st.empty+`, pruned_at = ? WHERE id IN `+batch,
					ts(now), cutoff, pruneBatch); err != nil {
					return err
				}
				*st.n += n
				*st.bytes += bytes
				return nil
			})
			if err != nil {
				return r, fmt.Errorf("prune %s: %w", st.table, err)
			}
			if n < pruneBatch {
				break
			}
		}
	}
	return r, nil
}
