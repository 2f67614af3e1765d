package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"escalationd/vocab"
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

// A mail is a duplicate only when its Message-ID and its content both
// match: another mail that carries a known Message-ID (an outsider's,
// sent first to pre-empt the real one) is stored and handled as its own.
func TestIngestDedupesByMessageIDAndContent(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	const real = "Date: Fri, 27 Nov 2026 10:00:00 -0500\r\nFrom: Alice Agent <alice.agent@craudiovizai.com>\r\n" +
		"Subject: ESCALATION: [TCK-1]\r\nMessage-ID: <tck-1@helpdesk.craudiovizai.com>\r\n\r\nCustomer: jane@example.com\r\nUrgency: High\r\n"
	const forged = "Date: Fri, 27 Nov 2026 09:59:00 -0500\r\nFrom: Mallory <mallory@outsider.example>\r\n" +
		"Subject: ESCALATION: [TCK-1]\r\nMessage-ID: <tck-1@helpdesk.craudiovizai.com>\r\n\r\nhello\r\n"
	in := func(uidValidity, uid uint32, raw string) Incoming {
		return Incoming{Mailbox: "esc", UIDValidity: uidValidity, UID: uid, MessageID: "tck-1@helpdesk.craudiovizai.com", Raw: []byte(raw)}
	}
	f, err := s.Ingest(ctx, in(1, 1, forged), t0)
	if err != nil || f.Duplicate {
		t.Fatalf("the outsider's mail: %+v %v", f, err)
	}
	r, err := s.Ingest(ctx, in(1, 2, real), t0)
	if err != nil || r.Duplicate || r.ID == f.ID {
		t.Fatalf("the real mail after an outsider's with its Message-ID: %+v %v, want a new message", r, err)
	}
	// Each part of the content counts: From, Date, Subject and the body.
	for i, other := range []string{
		strings.Replace(real, "Alice Agent <alice.agent@", "Alice Agent <alice.agent2@", 1),
		strings.Replace(real, "10:00:00", "10:00:01", 1),
		strings.Replace(real, "[TCK-1]", "[TCK-2]", 1),
		strings.Replace(real, "Urgency: High", "Urgency: Critical", 1),
	} {
		o, err := s.Ingest(ctx, in(1, uint32(3+i), other), t0)
		if err != nil || o.Duplicate {
			t.Errorf("variant %d of the real mail: %+v %v, want a new message", i, o, err)
		}
	}
	// The same mail again is a duplicate: the same bytes, the same mail
	// with trace headers a server added on a re-delivery and LF line ends,
	// or a rescan under a new UIDVALIDITY.
	again, err := s.Ingest(ctx, in(1, 20, real), t0)
	if err != nil || !again.Duplicate || again.ID != r.ID {
		t.Fatalf("the same bytes again: %+v %v, want a duplicate of %d", again, err, r.ID)
	}
	traced := "Return-Path: <alice.agent@craudiovizai.com>\nDelivered-To: escalations@craudiovizai.com\n" +
		"Received: from mx.craudiovizai.com by imap.craudiovizai.com; Fri, 27 Nov 2026 15:00:02 +0000\n" +
		"Authentication-Results: mx.craudiovizai.com; dmarc=pass\n" + strings.ReplaceAll(real, "\r\n", "\n")
	again, err = s.Ingest(ctx, in(1, 21, traced), t0)
	if err != nil || !again.Duplicate || again.ID != r.ID {
		t.Fatalf("the same mail with trace headers: %+v %v, want a duplicate of %d", again, err, r.ID)
	}
	if err := s.ResetCursor(ctx, "esc", 2, t0); err != nil {
		t.Fatal(err)
	}
	for uid, want := range map[uint32]int64{1: f.ID, 2: r.ID} {
		raw := forged
		if want == r.ID {
			raw = real
		}
		got, err := s.Ingest(ctx, in(2, uid, raw), t0)
		if err != nil || !got.Duplicate || got.ID != want {
			t.Fatalf("rescan under a new UIDVALIDITY, uid %d: %+v %v, want a duplicate of %d", uid, got, err, want)
		}
		if m, _ := s.Message(ctx, want); m.UIDValidity != 2 || m.UID != uid {
			t.Fatalf("the duplicate did not move its row to the new uid: %+v", m)
		}
	}
	// Only the header fetched (over the size limit): the size on the
	// server tells two such mails apart.
	head := real[:strings.Index(real, "\r\n\r\n")+4]
	big := Incoming{Mailbox: "esc", UIDValidity: 2, UID: 30, MessageID: "big@x", Raw: []byte(head), Size: 50 << 20}
	b1, _ := s.Ingest(ctx, big, t0)
	big.UID, big.Size = 31, 60<<20
	b2, _ := s.Ingest(ctx, big, t0)
	big.UID = 32
	b3, _ := s.Ingest(ctx, big, t0)
	if b1.Duplicate || b2.Duplicate || !b3.Duplicate || b3.ID != b2.ID {
		t.Fatalf("header-only mails: %+v %+v %+v", b1, b2, b3)
	}
}

