package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"escalationd/vocab"
	"fmt"
	"strings"
	"time"
)

// Outbox states.
const (
	MailPending = "pending"
	MailSent    = "sent"
	MailFailed  = "failed"
	// MailBlocked is mail the outbound confidentiality check refused.
	MailBlocked = "blocked"
	// MailDropped is mail an operator gave up on (escalationd outbox drop):
	// the row stays, it is never sent.
	MailDropped = "dropped"
)

// MailStates lists every outbox state.
var MailStates = []string{MailPending, MailSent, MailFailed, MailBlocked, MailDropped}

// Mail is one outgoing message: rendered once, at enqueue time, and sent
// byte for byte however often it is retried.
type Mail struct {
	ID        int64
	CaseID    int64
	Message   int64 // the stored mail it answers (rejection replies)
	Event     vocab.Event
	Role      vocab.Role // who the recipients are to the case
	DedupKey  string     // one mail per key, ever: makes follow-ups idempotent
	MessageID string     // without <>
	MailFrom  string     // envelope sender; "" is the null sender <>
	RcptTo    []string
	Subject   string
	// Raw is the mail's bytes; for mail that attaches a stored mail by
	// reference (Original is set), without that mail, which goes in at
	// byte OriginalAt, all OriginalSize bytes of it encoded as
	// OriginalEncoding says (see outbound.WriteMail).
	Raw              []byte
	Original         int64
	OriginalAt       int
	OriginalSize     int64
	OriginalEncoding string
	State            string
	Attempts         int
	CreatedAt        time.Time
	NextAttemptAt    time.Time
	GiveUpAt         time.Time
	LastError        string
	SentAt           time.Time
}

// Enqueue adds a mail unless one with the same dedup key exists; it reports
// whether it was added.
func (tx *Tx) Enqueue(m *Mail) (bool, error) {
	rcpt, err := json.Marshal(m.RcptTo)
	if err != nil {
		return false, err
	}
	var caseID, msg, original any
	if m.CaseID > 0 {
		caseID = m.CaseID
	}
	if m.Message > 0 {
		msg = m.Message
	}
	if m.Original > 0 {
		original = m.Original
	}
	if m.Role == "" {
		return false, fmt.Errorf("enqueue %s mail: no recipient role", m.Event)
	}
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO outbox (case_id, message, event, recipient_role, dedup_key, message_id, mail_from, rcpt_to,
		subject, raw, original, original_at, original_size, original_encoding, state, created_at, next_attempt_at, give_up_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)
		ON CONFLICT (dedup_key) DO NOTHING`,
		caseID, msg, m.Event, m.Role, m.DedupKey, m.MessageID, m.MailFrom, string(rcpt), m.Subject, m.Raw,
		original, m.OriginalAt, m.OriginalSize, m.OriginalEncoding, ts(m.CreatedAt), ts(m.CreatedAt), ts(m.GiveUpAt))
	if err != nil {
		return false, fmt.Errorf("enqueue %s mail: %w", m.Event, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	if n == 1 {
		m.ID, _ = res.LastInsertId()
		m.State = MailPending
	}
	return n == 1, nil
}

const mailCols = `id, coalesce(case_id, 0), coalesce(message, 0), event, recipient_role, dedup_key, message_id, mail_from, rcpt_to, subject, raw, state,
	attempts, created_at, next_attempt_at, give_up_at, last_error, sent_at, coalesce(original, 0), original_at, original_size, original_encoding`

func scanMail(row interface{ Scan(...any) error }) (*Mail, error) {
	var m Mail
	var rcpt, created, next, giveUp string
	var sent sql.NullString
	err := row.Scan(&m.ID, &m.CaseID, &m.Message, &m.Event, &m.Role, &m.DedupKey, &m.MessageID, &m.MailFrom, &rcpt, &m.Subject, &m.Raw,
		&m.State, &m.Attempts, &created, &next, &giveUp, &m.LastError, &sent, &m.Original, &m.OriginalAt, &m.OriginalSize, &m.OriginalEncoding)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(rcpt), &m.RcptTo); err != nil {
		return nil, fmt.Errorf("mail %d recipients: %w", m.ID, err)
	}
	m.CreatedAt, m.NextAttemptAt, m.GiveUpAt, m.SentAt = parseTS(created), parseTS(next), parseTS(giveUp), parseNullTS(sent)
	return &m, nil
}

// readMails reads and closes the rows of a query for mailCols.
func readMails(rows *sql.Rows) ([]*Mail, error) {
	defer rows.Close()
	var out []*Mail
	for rows.Next() {
		m, err := scanMail(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (s *Store) queryMail(ctx context.Context, q string, args ...any) ([]*Mail, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT `+mailCols+` FROM outbox `+q, args...)
	if err != nil {
		return nil, fmt.Errorf("query outbox: %w", err)
	}
	return readMails(rows)
}

