package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"escalationd/vocab"
)

// seedCase stores a case with one handled mail and one outgoing mail in
// the given state; resolved, when not zero, resolves it then.
func seedCase(t *testing.T, s *Store, n int, resolved time.Time, mailState string) (caseID, msgID, mailID int64) {
	t.Helper()
	ctx := context.Background()
	in, err := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: uint32(n), MessageID: fmt.Sprintf("m%d@x", n),
		Raw: []byte(fmt.Sprintf("escalation %d", n))}, t0)
	if err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *Tx) error {
		c := &Case{Ticket: fmt.Sprintf("T-%d", n), Kind: "escalation", Mailbox: "esc", State: CaseOpen, Urgency: "low", Agent: "a@x",
			Subject: "s", ParseJSON: "{}", DecisionJSON: "{}", OpenedAt: t0, RespondBy: t0.Add(time.Hour)}
		if err := tx.InsertCase(c); err != nil {
			return err
		}
		caseID = c.ID
		if err := tx.MarkHandled(in.ID, "case", "", OutcomeProcessed, c.ID, t0); err != nil {
			return err
		}
		m := &Mail{CaseID: c.ID, Event: vocab.EventRouted, Role: vocab.RoleTeam, DedupKey: fmt.Sprintf("k%d", n),
			MessageID: fmt.Sprintf("o%d@gw", n), MailFrom: "gw@x", RcptTo: []string{"team@x"}, Subject: "s",
			Raw: []byte("routed mail with the original attached"), CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)}
		if _, err := tx.Enqueue(m); err != nil {
			return err
		}
		mailID = m.ID
		if _, err := tx.tx.Exec(`UPDATE outbox SET state = ?, last_error = ? WHERE id = ?`, mailState, "550 no such user", m.ID); err != nil {
			return err
		}
		if !resolved.IsZero() {
			c.State, c.ResolvedAt = CaseResolved, resolved
			return tx.UpdateCase(c, resolved)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return caseID, in.ID, mailID
}

