package inbound

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
)

// A mailbox that stays down is logged at WARN for its first two minutes,
// then at ERROR once, then again after 1m, 2m, 4m, … at most hourly; the
// first successful login says it is back and starts the count afresh.
func TestDownMailboxErrorsAtASlowingRate(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	clk := clock.NewVirtual(start)
	p, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clk, Logger: slog.New(slog.NewTextHandler(e.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	var errorsAt []time.Duration
	warns := 0
	for i := 0; i < 3*60*3; i++ { // 3 hours, a failed attempt every 20 s
		before := e.log.String()
		p.markDown(errors.New("login as escalations: NO authentication failed"), i+1, 20*time.Second)
		line := strings.TrimPrefix(e.log.String(), before)
		switch {
		case strings.Contains(line, "level=ERROR"):
			errorsAt = append(errorsAt, clk.Now().Sub(start))
		case strings.Contains(line, "level=WARN"):
			warns++
		default:
			t.Fatalf("attempt %d logged %q", i, line)
		}
		clk.Advance(20 * time.Second)
	}
	want := []time.Duration{2 * time.Minute, 3 * time.Minute, 5 * time.Minute, 9 * time.Minute, 17 * time.Minute,
		33 * time.Minute, 65 * time.Minute, 125 * time.Minute}
	if len(errorsAt) != len(want) {
		t.Fatalf("ERROR lines at %v, want %v", errorsAt, want)
	}
	for i := range want {
		if errorsAt[i] != want[i] {
			t.Fatalf("ERROR lines at %v, want %v", errorsAt, want)
		}
	}
	if st := p.Status(); st.Connected || !st.DownSince.Equal(start) || !strings.Contains(st.LastError, "authentication failed") {
		t.Errorf("status of a down mailbox: %+v", st)
	}
	if !strings.Contains(e.log.String(), "down_for=2m0s") {
		t.Errorf("the first ERROR does not say how long the mailbox is down:\n%s", grepLog(e.log.String(), "level=ERROR"))
	}

	p.markUp()
	if !strings.Contains(e.log.String(), `msg="mailbox up again"`) {
		t.Error("no line saying the mailbox is back")
	}
	select {
	case <-p.Up():
	default:
		t.Error("Up not closed after a login")
	}
	if st := p.Status(); !st.Connected || !st.DownSince.IsZero() {
		t.Errorf("status after a login: %+v", st)
	}
	before := e.log.String()
	p.markDown(errors.New("connection reset"), 1, time.Second)
	if line := strings.TrimPrefix(e.log.String(), before); !strings.Contains(line, "level=WARN") {
		t.Errorf("a fresh failure after the mailbox was up again logged %q, want WARN", line)
	}
}

// A poller that cannot log in is not up, says why, and is not stuck: its
// loop keeps retrying.
func TestPollerWrongPasswordIsDownNotStalled(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.mb.Password = "wrong"
	p, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clock.Real{}, Logger: slog.New(slog.NewTextHandler(e.log, nil)),
		BackoffInitial: 20 * time.Millisecond, BackoffMax: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	stop := runPoller(t, p)
	waitFor(t, "a few failed logins", func() bool { return p.Status().Failures >= 3 })
	select {
	case <-p.Up():
		t.Fatal("Up closed although the login fails")
	default:
	}
	st := p.Status()
	if st.Connected || st.DownSince.IsZero() || !strings.Contains(st.LastError, "login as escalations") {
		t.Errorf("status: %+v", st)
	}
	if stalled, silent := p.Stalled(time.Now()); stalled {
		t.Errorf("a poller retrying a refused login counts as stalled (silent %s)", silent)
	}
	stop()

	// With the right password it comes up and, waiting in IDLE, is not
	// stalled either.
	e.mb.Password = mailtest.DefaultPassword
	p, err = New(Options{Mailbox: e.mb, Store: e.st, Processor: e.proc, Clock: clock.Real{}, Logger: slog.New(slog.NewTextHandler(e.log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer runPoller(t, p)()
	select {
	case <-p.Up():
	case <-time.After(10 * time.Second):
		t.Fatal("not up after 10s")
	}
	time.Sleep(2500 * time.Millisecond) // over two poll intervals in IDLE
	if stalled, silent := p.Stalled(time.Now()); stalled {
		t.Errorf("a poller waiting in IDLE counts as stalled (silent %s)", silent)
	}
	// A loop that stops taking steps is stalled once its step's bound
	// (2 × poll interval + command timeout) has passed.
	if stalled, _ := p.Stalled(time.Now().Add(2*time.Second + 2*time.Minute + time.Second)); !stalled {
		t.Error("a poller silent for longer than its bound is not stalled")
	}
}

func runPoller(t *testing.T, p *Poller) func() {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func grepLog(log, s string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