// DueMail returns pending mail whose next attempt is due, oldest first.
func (s *Store) DueMail(ctx context.Context, now time.Time, limit int) ([]*Mail, error) {
	return s.queryMail(ctx, `WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`, ts(now), limit)
}

// NextMailDue is when the earliest pending mail is due.
func (s *Store) NextMailDue(ctx context.Context) (time.Time, bool, error) {
	var next sql.NullString
	if err := s.reader.QueryRowContext(ctx, `SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next mail due: %w", err)
	}
	return parseNullTS(next), next.Valid, nil
}

// MailForCase lists a case's mail in order.
func (s *Store) MailForCase(ctx context.Context, caseID int64) ([]*Mail, error) {
	return s.queryMail(ctx, `WHERE case_id = ? ORDER BY id`, caseID)
}

// AllMail lists every outbox row in order (for tests and the simulator).
func (s *Store) AllMail(ctx context.Context) ([]*Mail, error) {
	return s.queryMail(ctx, `ORDER BY id`)
}

// MailByID reads one outbox row.
func (s *Store) MailByID(ctx context.Context, id int64) (*Mail, error) {
	out, err := s.queryMail(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mail %d: %w", id, ErrNotFound)
	}
	return out[0], nil
}

// MarkSent records that the server accepted the mail, with events about
// it (recipients the confidentiality check dropped) in the same
// transaction; it is never sent again.
func (s *Store) MarkSent(ctx context.Context, id int64, now time.Time, events ...Event) error {
	return s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ?`, ts(now), id)
		if err != nil {
			return fmt.Errorf("mark mail %d sent: %w", id, err)
		}
		for _, e := range events {
			if err := tx.AddEvent(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// CancelMail ends a case's pending mail to one recipient role as blocked,
// with the reason (mail to the customer once the case turned
// confidential). It returns how many rows it ended.
func (tx *Tx) CancelMail(caseID int64, role vocab.Role, reason string) (int, error) {
	res, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET state = 'blocked', last_error = ? WHERE case_id = ? AND recipient_role = ? AND state = 'pending'`,
		reason, caseID, role)
	if err != nil {
		return 0, fmt.Errorf("cancel %s mail of case %d: %w", role, caseID, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// MarkRetry records a temporary failure and when to try again.
func (s *Store) MarkRetry(ctx context.Context, id int64, next time.Time, cause string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?`, ts(next), cause, id)
	if err != nil {
		return fmt.Errorf("schedule retry of mail %d: %w", id, err)
	}
	return nil
}

// FinishFailed ends a mail that will not be delivered (permanent failure,
// gave up, or blocked) and records an event on its case in the same
// transaction, so the failure is seen, not just logged. then, when not
// nil, runs in that transaction too: the notice a failure causes commits
// with it or not at all.
func (s *Store) FinishFailed(ctx context.Context, m *Mail, state string, eventType vocab.Event, cause string, now time.Time,
	then func(tx *Tx) error) error {
	if state != MailFailed && state != MailBlocked {
		return errors.New("finish failed: state must be failed or blocked")
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.tx.ExecContext(ctx, `UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ? WHERE id = ?`, state, cause, m.ID); err != nil {
			return fmt.Errorf("mark mail %d %s: %w", m.ID, state, err)
		}
		detail, _ := json.Marshal(map[string]any{"mail": m.ID, "event": m.Event, "to": m.RcptTo, "error": cause})
		if err := tx.AddEvent(Event{CaseID: m.CaseID, At: now, Type: eventType, Detail: string(detail)}); err != nil {
			return err
		}
		if then != nil {
			return then(tx)
		}
		return nil
	})
}

// OutboxCounts counts outbox rows per state.
func (s *Store) OutboxCounts(ctx context.Context) (map[string]int, error) {
	return s.countBy(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
}

// MailQueued reports whether a mail with the dedup key was ever queued.
func (tx *Tx) MailQueued(dedupKey string) (bool, error) {
	var n int
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT count(*) FROM outbox WHERE dedup_key = ?`, dedupKey).Scan(&n); err != nil {
		return false, fmt.Errorf("look up mail %s: %w", dedupKey, err)
	}
	return n > 0, nil
}

// MailByMessageIDs reads the outbox rows with these Message-IDs (without
// <>): the gateway mail a bounce returns.
func (tx *Tx) MailByMessageIDs(ids []string) ([]*Mail, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ids))
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+mailCols+` FROM outbox WHERE message_id IN (`+placeholders(len(ids))+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find mail by message id: %w", err)
	}
	return readMails(rows)
}

// MailInState lists the outbox rows in a state (all when state is ""),
// oldest first, without their bytes (Raw is empty): a listing of years
// of mail must not read every attachment.
func (s *Store) MailInState(ctx context.Context, state string) ([]*Mail, error) {
	q := `SELECT ` + strings.Replace(mailCols, ", raw,", ", x'',", 1) + ` FROM outbox `
	var args []any
	if state != "" {
		q += `WHERE state = ? `
		args = append(args, state)
	}
	rows, err := s.db.QueryContext(ctx, q+`ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return readMails(rows)
}

// ErrMailState is returned when an outbox row is not in a state the
// operation accepts.
var ErrMailState = errors.New("wrong state")

// RetryMail puts a failed mail (or, with force, one the confidentiality
// check blocked: it is checked again before sending) back in the queue,
// due now, with a fresh give-up time, and records who did it on its case.
func (s *Store) RetryMail(ctx context.Context, id int64, force bool, actor string, giveUpAt, now time.Time) (*Mail, error) {
	var m *Mail
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if m, err = tx.mailByID(id); err != nil {
			return err
		}
		switch {
		case m.State == MailFailed:
		case m.State == MailBlocked && force:
		case m.State == MailBlocked:
			return fmt.Errorf("mail %d was blocked by the confidentiality check (%s): retry it only with --force: %w", id, m.LastError, ErrMailState)
		default:
			return fmt.Errorf("mail %d is %s; only failed or blocked mail can be retried: %w", id, m.State, ErrMailState)
		}
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET state = 'pending', next_attempt_at = ?, give_up_at = ? WHERE id = ? AND state = ?`,
			ts(now), ts(giveUpAt), id, m.State); err != nil {
			return fmt.Errorf("retry mail %d: %w", id, err)
		}
		detail, _ := json.Marshal(map[string]any{"mail": m.ID, "event": m.Event, "to": m.RcptTo, "was": m.State, "last_error": m.LastError})
		return tx.AddEvent(Event{CaseID: m.CaseID, At: now, Type: vocab.EventMailRetried, Actor: actor, Detail: string(detail)})
	})
	if err != nil {
		return nil, err
	}
	m.State = MailPending
	return m, nil
}

// DropMail ends a pending or failed mail as dropped (the row stays and is
// never sent) and records the reason on its case.
func (s *Store) DropMail(ctx context.Context, id int64, reason, actor string, now time.Time) (*Mail, error) {
	var m *Mail
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		if m, err = tx.mailByID(id); err != nil {
			return err
		}
		if m.State != MailPending && m.State != MailFailed {
			return fmt.Errorf("mail %d is %s; only pending or failed mail can be dropped: %w", id, m.State, ErrMailState)
		}
		if _, err := tx.tx.ExecContext(tx.ctx, `UPDATE outbox SET state = 'dropped', last_error = ? WHERE id = ? AND state = ?`,
			"dropped: "+reason, id, m.State); err != nil {
			return fmt.Errorf("drop mail %d: %w", id, err)
		}
		detail, _ := json.Marshal(map[string]any{"mail": m.ID, "event": m.Event, "to": m.RcptTo, "was": m.State, "reason": reason})
		return tx.AddEvent(Event{CaseID: m.CaseID, At: now, Type: vocab.EventMailDropped, Actor: actor, Detail: string(detail)})
	})
	if err != nil {
		return nil, err
	}
	m.State = MailDropped
	return m, nil
}

func (tx *Tx) mailByID(id int64) (*Mail, error) {
	m, err := scanMail(tx.tx.QueryRowContext(tx.ctx, `SELECT `+mailCols+` FROM outbox WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("mail %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read mail %d: %w", id, err)
	}
	return m, nil
}