func TestRetryAndDropMail(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := t0.Add(2 * time.Hour)
	_, _, failed := seedCase(t, s, 1, time.Time{}, MailFailed)
	_, _, blocked := seedCase(t, s, 2, time.Time{}, MailBlocked)
	_, _, sent := seedCase(t, s, 3, time.Time{}, MailSent)
	caseID, _, pending := seedCase(t, s, 4, time.Time{}, MailPending)

	if _, err := s.RetryMail(ctx, failed, false, "op", now.Add(24*time.Hour), now); err != nil {
		t.Fatal(err)
	}
	due, _ := s.DueMail(ctx, now, 10)
	if len(due) != 2 || due[1].ID != failed || !due[1].GiveUpAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("retried mail not due now: %+v", due)
	}
	if _, err := s.RetryMail(ctx, blocked, false, "op", now, now); !errors.Is(err, ErrMailState) {
		t.Fatalf("blocked retried without force: %v", err)
	}
	if _, err := s.RetryMail(ctx, blocked, true, "op", now, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RetryMail(ctx, sent, true, "op", now, now); !errors.Is(err, ErrMailState) {
		t.Fatalf("sent mail retried: %v", err)
	}
	if _, err := s.RetryMail(ctx, 999, false, "op", now, now); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown mail: %v", err)
	}

	if _, err := s.DropMail(ctx, pending, "customer withdrew", "op", now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DropMail(ctx, sent, "x", "op", now); !errors.Is(err, ErrMailState) {
		t.Fatalf("sent mail dropped: %v", err)
	}
	m, _ := s.MailByID(ctx, pending)
	if m.State != MailDropped {
		t.Fatalf("dropped mail is %s", m.State)
	}
	if due, _ := s.DueMail(ctx, now.Add(time.Hour), 10); len(due) != 2 {
		t.Fatalf("dropped mail still due: %+v", due)
	}
	ev, _ := s.Events(ctx, caseID)
	if len(ev) != 1 || ev[0].Type != vocab.EventMailDropped || ev[0].Actor != "op" {
		t.Fatalf("drop not recorded on the case: %+v", ev)
	}
	counts, _ := s.OutboxCounts(ctx)
	if counts[MailDropped] != 1 || counts[MailPending] != 2 || counts[MailSent] != 1 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestStatusQueries(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := t0.Add(30 * time.Minute)
	caseID, _, _ := seedCase(t, s, 1, time.Time{}, MailPending)
	seedCase(t, s, 2, time.Time{}, MailFailed)
	parked, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 9, Raw: []byte("poison")}, t0)
	if _, err := s.MarkAttemptFailed(ctx, parked.ID, errors.New("boom"), 1, t0); err != nil {
		t.Fatal(err)
	}
	err := s.InTx(ctx, func(tx *Tx) error {
		for i, due := range []time.Duration{10 * time.Minute, 50 * time.Minute, 3 * time.Hour} {
			if _, err := tx.AddTimer(Timer{CaseID: caseID, Kind: vocab.TimerBreach, Step: i + 1, DueAt: t0.Add(due)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	boxes, err := s.MailboxStatuses(ctx)
	if err != nil || len(boxes) != 1 {
		t.Fatalf("mailboxes: %+v %v", boxes, err)
	}
	if b := boxes[0]; b.Mailbox != "esc" || b.LastUID != 9 || b.Parked != 1 || !b.LastMailAt.Equal(t0) || !b.CursorAt.Equal(t0) {
		t.Fatalf("mailbox status: %+v", b)
	}
	o, err := s.OutboxStatus(ctx, now)
	if err != nil || o.Counts[MailPending] != 1 || !o.OldestPending.Equal(t0) || o.DuePending != 1 || o.LastError != "550 no such user" {
		t.Fatalf("outbox status: %+v %v", o, err)
	}
	timers, err := s.TimersDueBefore(ctx, now.Add(time.Hour), 10)
	if err != nil || len(timers) != 2 || timers[0].Ticket != "T-1" || timers[0].Kind != vocab.TimerBreach {
		t.Fatalf("timers due: %+v %v", timers, err)
	}
}

// Pruning empties the bytes of old finished mail and keeps everything a
// case or a retry still needs.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	now := t0.Add(200 * 24 * time.Hour)
	oldCase, oldMsg, oldMail := seedCase(t, s, 1, t0.Add(time.Hour), MailSent)      // resolved 200 days ago
	_, recentMsg, recentMail := seedCase(t, s, 2, now.Add(-24*time.Hour), MailSent) // resolved yesterday
	_, openMsg, _ := seedCase(t, s, 3, time.Time{}, MailFailed)                     // still open
	_, _, pendingMail := seedCase(t, s, 4, t0.Add(time.Hour), MailPending)          // resolved, mail still queued
	ignored, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 20, Raw: []byte("out of office")}, t0)
	fresh, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 21, Raw: []byte("unknown sender")}, now.Add(-time.Hour))
	unhandled, _ := s.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: 22, Raw: []byte("not yet handled")}, t0)
	err := s.InTx(ctx, func(tx *Tx) error {
		for _, id := range []int64{ignored.ID, fresh.ID} {
			if err := tx.MarkHandled(id, "ignored", "auto-reply", OutcomeRejected, 0, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	policy := RetentionPolicy{RawMail: 180 * 24 * time.Hour, IgnoredMail: 30 * 24 * time.Hour}
	dry, err := s.Prune(ctx, policy, now, true)
	if err != nil {
		t.Fatal(err)
	}
	// The old case's escalation, the resolved case's with queued mail, the
	// ignored mail; the old case's sent mail.
	if dry.Messages != 3 || dry.Outbox != 1 || dry.MessageBytes == 0 {
		t.Fatalf("dry run: %+v", dry)
	}
	if m, _ := s.Message(ctx, oldMsg); len(m.Raw) == 0 {
		t.Fatal("dry run pruned")
	}
	got, err := s.Prune(ctx, policy, now, false)
	if err != nil || got != dry {
		t.Fatalf("prune = %+v %v, dry run said %+v", got, err, dry)
	}
	for id, want := range map[int64]bool{oldMsg: true, ignored.ID: true, recentMsg: false, openMsg: false, fresh.ID: false, unhandled.ID: false} {
		m, err := s.Message(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if pruned := len(m.Raw) == 0; pruned != want {
			t.Errorf("message %d pruned = %v, want %v", id, pruned, want)
		}
	}
	for id, want := range map[int64]bool{oldMail: true, recentMail: false, pendingMail: false} {
		m, _ := s.MailByID(ctx, id)
		if pruned := len(m.Raw) == 0; pruned != want {
			t.Errorf("mail %d pruned = %v, want %v", id, pruned, want)
		}
	}
	if c, err := s.Case(ctx, oldCase); err != nil || c.State != CaseResolved {
		t.Fatalf("case after prune: %+v %v", c, err)
	}
	if again, _ := s.Prune(ctx, policy, now, false); again != (PruneResult{}) {
		t.Fatalf("second prune: %+v", again)
	}
	// 0 keeps mail forever.
	if none, _ := s.Prune(ctx, RetentionPolicy{}, now.Add(1000*24*time.Hour), true); none.Messages != 0 || none.Outbox != 0 {
		t.Fatalf("keep-forever policy pruned: %+v", none)
	}
}

// A backup taken while another connection writes is a consistent,
// private, single-file database with every case committed before it.
func TestBackupWhileWriting(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "live.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := 1; i <= 20; i++ {
		seedCase(t, s, i, time.Time{}, MailSent)
	}
	writer, err := Open(ctx, path) // the daemon, in another process
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 100; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := writer.Ingest(ctx, Incoming{Mailbox: "esc", UIDValidity: 1, UID: uint32(i), Raw: []byte(fmt.Sprint("mail ", i))}, t0); err != nil {
				t.Error(err)
				return
			}
		}
	})
	reader, err := OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	out := filepath.Join(dir, "backups", "copy.db")
	if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
		t.Fatal(err)
	}
	for range 3 { // over an existing backup too
		if err := reader.Backup(ctx, out); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("backup file: %v %v", fi, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Fatalf("backup left files behind: %v", entries)
	}
	cp, err := OpenReadOnly(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	cases, err := cp.Cases(ctx, CaseFilter{})
	if err != nil || len(cases) != 20 {
		t.Fatalf("cases in the backup: %d %v", len(cases), err)
	}
	if v, _ := cp.SchemaVersion(ctx); v != KnownSchemaVersion() {
		t.Fatalf("backup schema version %d", v)
	}
}

func TestMailInStateLeavesTheBytes(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	seedCase(t, s, 1, time.Time{}, MailFailed)
	seedCase(t, s, 2, time.Time{}, MailSent)
	all, err := s.MailInState(ctx, "")
	if err != nil || len(all) != 2 || len(all[0].Raw) != 0 || all[0].RcptTo[0] != "team@x" {
		t.Fatalf("all: %+v %v", all, err)
	}
	failed, err := s.MailInState(ctx, MailFailed)
	if err != nil || len(failed) != 1 || failed[0].State != MailFailed {
		t.Fatalf("failed: %+v %v", failed, err)
	}
}

// A first run over more mail than one batch prunes all of it.
func TestPruneInBatches(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const n = 2*pruneBatch + 7
	err := s.InTx(ctx, func(tx *Tx) error {
		for i := range n {
			if _, err := tx.tx.Exec(`INSERT INTO messages (mailbox, uid_validity, uid, dedupe_key, raw, size, received_at, state)
				VALUES ('esc', 1, ?, ?, 'abc', 3, ?, 'handled')`, i+1, fmt.Sprint("k", i), ts(t0)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Prune(ctx, RetentionPolicy{IgnoredMail: 24 * time.Hour}, t0.Add(48*time.Hour), false)
	if err != nil || r.Messages != n || r.MessageBytes != 3*n {
		t.Fatalf("prune = %+v %v, want %d messages", r, err, n)
	}
	var left int
	if err := s.db.QueryRow(`SELECT count(*) FROM messages WHERE pruned_at IS NULL OR length(raw) > 0`).Scan(&left); err != nil || left != 0 {
		t.Fatalf("%d messages left unpruned (%v)", left, err)
	}
}
