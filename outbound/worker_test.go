package outbound

import (
	"context"
	"errors"
	"log/slog"
	"net/textproto"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"escalationd/internal/clock"
	"escalationd/store"
	"escalationd/vocab"
)

var t0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// scriptSender answers each Send with the next scripted error.
type scriptSender struct {
	mu     sync.Mutex
	script []error
	sent   [][]byte
	rcpts  [][]string
	closed int
}

func (s *scriptSender) Send(_ context.Context, _ string, rcpt []string, raw []byte) ([]RecipientError, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var err error
	if len(s.script) > 0 {
		err, s.script = s.script[0], s.script[1:]
	}
	if err == nil {
		s.sent = append(s.sent, raw)
		s.rcpts = append(s.rcpts, rcpt)
	}
	return nil, err
}

func (s *scriptSender) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed++
	return nil
}

// counts reports how many mails were sent and how often the connection
// was closed.
func (s *scriptSender) counts() (sent, closed int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sent), s.closed
}

func setup(t *testing.T, sender Sender, guard Guard) (*store.Store, *Worker, *clock.Virtual) {
	t.Helper()
	return setupWith(t, sender, guard, nil)
}

func setupWith(t *testing.T, sender Sender, guard Guard, undeliverable func(*store.Tx, *store.Mail, string, time.Time) (bool, error)) (*store.Store, *Worker, *clock.Virtual) {
	t.Helper()
	st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "o.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clk := clock.NewVirtual(t0)
	w, err := NewWorker(WorkerOptions{Store: st, Sender: sender, Guard: guard, Clock: clk, Logger: slog.New(slog.DiscardHandler),
		Retry:         RetryPolicy{Initial: time.Minute, Max: 8 * time.Minute, Jitter: func() float64 { return 0.5 }},
		Undeliverable: undeliverable})
	if err != nil {
		t.Fatal(err)
	}
	return st, w, clk
}

