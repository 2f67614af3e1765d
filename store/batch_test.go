package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"escalationd/vocab"
)

// A fetched batch is stored whole or not at all: a message that cannot be
// stored leaves the cursor where it was, so nothing of the batch is
// acknowledged on the server and all of it is fetched again.
func TestIngestBatchIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.db.ExecContext(ctx, `CREATE TEMP TRIGGER refuse_uid_3 BEFORE INSERT ON messages WHEN NEW.uid = 3
		BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`); err != nil {
		t.Fatal(err)
	}
	batch := []Incoming{
		{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "a@x", Raw: []byte("A")},
		{Mailbox: "esc", UIDValidity: 1, UID: 2, MessageID: "b@x", Raw: []byte("B")},
		{Mailbox: "esc", UIDValidity: 1, UID: 3, MessageID: "c@x", Raw: []byte("C")},
	}
	if _, err := s.IngestBatch(ctx, batch, t0); err == nil || !strings.Contains(err.Error(), "uid 3") {
		t.Fatalf("IngestBatch = %v, want the failure of uid 3", err)
	}
	if _, ok, _ := s.Cursor(ctx, "esc"); ok {
		t.Fatal("the cursor moved although the batch failed")
	}
	if refs, _ := s.Unfinished(ctx, "esc"); len(refs) != 0 {
		t.Fatalf("a failed batch left %d messages", len(refs))
	}
	got, err := s.IngestBatch(ctx, batch[:2], t0)
	if err != nil || len(got) != 2 || got[0].ID == got[1].ID {
		t.Fatalf("IngestBatch = %+v, %v", got, err)
	}
	if c, _, _ := s.Cursor(ctx, "esc"); c.LastUID != 2 {
		t.Fatalf("cursor = %+v", c)
	}
}

