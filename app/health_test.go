package app

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"escalationd/config"
	"escalationd/inbound"
	"escalationd/internal/clock"
	"escalationd/store"
)

type nopProcessor struct{}

func (nopProcessor) Process(context.Context, int64) (string, error) {
	return store.OutcomeProcessed, nil
}

// fakeManager is a unixgram socket standing in for systemd's notify socket.
func fakeManager(t *testing.T) *net.UnixConn {
	t.Helper()
	dir, err := os.MkdirTemp("", "sd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	path := filepath.Join(dir, "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	t.Setenv("NOTIFY_SOCKET", path)
	return conn
}

// next reads one datagram, failing after 5 s.
func next(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatalf("no datagram from the health loop: %v", err)
	}
	return string(buf[:n])
}

// A poller whose loop stops taking steps (here: one that never runs) is
// stuck once its step's bound has passed: the health loop then withholds
// the watchdog and says so in STATUS=.
func TestWatchdogWithheldForAStuckPoller(t *testing.T) {
	conn := fakeManager(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clk := clock.NewVirtual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	log := slog.New(slog.DiscardHandler)
	p, err := inbound.New(inbound.Options{Mailbox: config.Mailbox{Name: "escalations", PollInterval: config.Duration(time.Minute)},
		Store: st, Processor: nopProcessor{}, Clock: clk, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	g := &Gateway{Store: st, Pollers: []*inbound.Poller{p}, log: log}
	var cur atomic.Pointer[Gateway]
	cur.Store(g)
	n := &notifier{isReady: true}
	done := make(chan struct{})
	go func() { defer close(done); health(ctx, log, clk, &cur, n, 10*time.Second) }()
	defer func() { cancel(); <-done }()

	if got := next(t, conn); got != "STATUS=0 of 1 mailboxes up (escalations: not logged in yet); outbox 0 pending" {
		t.Fatalf("first datagram %q", got)
	}
	if got := next(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("a fresh poller (connecting) is healthy, got %q", got)
	}
	waitTimer(t, clk)
	clk.Advance(10 * time.Second)
	if got := next(t, conn); got != "WATCHDOG=1" {
		t.Fatalf("got %q, want the next ping", got)
	}
	// A connection attempt may take the dial timeout plus twice the poll
	// interval plus the command timeout (30s + 2m + 2m); 5 minutes is more.
	waitTimer(t, clk)
	clk.Advance(5 * time.Minute)
	got := next(t, conn)
	if !strings.HasPrefix(got, "STATUS=0 of 1 mailboxes up") || !strings.Contains(got, "not healthy, watchdog withheld: mailbox escalations stuck for 5m10s") {
		t.Fatalf("got %q, want a STATUS= naming the stuck mailbox", got)
	}
	// Still stuck a tick later: STATUS= says for how long, and no ping.
	waitTimer(t, clk)
	clk.Advance(10 * time.Second)
	if got := next(t, conn); !strings.Contains(got, "stuck for 5m20s") {
		t.Fatalf("got %q, want the STATUS= of a poller stuck for 5m20s", got)
	}
	waitTimer(t, clk)
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 4096)
	if k, err := conn.Read(buf); err == nil {
		t.Fatalf("got %q while the poller is stuck, want no ping", buf[:k])
	}
}

// waitTimer waits until the health loop sleeps on the virtual clock.
func waitTimer(t *testing.T, clk *clock.Virtual) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for clk.Pending() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the health loop does not sleep")
		}
		time.Sleep(time.Millisecond)
	}
}