func enqueue(t *testing.T, st *store.Store, caseID int64, rcpt ...string) {
	t.Helper()
	err := st.InTx(context.Background(), func(tx *store.Tx) error {
		_, err := tx.Enqueue(&store.Mail{CaseID: caseID, Event: "routed", Role: vocab.RoleTeam, DedupKey: "k" + rcpt[0], MessageID: rcpt[0] + ".id@gw",
			MailFrom: "gw@x", RcptTo: rcpt, Subject: "s", Raw: []byte("raw " + rcpt[0]), CreatedAt: t0, GiveUpAt: t0.Add(time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func temp(code int) error { return &textproto.Error{Code: code, Msg: "try later"} }

func TestRetryThenDeliverSameBytes(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{script: []error{temp(451), errors.New("connection refused"), nil}}
	st, w, clk := setup(t, s, nil)
	enqueue(t, st, 0, "a@x")
	if err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	m, _ := st.MailByID(ctx, 1)
	// First retry after Initial (jitter 0.5 → factor 1.0).
	if m.State != store.MailPending || m.Attempts != 1 || !m.NextAttemptAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("after a 451: %+v", m)
	}
	clk.Set(m.NextAttemptAt)
	_ = w.Flush(ctx)
	m, _ = st.MailByID(ctx, 1)
	if m.Attempts != 2 || !m.NextAttemptAt.Equal(t0.Add(3*time.Minute)) {
		t.Fatalf("backoff did not double: %+v", m)
	}
	clk.Set(m.NextAttemptAt)
	_ = w.Flush(ctx)
	m, _ = st.MailByID(ctx, 1)
	if m.State != store.MailSent || len(s.sent) != 1 || string(s.sent[0]) != "raw a@x" {
		t.Fatalf("not delivered: %+v sent=%q", m, s.sent)
	}
	// A sent row is never sent again.
	clk.Advance(time.Hour)
	_ = w.Flush(ctx)
	if len(s.sent) != 1 {
		t.Fatalf("sent %d times", len(s.sent))
	}
}

func TestPermanentFailureIsRecordedNotRetried(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{script: []error{temp(550)}}
	st, w, _ := setup(t, s, nil)
	enqueue(t, st, 0, "gone@x")
	_ = w.Flush(ctx)
	m, _ := st.MailByID(ctx, 1)
	if m.State != store.MailFailed || m.LastError == "" {
		t.Fatalf("after a 550: %+v", m)
	}
	ev, _ := st.Events(ctx, 0)
	if len(ev) != 1 || ev[0].Type != "delivery-failed" {
		t.Fatalf("events = %+v", ev)
	}
}

func TestUndeliverableHookHearsOfPermanentFailures(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{script: []error{temp(550), temp(451)}}
	var told []string
	st, w, _ := setupWith(t, s, nil, func(_ *store.Tx, m *store.Mail, cause string, _ time.Time) (bool, error) {
		told = append(told, m.RcptTo[0]+": "+cause)
		return false, nil
	})
	enqueue(t, st, 0, "gone@x")
	enqueue(t, st, 0, "later@x")
	_ = w.Flush(ctx)
	if len(told) != 1 || !strings.HasPrefix(told[0], "gone@x: ") {
		t.Fatalf("hook calls: %q (a temporary failure must not be reported)", told)
	}
}

// The notice of a failure commits with the failure: when queueing the
// notice fails on the database, the failure is not recorded either, and
// the next pass tries both again, so no notice is ever lost.
func TestUndeliverableNoticeCommitsWithTheFailure(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{script: []error{temp(550), temp(550)}}
	broken := true
	st, w, _ := setupWith(t, s, nil, func(tx *store.Tx, m *store.Mail, cause string, now time.Time) (bool, error) {
		id := "notice.id@gw"
		if broken {
			id = m.MessageID // a Message-ID already in the outbox: the insert fails
		}
		_, err := tx.Enqueue(&store.Mail{Event: "delivery-failed", Role: vocab.RoleAgent, DedupKey: "notice", MessageID: id,
			MailFrom: "gw@x", RcptTo: []string{"agent@x"}, Subject: "n", Raw: []byte("n"), CreatedAt: now, GiveUpAt: now.Add(time.Hour)})
		return err == nil, err
	})
	enqueue(t, st, 0, "gone@x")
	_ = w.Flush(ctx)
	m, _ := st.MailByID(ctx, 1)
	all, _ := st.AllMail(ctx)
	if m.State != store.MailPending || len(all) != 1 {
		t.Fatalf("notice failed but the failure was recorded: %+v, %d mails", m, len(all))
	}
	broken = false
	_ = w.Flush(ctx)
	m, _ = st.MailByID(ctx, 1)
	all, _ = st.AllMail(ctx)
	if m.State != store.MailFailed || len(all) != 2 || all[1].Event != "delivery-failed" {
		t.Fatalf("after the retry: %+v, %d mails", m, len(all))
	}
}

func TestGiveUpAfterDeadline(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{}
	for i := 0; i < 50; i++ {
		s.script = append(s.script, temp(421))
	}
	st, w, clk := setup(t, s, nil)
	enqueue(t, st, 0, "a@x")
	for i := 0; i < 50; i++ {
		_ = w.Flush(ctx)
		m, _ := st.MailByID(ctx, 1)
		if m.State != store.MailPending {
			break
		}
		if m.NextAttemptAt.After(m.GiveUpAt) {
			t.Fatalf("retry scheduled past the give-up time: %+v", m)
		}
		clk.Set(m.NextAttemptAt)
	}
	m, _ := st.MailByID(ctx, 1)
	if m.State != store.MailFailed || m.Attempts < 5 || clk.Now().Before(m.GiveUpAt) {
		t.Fatalf("did not give up at the deadline: %+v now %v", m, clk.Now())
	}
}

func TestGuardBlocksEveryMessage(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{}
	guard := func(_ context.Context, m *store.Mail) ([]string, error) {
		if slices.Equal(m.RcptTo, []string{"customer@x"}) {
			return m.RcptTo, &Refusal{"confidential"}
		}
		if slices.Contains(m.RcptTo, "customer@x") {
			return []string{"customer@x"}, nil
		}
		return nil, nil
	}
	st, w, _ := setup(t, s, guard)
	enqueue(t, st, 0, "customer@x")
	enqueue(t, st, 0, "team@x")
	enqueue(t, st, 0, "oncall@x", "customer@x")
	_ = w.Flush(ctx)
	a, _ := st.MailByID(ctx, 1)
	b, _ := st.MailByID(ctx, 2)
	c, _ := st.MailByID(ctx, 3)
	if a.State != store.MailBlocked || b.State != store.MailSent || c.State != store.MailSent || len(s.sent) != 2 {
		t.Fatalf("blocked=%+v sent=%+v trimmed=%+v", a, b, c)
	}
	// The mail with a customer-side recipient among others still reached
	// the others, and only them.
	if got := s.rcpts[len(s.rcpts)-1]; !slices.Equal(got, []string{"oncall@x"}) {
		t.Fatalf("trimmed mail went to %v, want only oncall@x", got)
	}
}

func TestCancelledSendLeavesMailUntouched(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	s := &scriptSender{script: []error{context.Canceled}}
	st, w, _ := setup(t, s, nil)
	enqueue(t, st, 0, "a@x")
	due, _ := st.DueMail(context.Background(), t0, 10)
	cancel()
	if done, _, err := w.deliver(ctx, due[0], nil); done || err != nil {
		t.Fatalf("a cancelled send reported done=%v err=%v", done, err)
	}
	m, _ := st.MailByID(context.Background(), 1)
	if m.State != store.MailPending || m.Attempts != 0 {
		t.Fatalf("shutdown counted as a failed attempt: %+v", m)
	}
}

func TestRetryPolicyDelay(t *testing.T) {
	p := RetryPolicy{Initial: 30 * time.Second, Max: 30 * time.Minute, Jitter: func() float64 { return 0.5 }}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 16 * time.Minute, 30 * time.Minute, 30 * time.Minute}
	for i, w := range want {
		if got := p.Delay(i + 1); got != w {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w)
		}
	}
	lo := RetryPolicy{Initial: time.Minute, Max: time.Minute, Jitter: func() float64 { return 0 }}.Delay(1)
	hi := RetryPolicy{Initial: time.Minute, Max: time.Minute, Jitter: func() float64 { return 0.999 }}.Delay(1)
	if lo != 48*time.Second || hi < 71*time.Second || hi > 72*time.Second {
		t.Fatalf("jitter range %v..%v, want 48s..72s", lo, hi)
	}
}

// When the database refuses writes after the server accepted a mail, the
// worker remembers it and never sends it again; once writes work, it
// records the delivery.
func TestSentButUnrecordedIsNeverResent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "w.db")
	rw, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	enqueue(t, rw, 0, "a@x")
	rw.Close()
	ro, err := store.OpenReadOnly(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s := &scriptSender{}
	clk := clock.NewVirtual(t0)
	w, _ := NewWorker(WorkerOptions{Store: ro, Sender: s, Clock: clk, Logger: slog.New(slog.DiscardHandler)})
	for i := 0; i < 3; i++ {
		if err := w.Flush(ctx); err == nil {
			t.Fatal("a pass that could not record its result reported no error")
		}
		clk.Advance(time.Minute)
	}
	if len(s.sent) != 1 || !w.isUnrecorded(1) {
		t.Fatalf("sent %d times (unrecorded=%v), want once", len(s.sent), w.isUnrecorded(1))
	}
	ro.Close()
	// Writes work again: the same worker records the delivery, sends nothing.
	rw, _ = store.Open(ctx, path)
	defer rw.Close()
	w.opt.Store = rw
	_ = w.Flush(ctx)
	m, _ := rw.MailByID(ctx, 1)
	if m.State != store.MailSent || len(s.sent) != 1 {
		t.Fatalf("after recovery: %+v, sent %d times", m, len(s.sent))
	}
}

// A guard that cannot run (its database read failed) holds the mail; only
// a Refusal blocks it for good.
func TestGuardErrorIsNotARefusal(t *testing.T) {
	ctx := context.Background()
	s := &scriptSender{}
	guard := func(context.Context, *store.Mail) ([]string, error) { return nil, errors.New("database is locked") }
	st, w, _ := setup(t, s, guard)
	enqueue(t, st, 0, "team@x")
	if err := w.Flush(ctx); err == nil {
		t.Fatal("a failed check passed silently")
	}
	m, _ := st.MailByID(ctx, 1)
	if m.State != store.MailPending || len(s.sent) != 0 {
		t.Fatalf("after a failed check: %+v, sent %d", m, len(s.sent))
	}
}

// While mail keeps coming (a backlog wakes the worker many times a second)
// the connection stays open across passes; it is hung up once the outbox
// has been idle for keepOpen.
func TestConnectionOutlivesAPassUntilIdle(t *testing.T) {
	s := &scriptSender{}
	st, w, clk := setup(t, s, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	wait := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	for i, rcpt := range []string{"a@x", "b@x", "c@x"} {
		enqueue(t, st, 0, rcpt)
		w.Wake()
		wait("the mail to go out", func() bool { sent, _ := s.counts(); return sent == i+1 })
		// The worker goes back to sleep (a timer pending) without hanging up.
		wait("the worker to sleep", func() bool { return clk.Pending() > 0 })
		if _, closed := s.counts(); closed != 0 {
			t.Fatalf("connection closed %d times after pass %d", closed, i+1)
		}
	}
	clk.Advance(keepOpen)
	wait("the idle connection to be closed", func() bool { _, closed := s.counts(); return closed == 1 })
}
