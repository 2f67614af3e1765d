package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"escalationd/vocab"
)

// Message states.
const (
	MessageNew     = "new"
	MessageHandled = "handled"
	MessageFailed  = "failed"
)

// Outcomes decide the folder a handled message moves to.
const (
	OutcomeProcessed = "processed"
	OutcomeRejected  = "rejected"
)

// Cursor is a mailbox's position: its UIDVALIDITY and the highest UID
// already stored.
type Cursor struct {
	UIDValidity uint32
	LastUID     uint32
}

// Cursor returns the stored cursor of a mailbox; ok is false before the
// first message.
func (s *Store) Cursor(ctx context.Context, mailbox string) (c Cursor, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = ?`, mailbox).
		Scan(&c.UIDValidity, &c.LastUID)
	if errors.Is(err, sql.ErrNoRows) {
		return Cursor{}, false, nil
	}
	if err != nil {
		return Cursor{}, false, fmt.Errorf("read cursor of %s: %w", mailbox, err)
	}
	return c, true, nil
}

// ResetCursor starts a mailbox over under a new UIDVALIDITY: every message
// will be fetched again, and deduplication (same Message-ID, same content)
// keeps them from being handled twice.
func (s *Store) ResetCursor(ctx context.Context, mailbox string, uidValidity uint32, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, 0, ?)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = 0, updated_at = excluded.updated_at`,
		mailbox, uidValidity, ts(now))
	if err != nil {
		return fmt.Errorf("reset cursor of %s: %w", mailbox, err)
	}
	return nil
}

// Incoming is a message as fetched from the server.
type Incoming struct {
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string // without <>; "" when the mail has none
	Sender      string
	Subject     string
	Raw         []byte
	// Size is the message's size on the server when Raw holds only its
	// header (over the size limit); 0 means len(Raw).
	Size int64
}

// Ingested says what Ingest did.
type Ingested struct {
	ID int64
	// Duplicate is true when the mailbox already had this message: the
	// same Message-ID and the same content (see dedupeKey). A rescan after
	// a UIDVALIDITY change, the same mail fetched again after a crash, or
	// a mail sent twice.
	Duplicate bool
}

// Ingest stores a fetched message and advances the mailbox cursor in one
// transaction. Nothing may change on the IMAP server before it returns nil.
// A duplicate is not stored again; its row is pointed at the new UID so a
// pending server-side move still finds it. A different mail that reuses a
// known Message-ID is not a duplicate: it is stored and handled as its own
// mail, so nobody can make a mail disappear by sending another with its
// Message-ID first.
func (s *Store) Ingest(ctx context.Context, m Incoming, now time.Time) (Ingested, error) {
	out, err := s.ingestBatch(ctx, []Incoming{m}, now, false)
	if err != nil {
		return Ingested{}, err
	}
	return out[0], nil
}

// IngestBatch is Ingest for several messages of one mailbox in one
// transaction (one commit, so one fsync, for a fetched batch): all are
// stored and the cursor advanced past the last, or none.
//
// It stops before a message whose other copy (the same mail delivered
// twice) is still in the folder, not yet moved, under another UID of the
// same UIDVALIDITY: a row keeps one UID, so storing the second copy would
// leave the first where nobody moves it once the cursor is past both. It
// then returns the messages before it, possibly none; the caller moves the
// first copy and comes back for the rest.
func (s *Store) IngestBatch(ctx context.Context, ms []Incoming, now time.Time) ([]Ingested, error) {
	return s.ingestBatch(ctx, ms, now, true)
}

// errCopyUnmoved stops a batch before a message whose other copy has not
// left the folder (see IngestBatch).
var errCopyUnmoved = errors.New("another copy of this mail is still in the folder")

