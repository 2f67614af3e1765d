package store

import (
	"context"
	"escalationd/vocab"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func open(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "db", "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestOpenCreatesPrivateFileAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for i := 0; i < 2; i++ { // the second open finds the schema in place
		s, err := Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("database mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestIngestAdvancesCursorAndDedupes(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	if _, ok, _ := s.Cursor(ctx, "esc"); ok {
		t.Fatal("cursor before the first message")
	}
	a, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 7, UID: 3, MessageID: "a@x", Raw: []byte("A")}, t0)
	if err != nil || a.Duplicate {
		t.Fatalf("first ingest: %+v %v", a, err)
	}
	c, ok, _ := s.Cursor(ctx, "esc")
	if !ok || c != (Cursor{UIDValidity: 7, LastUID: 3}) {
		t.Fatalf("cursor = %+v", c)
	}
	// A rescan under a new UIDVALIDITY finds the same Message-ID again.
	if err := s.ResetCursor(ctx, "esc", 9, t0); err != nil {
		t.Fatal(err)
	}
	b, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 9, UID: 1, MessageID: "a@x", Raw: []byte("A")}, t0)
	if err != nil || !b.Duplicate || b.ID != a.ID {
		t.Fatalf("rescan ingest: %+v %v, want duplicate of %d", b, err, a.ID)
	}
	m, _ := s.Message(ctx, a.ID)
	if m.UIDValidity != 9 || m.UID != 1 {
		t.Fatalf("duplicate did not move the row to the new uid: %+v", m)
	}
	c, _, _ = s.Cursor(ctx, "esc")
	if c != (Cursor{UIDValidity: 9, LastUID: 1}) {
		t.Fatalf("cursor after rescan = %+v", c)
	}
	// The same Message-ID in another mailbox is another message.
	o, _ := s.Ingest(ctx, Incoming{Mailbox: "sec", UIDValidity: 1, UID: 1, MessageID: "a@x", Raw: []byte("A")}, t0)
	if o.Duplicate {
		t.Fatal("dedupe crossed mailboxes")
	}
	// Without a Message-ID the bytes decide.
	n1, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 9, UID: 2, Raw: []byte("same")}, t0)
	n2, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 9, UID: 3, Raw: []byte("same")}, t0)
	n3, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 9, UID: 4, Raw: []byte("other")}, t0)
	if n1.Duplicate || !n2.Duplicate || n3.Duplicate {
		t.Fatalf("hash dedupe: %+v %+v %+v", n1, n2, n3)
	}
}

func TestUnfinishedAndAttempts(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	a, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "a", Raw: []byte("A")}, t0)
	b, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 2, MessageID: "b", Raw: []byte("B")}, t0)
	if err := s.InTx(ctx, func(tx *Tx) error {
		return tx.MarkHandled(a.ID, "case", "", OutcomeProcessed, 0, t0)
	}); err != nil {
		t.Fatal(err)
	}
	refs, _ := s.Unfinished(ctx, "esc")
	if len(refs) != 2 || refs[0].State != MessageHandled || refs[1].State != MessageNew {
		t.Fatalf("unfinished = %+v", refs)
	}
	_ = s.MarkMoved(ctx, a.ID, t0)
	for i := 1; i <= 3; i++ {
		parked, err := s.MarkAttemptFailed(ctx, b.ID, os.ErrClosed, 3, t0)
		if err != nil {
			t.Fatal(err)
		}
		if parked != (i == 3) {
			t.Fatalf("attempt %d: parked = %v", i, parked)
		}
	}
	m, _ := s.Message(ctx, b.ID)
	if m.State != MessageFailed || m.Outcome != OutcomeRejected || m.Attempts != 3 {
		t.Fatalf("parked message = %+v", m)
	}
	refs, _ = s.Unfinished(ctx, "esc")
	if len(refs) != 0 {
		t.Fatalf("a parked message is still unfinished: %+v", refs)
	}
}