func TestDedupeKeyContent(t *testing.T) {
	const mail = "Received: by mx\r\nFROM:  Alice\r\n <a@x>\r\nDate: d\r\nSubject: s\r\n\r\nbody\r\n\r\n"
	head, body, ok := splitMessage([]byte(mail))
	if !ok || string(body) != "body\r\n\r\n" {
		t.Errorf("body %q", body)
	}
	if v := headerValue(head, "From"); v != "Alice <a@x>" {
		t.Errorf("From %q", v)
	}
	if v := headerValue(head, "Cc"); v != "" {
		t.Errorf("Cc %q", v)
	}
	if h, b, ok := splitMessage([]byte("Subject: only a header")); ok || string(h) != "Subject: only a header" || b != nil {
		t.Errorf("no empty line: %q %q %v", h, b, ok)
	}
	if dedupeKey("", []byte("Subject: a"), 0) == dedupeKey("", []byte("Subject: a\r\nX: b"), 0) {
		t.Error("a mail without an empty line does not count whole")
	}
	k := dedupeKey("id@x", []byte(mail), int64(len(mail)))
	if k != dedupeKey("id@x", []byte(strings.ReplaceAll(mail, "\r\n", "\n")), 0) {
		t.Error("line ends change the key")
	}
	if k == dedupeKey("other@x", []byte(mail), 0) || k == dedupeKey("", []byte(mail), 0) {
		t.Error("the Message-ID is not part of the key")
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
	_ = s.MarkMoved(ctx, t0, a.ID)
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

// A case's own breach chain round-trips: nil stays the urgency's (NULL),
// an empty chain stays empty, a top reminder count of 0 is kept.
func TestCaseChainColumns(t *testing.T) {
	ctx := context.Background()
	s := open(t)
	zero := 0
	for i, tc := range []struct {
		chain []string
		top   *int
	}{{nil, nil}, {[]string{}, &zero}, {[]string{"senior_support", "lead:senior_support"}, nil}} {
		var got *Case
		err := s.InTx(ctx, func(tx *Tx) error {
			c := &Case{Ticket: fmt.Sprintf("T-%d", i), Kind: "escalation", Mailbox: "esc", State: CaseOpen, Urgency: "low", Agent: "a@x",
				Subject: "s", ParseJSON: "{}", DecisionJSON: "{}", OpenedAt: t0, RespondBy: t0.Add(time.Hour), Chain: tc.chain, TopReminders: tc.top}
			if err := tx.InsertCase(c); err != nil {
				return err
			}
			if err := tx.UpdateCase(c, t0); err != nil {
				return err
			}
			var err error
			got, err = tx.Case(c.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if (got.Chain == nil) != (tc.chain == nil) || strings.Join(got.Chain, ",") != strings.Join(tc.chain, ",") ||
			(got.TopReminders == nil) != (tc.top == nil) || tc.top != nil && *got.TopReminders != *tc.top {
			t.Errorf("case %d: chain %#v top %v, want %#v %v", i, got.Chain, got.TopReminders, tc.chain, tc.top)
		}
	}
}