func (s *Store) ingestBatch(ctx context.Context, ms []Incoming, now time.Time, stopAtCopy bool) ([]Ingested, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	out := make([]Ingested, len(ms))
	err := s.InTx(ctx, func(tx *Tx) error {
		for i, m := range ms {
			var err error
			if out[i], err = tx.ingest(m, now, stopAtCopy); errors.Is(err, errCopyUnmoved) {
				out = out[:i]
				return nil
			}
			if err != nil {
				if len(ms) > 1 {
					err = fmt.Errorf("uid %d: %w", m.UID, err)
				}
				return err
			}
		}
		return nil
	})
	if err != nil {
		first, last := ms[0], ms[len(ms)-1]
		if len(ms) == 1 {
			return nil, fmt.Errorf("store message uid %d of %s: %w", first.UID, first.Mailbox, err)
		}
		return nil, fmt.Errorf("store message uids %d to %d of %s: %w", first.UID, last.UID, first.Mailbox, err)
	}
	return out, nil
}

// ingest stores one message and advances its mailbox's cursor.
//
// With stopAtCopy it returns errCopyUnmoved, writing nothing, for a
// duplicate whose row's copy has not left the folder under another UID of
// the same UIDVALIDITY.
func (tx *Tx) ingest(m Incoming, now time.Time, stopAtCopy bool) (Ingested, error) {
	ctx := tx.ctx
	size := max(int64(len(m.Raw)), m.Size)
	key := dedupeKey(m.MessageID, m.Raw, size)
	var out Ingested
	var validity, uid uint32
	var moved sql.NullString
	err := tx.tx.QueryRowContext(ctx, `SELECT id, uid_validity, uid, moved_at FROM messages WHERE mailbox = ? AND dedupe_key = ?`,
		m.Mailbox, key).Scan(&out.ID, &validity, &uid, &moved)
	switch {
	case err == nil:
		if stopAtCopy && !moved.Valid && validity == m.UIDValidity && uid != m.UID {
			return Ingested{}, errCopyUnmoved
		}
		out.Duplicate = true
		// This copy is in the folder, so the row is not moved, whatever
		// became of an earlier copy: recovery moves it by this UID. A
		// parked message put back into the folder by an operator is
		// handled again from scratch.
		if _, err := tx.tx.ExecContext(ctx, `UPDATE messages SET uid_validity = ?, uid = ?,
			attempts = CASE WHEN state = 'failed' THEN 0 ELSE attempts END,
			outcome = CASE WHEN state = 'failed' THEN '' ELSE outcome END,
			moved_at = NULL,
			state = CASE WHEN state = 'failed' THEN 'new' ELSE state END
			WHERE id = ?`, m.UIDValidity, m.UID, out.ID); err != nil {
			return Ingested{}, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if out.ID, err = tx.insertMessage(m, key, size, now); err != nil {
			return Ingested{}, err
		}
	default:
		return Ingested{}, err
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO mailbox_state (mailbox, uid_validity, last_uid, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (mailbox) DO UPDATE SET uid_validity = excluded.uid_validity,
			last_uid = max(CASE WHEN mailbox_state.uid_validity = excluded.uid_validity THEN mailbox_state.last_uid ELSE 0 END, excluded.last_uid),
			updated_at = excluded.updated_at`,
		m.Mailbox, m.UIDValidity, m.UID, ts(now))
	if err != nil {
		return Ingested{}, err
	}
	return out, nil
}

// insertMessage adds a new message row: its first rawChunk bytes in raw,
// the rest in message_chunks.
func (tx *Tx) insertMessage(m Incoming, key string, size int64, now time.Time) (int64, error) {
	first := m.Raw[:min(len(m.Raw), rawChunk)]
	res, err := tx.tx.ExecContext(tx.ctx, `INSERT INTO messages (mailbox, uid_validity, uid, dedupe_key, message_id, sender, subject, raw, size, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.Mailbox, m.UIDValidity, m.UID, key, m.MessageID, m.Sender, m.Subject, first, size, ts(now))
	if err != nil {
		return 0, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, err
	}
	return id, tx.insertChunks(id, m.Raw[len(first):])
}

// dedupeKey is the key a mailbox remembers a message by: a SHA-256 over
// its Message-ID and its content, so that a mail is a duplicate only when
// both match and whoever knows a Message-ID cannot make another mail with
// it disappear. The content is the values of From, Date and Subject (the
// first of each, unfolded, runs of white space made one) and the body with
// its line ends made LF and its trailing line ends dropped. Trace headers
// a server adds when it delivers or restores a mail again (Received,
// Return-Path, Delivered-To, Authentication-Results) are left out, so the
// same mail fetched again is still the same. When only the header was
// fetched (size is larger than raw), the size on the server stands in for
// the body; a mail without an empty line (no body, or no header) counts
// whole, as its body.
func dedupeKey(messageID string, raw []byte, size int64) string {
	head, body, ok := splitMessage(raw)
	if !ok {
		body = raw
	}
	h := sha256.New()
	field := func(b []byte) {
		fmt.Fprintf(h, "%d:", len(b))
		h.Write(b)
	}
	field([]byte(messageID))
	for _, name := range []string{"From", "Date", "Subject"} {
		field([]byte(headerValue(head, name)))
	}
	// The body with CRLF made LF, hashed a line at a time rather than
	// copied: a 20 MB attachment costs no 20 MB here.
	body = bytes.TrimRight(body, "\r\n")
	fmt.Fprintf(h, "%d:", len(body)-bytes.Count(body, crlfBytes))
	for len(body) > 0 {
		i := bytes.Index(body, crlfBytes)
		if i < 0 {
			h.Write(body)
			break
		}
		h.Write(body[:i])
		h.Write(body[i+1 : i+2]) // the LF without its CR
		body = body[i+2:]
	}
	if size > int64(len(raw)) {
		field([]byte(strconv.FormatInt(size, 10)))
	}
	return "mail:" + hex.EncodeToString(h.Sum(nil))
}

var crlfBytes = []byte("\r\n")

// splitMessage splits raw at its first empty line into the header and the
// body; ok is false when there is no empty line (raw is all header).
func splitMessage(raw []byte) (head, body []byte, ok bool) {
	for start := 0; start < len(raw); {
		end := bytes.IndexByte(raw[start:], '\n')
		next := len(raw)
		if end >= 0 {
			end += start
			next = end + 1
		} else {
			end = len(raw)
		}
		if len(bytes.TrimRight(raw[start:end], "\r")) == 0 {
			return raw[:start], raw[next:], true
		}
		start = next
	}
	return raw, nil, false
}

// headerValue returns the value of the first header field called name
// (any case) in head, unfolded, with runs of white space made one space;
// "" when there is none.
func headerValue(head []byte, name string) string {
	var value []string
	in := false
	for len(head) > 0 {
		line := head
		if i := bytes.IndexByte(head, '\n'); i >= 0 {
			line, head = head[:i], head[i+1:]
		} else {
			head = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			if in {
				value = append(value, string(line))
			}
			continue
		}
		if in {
			break
		}
		if k, v, ok := bytes.Cut(line, []byte(":")); ok && strings.EqualFold(string(bytes.TrimSpace(k)), name) {
			in = true
			value = append(value, string(v))
		}
	}
	return strings.Join(strings.Fields(strings.Join(value, " ")), " ")
}

// StoredMessage is a message row.
type StoredMessage struct {
	ID          int64
	Mailbox     string
	UIDValidity uint32
	UID         uint32
	MessageID   string
	Raw         []byte
	Size        int64 // on the server; larger than len(Raw) when only the header was fetched
	ReceivedAt  time.Time
	State       string
	Disposition string
	Reason      string
	Outcome     string
	CaseID      int64
	Attempts    int
	LastError   string
	MovedAt     time.Time
}

// messageCols are a message row's columns but its bytes: storedLength
// stands in for raw.
const messageCols = `id, mailbox, uid_validity, uid, message_id, ` + storedLength + `, size, received_at, state, disposition, reason, outcome,
	coalesce(case_id, 0), attempts, last_error, moved_at`

func scanMessage(row interface{ Scan(...any) error }) (m *StoredMessage, stored int64, err error) {
	m = &StoredMessage{}
	var received string
	var moved sql.NullString
	err = row.Scan(&m.ID, &m.Mailbox, &m.UIDValidity, &m.UID, &m.MessageID, &stored, &m.Size, &received, &m.State, &m.Disposition,
		&m.Reason, &m.Outcome, &m.CaseID, &m.Attempts, &m.LastError, &moved)
	if err != nil {
		return nil, 0, err
	}
	m.ReceivedAt = parseTS(received)
	m.MovedAt = parseNullTS(moved)
	return m, stored, nil
}

// readMessage reads a message row and its bytes, into one buffer of their
// stored size read a chunk at a time.
func readMessage(ctx context.Context, q querier, id int64) (*StoredMessage, error) {
	m, stored, err := scanMessage(q.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read message %d: %w", id, err)
	}
	m.Raw = make([]byte, 0, stored)
	if err := eachRawChunk(ctx, q, id, func(b []byte) error {
		m.Raw = append(m.Raw, b...)
		return nil
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// Message returns one stored message. It reads the last commit through
// the reader connection, without waiting for a write in progress.
func (s *Store) Message(ctx context.Context, id int64) (*StoredMessage, error) {
	return readMessage(ctx, s.reader, id)
}

// Message reads a message inside a transaction.
func (tx *Tx) Message(id int64) (*StoredMessage, error) {
	return readMessage(tx.ctx, tx.tx, id)
}

// MessageState reads a message's state and outcome inside a transaction,
// without its bytes.
func (tx *Tx) MessageState(id int64) (state, outcome string, err error) {
	err = tx.tx.QueryRowContext(tx.ctx, `SELECT state, outcome FROM messages WHERE id = ?`, id).Scan(&state, &outcome)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", fmt.Errorf("message %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return "", "", fmt.Errorf("read message %d: %w", id, err)
	}
	return state, outcome, nil
}

// HandleResult is what handling one message of a batch came to: its
// outcome (OutcomeProcessed or OutcomeRejected), or the error that kept it
// from being handled, in which case nothing of it was recorded.
type HandleResult struct {
	Outcome string
	Err     error
}

// MessageRef locates a message on the server.
type MessageRef struct {
	ID          int64
	UIDValidity uint32
	UID         uint32
	State       string
	Outcome     string
}

// Unfinished lists a mailbox's messages that still need work: not yet
// handled (handling failed earlier and is retried), or handled but not yet
// moved on the server. Oldest first.
func (s *Store) Unfinished(ctx context.Context, mailbox string) ([]MessageRef, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, uid_validity, uid, state, outcome FROM messages
		WHERE mailbox = ? AND moved_at IS NULL AND state IN ('new', 'handled') ORDER BY id`, mailbox)
	if err != nil {
		return nil, fmt.Errorf("list unfinished messages of %s: %w", mailbox, err)
	}
	defer rows.Close()
	var out []MessageRef
	for rows.Next() {
		var r MessageRef
		if err := rows.Scan(&r.ID, &r.UIDValidity, &r.UID, &r.State, &r.Outcome); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkMoved records that the messages left the watched folder, in one
// transaction.
func (s *Store) MarkMoved(ctx context.Context, now time.Time, ids ...int64) error {
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, id := range ids {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE messages SET moved_at = ? WHERE id = ?`, ts(now), id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark messages %v moved: %w", ids, err)
	}
	return nil
}

// MarkAttemptFailed counts a failed handling attempt; after maxAttempts the
// message is parked as failed (kept, visible to the operator, moved to the
// rejected folder) so it cannot stall its mailbox.
func (s *Store) MarkAttemptFailed(ctx context.Context, id int64, cause error, maxAttempts int, now time.Time) (parked bool, err error) {
	err = s.InTx(ctx, func(tx *Tx) error {
		_, err := tx.tx.ExecContext(ctx, `UPDATE messages SET attempts = attempts + 1, last_error = ?,
			state = CASE WHEN attempts + 1 >= ? THEN 'failed' ELSE state END,
			outcome = CASE WHEN attempts + 1 >= ? THEN 'rejected' ELSE outcome END
			WHERE id = ? AND state = 'new'`, cause.Error(), maxAttempts, maxAttempts, id)
		if err != nil {
			return err
		}
		var state, sender string
		if err := tx.tx.QueryRowContext(ctx, `SELECT state, sender FROM messages WHERE id = ?`, id).Scan(&state, &sender); err != nil {
			return err
		}
		if parked = state == MessageFailed; parked {
			return tx.AddEvent(Event{At: now, Type: vocab.EventParked, Actor: sender, Message: id,
				Detail: fmt.Sprintf("handling failed %d times; moved to the rejected folder; last error: %v", maxAttempts, cause)})
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record failed attempt on message %d: %w", id, err)
	}
	return parked, nil
}

// Handled records how a message was handled; it runs in the same
// transaction as the case, events and outbox rows it caused.
func (tx *Tx) MarkHandled(id int64, disposition, reason, outcome string, caseID int64, now time.Time) error {
	var cid any
	if caseID > 0 {
		cid = caseID
	}
	_, err := tx.tx.ExecContext(tx.ctx, `UPDATE messages SET state = 'handled', disposition = ?, reason = ?, outcome = ?, case_id = ?, handled_at = ?, last_error = ''
		WHERE id = ?`, disposition, reason, outcome, cid, ts(now), id)
	if err != nil {
		return fmt.Errorf("mark message %d handled: %w", id, err)
	}
	return nil
}

// MessageCounts counts messages per "state:outcome", for status output.
func (s *Store) MessageCounts(ctx context.Context) (map[string]int, error) {
	return s.countBy(ctx, `SELECT state || ':' || outcome, count(*) FROM messages GROUP BY 1`)
}

// countBy runs a "SELECT key, count(*) ... GROUP BY" query into a map.
func (s *Store) countBy(ctx context.Context, query string, args ...any) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("count: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] = n
	}
	return out, rows.Err()
}

// SeenMessageIDs reports whether any of messageIDs (without <>) names a
// mail the gateway has seen: one it stored (other than the message except)
// or one it sent. A reply-all in such a thread is conversation, never a
// new escalation to reject.
func (tx *Tx) SeenMessageIDs(messageIDs []string, except int64) (bool, error) {
	ids := nonEmpty(messageIDs)
	if len(ids) == 0 {
		return false, nil
	}
	ph := placeholders(len(ids))
	args := append(append(append([]any{}, ids...), except), ids...)
	return tx.exists(`SELECT 1 FROM messages WHERE message_id IN (`+ph+`) AND id != ?
		UNION ALL SELECT 1 FROM outbox WHERE message_id IN (`+ph+`) LIMIT 1`, args...)
}

// SentEventAnswered reports whether any of messageIDs names a mail the
// gateway sent for event (such as the rejection an agent corrects).
func (tx *Tx) SentEventAnswered(messageIDs []string, event vocab.Event) (bool, error) {
	ids := nonEmpty(messageIDs)
	if len(ids) == 0 {
		return false, nil
	}
	return tx.exists(`SELECT 1 FROM outbox WHERE event = ? AND message_id IN (`+placeholders(len(ids))+`) LIMIT 1`,
		append([]any{string(event)}, ids...)...)
}

func (tx *Tx) exists(q string, args ...any) (bool, error) {
	var one int
	err := tx.tx.QueryRowContext(tx.ctx, q, args...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("find message ids: %w", err)
	}
	return true, nil
}

func nonEmpty(ids []string) []any {
	var out []any
	for _, id := range ids {
		if id != "" {
			out = append(out, id)
		}
	}
	return out
}