func TestOutboxDedupAndRetryStates(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	mail := func(key string) *Mail {
		return &Mail{Event: "routed", Role: vocab.RoleTeam, DedupKey: key, MessageID: key + "@gw", MailFrom: "gw@x", RcptTo: []string{"a@x"},
			Subject: "s", Raw: []byte("raw"), CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)}
	}
	var added []bool
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, k := range []string{"k1", "k1", "k2"} {
			ok, err := tx.Enqueue(mail(k))
			if err != nil {
				return err
			}
			added = append(added, ok)
		}
		return nil
	})
	if err != nil || !added[0] || added[1] || !added[2] {
		t.Fatalf("enqueue: %v %v", added, err)
	}
	due, _ := s.DueMail(ctx, t0, 10)
	if len(due) != 2 {
		t.Fatalf("due = %d", len(due))
	}
	if err := s.MarkRetry(ctx, due[0].ID, t0.Add(time.Minute), "451 busy"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, due[1].ID, t0); err != nil {
		t.Fatal(err)
	}
	if due, _ = s.DueMail(ctx, t0.Add(30*time.Second), 10); len(due) != 0 {
		t.Fatalf("deferred mail due early: %+v", due)
	}
	next, ok, _ := s.NextMailDue(ctx)
	if !ok || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("next due = %v %v", next, ok)
	}
	due, _ = s.DueMail(ctx, t0.Add(time.Minute), 10)
	if len(due) != 1 || due[0].Attempts != 1 || due[0].LastError != "451 busy" {
		t.Fatalf("retry row = %+v", due)
	}
	if err := s.FinishFailed(ctx, due[0], MailFailed, "delivery-failed", "550 no", t0, nil); err != nil {
		t.Fatal(err)
	}
	counts, _ := s.OutboxCounts(ctx)
	if counts[MailSent] != 1 || counts[MailFailed] != 1 || counts[MailPending] != 0 {
		t.Fatalf("counts = %v", counts)
	}
	ev, _ := s.Events(ctx, 0)
	if len(ev) != 1 || ev[0].Type != "delivery-failed" {
		t.Fatalf("failure event = %+v", ev)
	}
}

func TestTimersFireOnce(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	var caseID int64
	err := s.InTx(ctx, func(tx *Tx) error {
		c := &Case{Ticket: "T-1", Kind: "escalation", Mailbox: "esc", State: CaseOpen, Urgency: "low", Agent: "a@x",
			Subject: "s", ParseJSON: "{}", DecisionJSON: "{}", OpenedAt: t0, RespondBy: t0.Add(time.Hour)}
		if err := tx.InsertCase(c); err != nil {
			return err
		}
		caseID = c.ID
		for _, k := range []vocab.TimerKind{"breach", "breach"} {
			if _, err := tx.AddTimer(Timer{CaseID: c.ID, Kind: k, Step: 1, DueAt: t0.Add(time.Hour)}); err != nil {
				return err
			}
		}
		_, err := tx.AddTimer(Timer{CaseID: c.ID, Kind: "status-check", Step: 1, DueAt: t0.Add(4 * time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueTimers(ctx, t0.Add(time.Hour), 10)
	if len(due) != 1 {
		t.Fatalf("due timers = %+v", due)
	}
	for i, want := range []bool{true, false} {
		var fired bool
		_ = s.InTx(ctx, func(tx *Tx) error { fired, err = tx.FireTimer(due[0].ID, t0); return err })
		if fired != want {
			t.Fatalf("fire #%d = %v", i+1, fired)
		}
	}
	_ = s.InTx(ctx, func(tx *Tx) error { return tx.CancelTimers(caseID) })
	if _, ok, _ := s.NextTimerDue(ctx); ok {
		t.Fatal("cancelled timers still pending")
	}
}

func TestReadOnlyDatabaseIsTemporary(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "ro.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if os.Geteuid() == 0 {
		t.Log("running as root: file modes do not stop writes; using a read-only connection instead")
	}
	ro, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	_, err = ro.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 1, MessageID: "a", Raw: []byte("A")}, t0)
	if err == nil {
		t.Fatal("write to a read-only database succeeded")
	}
	if !IsDatabaseError(err) {
		t.Fatalf("read-only failure %v should be a database error (retried later, never dropped)", err)
	}
	if _, ok, _ := ro.Cursor(ctx, "esc"); ok {
		t.Fatal("the failed ingest advanced the cursor")
	}
}