// Savepoint undoes what its function wrote when it fails, and only that.
func TestSavepointUndoesOnlyItsItem(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	boom := errors.New("template failed")
	add := func(tx *Tx, detail string) error {
		return tx.AddEvent(Event{At: t0, Type: vocab.EventParked, Detail: detail})
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		if err := add(tx, "first"); err != nil {
			return err
		}
		err := tx.Savepoint(func() error {
			if err := add(tx, "undone"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("Savepoint = %v, want the function's error", err)
		}
		if err := tx.Savepoint(func() error { return add(tx, "kept") }); err != nil {
			return err
		}
		return add(tx, "last")
	})
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	rows, err := s.db.QueryContext(ctx, `SELECT detail FROM events ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			t.Fatal(err)
		}
		details = append(details, d)
	}
	if got := strings.Join(details, ","); got != "first,kept,last" {
		t.Fatalf("events = %s, want first,kept,last", got)
	}
}

// The lookups every new mail makes must use an index: a full scan grows
// with the database and slowed a 5,000-mail backlog to a third of its
// speed.
func TestHotLookupsUseAnIndex(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	for name, q := range map[string]string{
		"open case by ticket":   openCaseByTicketSQL,
		"latest case by ticket": latestCaseByTicketSQL,
		"dedupe":                `SELECT id FROM messages WHERE mailbox = ? AND dedupe_key = ?`,
		"case by sent mail":     fmt.Sprintf(casesBySentMailSQL, "?, ?"),
		"case by source mail":   fmt.Sprintf(casesBySourceMailSQL, "?, ?"),
	} {
		rows, err := s.db.QueryContext(ctx, `EXPLAIN QUERY PLAN `+q, "x", "y")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, "INDEX") || strings.Contains(text, "SCAN cases") || strings.Contains(text, "SCAN outbox") || strings.Contains(text, "SCAN messages") {
			t.Errorf("%s scans its table: %s", name, text)
		}
	}
}

// Contended tells a long transaction that someone waits for the database,
// so that a batch can commit early and let a one-row write in.
func TestContendedSeesAWaitingWriter(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	done := make(chan error, 1)
	err := s.InTx(ctx, func(tx *Tx) error {
		if tx.Contended() {
			t.Error("contended before anyone waits")
		}
		go func() { done <- s.InTx(ctx, func(*Tx) error { return nil }) }()
		deadline := time.Now().Add(10 * time.Second)
		for !tx.Contended() {
			if time.Now().After(deadline) {
				return errors.New("a waiting writer was never seen")
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("the waiting writer: %v", err)
	}
}

// The outbound worker's reads (due mail, the case for the confidentiality
// check) and the engine's read of a stored mail do not wait for a write
// transaction in progress: they see the last commit.
func TestReadsDoNotWaitForAWriter(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	in, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "a@x", Raw: []byte("A")}, t0)
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		// The write connection is taken; a read that waited for it would
		// run into its deadline.
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if _, err := s.DueMail(rctx, t0, 10); err != nil {
			return fmt.Errorf("due mail during a write: %w", err)
		}
		if _, _, err := s.NextMailDue(rctx); err != nil {
			return fmt.Errorf("next mail due during a write: %w", err)
		}
		if m, err := s.Message(rctx, in.ID); err != nil || string(m.Raw) != "A" {
			return fmt.Errorf("message during a write: %v", err)
		}
		if _, err := s.Case(rctx, 1); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("case during a write: %w", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestAtLeastReadsUpToTheLimit(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	err := s.InTx(ctx, func(tx *Tx) error {
		for i := 0; i < 5; i++ {
			if err := tx.MarkRate(RateNewCase, "a@x", t0.Add(time.Duration(i)*time.Minute)); err != nil {
				return err
			}
		}
		if err := tx.MarkRate(RateNewCase, "b@x", t0); err != nil {
			return err
		}
		for _, c := range []struct {
			key   string
			since time.Time
			n     int
			want  bool
		}{
			{"a@x", t0, 5, true}, {"a@x", t0, 6, false}, {"a@x", t0.Add(2 * time.Minute), 4, false},
			{"a@x", t0.Add(2 * time.Minute), 3, true}, {"", t0, 6, true}, {"", t0, 7, false}, {"c@x", t0, 0, true},
		} {
			got, err := tx.AtLeast(RateNewCase, c.key, c.since, c.n)
			if err != nil {
				return err
			}
			if got != c.want {
				t.Errorf("AtLeast(%q, %s, %d) = %v, want %v", c.key, c.since.Format("15:04"), c.n, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A second copy of a mail whose first copy has not left the folder stops
// the batch before it; once the first is moved, the second is stored and
// the row is unmoved again, under the second copy's UID, so recovery
// moves that copy too.
func TestIngestBatchStopsAtAnUnmovedCopy(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a := Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "a@x", Raw: []byte("Subject: a\r\n\r\nA\r\n")}
	b := Incoming{Mailbox: "esc", UIDValidity: 1, UID: 2, MessageID: "b@x", Raw: []byte("Subject: b\r\n\r\nB\r\n")}
	a2 := a
	a2.UID = 3
	got, err := s.IngestBatch(ctx, []Incoming{a, b, a2}, t0)
	if err != nil || len(got) != 2 {
		t.Fatalf("IngestBatch = %+v, %v; want the two before the second copy", got, err)
	}
	if c, _, _ := s.Cursor(ctx, "esc"); c.LastUID != 2 {
		t.Fatalf("cursor = %+v, want 2: the second copy is not past", c)
	}
	if got, err := s.IngestBatch(ctx, []Incoming{a2}, t0); err != nil || len(got) != 0 {
		t.Fatalf("with the first copy unmoved: %+v, %v", got, err)
	}
	if err := s.MarkMoved(ctx, t0, unfinishedID(t, s, 1)); err != nil {
		t.Fatal(err)
	}
	again, err := s.IngestBatch(ctx, []Incoming{a2}, t0)
	if err != nil || len(again) != 1 || !again[0].Duplicate {
		t.Fatalf("after the move: %+v, %v", again, err)
	}
	m, _ := s.Message(ctx, again[0].ID)
	if m.UID != 3 || !m.MovedAt.IsZero() {
		t.Fatalf("row after the second copy: uid %d moved %v", m.UID, m.MovedAt)
	}
}

func unfinishedID(t *testing.T, s *Store, uid uint32) int64 {
	t.Helper()
	refs, err := s.Unfinished(context.Background(), "esc")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		if r.UID == uid {
			return r.ID
		}
	}
	t.Fatalf("no unfinished message with uid %d", uid)
	return 0
}
