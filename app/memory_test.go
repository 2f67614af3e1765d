package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"escalationd/internal/mailtest"
)

// largeMailConfig is the shipped helpdesk policy with the gateway part
// pointed at an in-process IMAP server and SMTP sink.
func largeMailConfig(t *testing.T, dir string, imapPort, smtpPort int, maxSize int) string {
	t.Helper()
	example, err := os.ReadFile(helpdesk)
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(example, []byte("\nsenders:"))
	if i < 0 {
		t.Fatal("examples/helpdesk.yaml has no top-level senders: section")
	}
	if err := os.WriteFile(filepath.Join(dir, "imap.pass"), []byte(mailtest.DefaultPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := fmt.Sprintf(`database: %s/escalationd.db
gateway:
  domain: craudiovizai.com
  shutdown_timeout: 10s
mailboxes:
  - name: escalations
    address: escalations@craudiovizai.com
    host: 127.0.0.1
    port: %d
    tls: none
    username: esc
    password_file: imap.pass
    poll_interval: 1s
  - name: security
    address: security@craudiovizai.com
    kind: security
    host: 127.0.0.1
    port: %d
    tls: none
    username: sec
    password_file: imap.pass
    poll_interval: 1s
smtp:
  host: 127.0.0.1
  port: %d
  tls: none
  from: "Escalation Desk <escalations@craudiovizai.com>"
limits:
  max_message_size: %d
`, dir, imapPort, imapPort, smtpPort, maxSize) + string(example[i:])
	// No review mail on the day the test happens to run.
	if j := strings.Index(doc, "\nreviews:"); j >= 0 {
		doc = doc[:j+1]
	}
	path := filepath.Join(dir, "escalationd.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// daemonAllocated is how many bytes the daemon's own code allocated so far
// (stacks through escalationd packages other than the test servers of
// internal/mailtest), as the heap profile records them.
func daemonAllocated() int64 {
	runtime.GC()
	runtime.GC() // the profile is published a cycle late
	var recs []runtime.MemProfileRecord
	n, _ := runtime.MemProfile(nil, true)
	for {
		recs = make([]runtime.MemProfileRecord, n+50)
		var ok bool
		if n, ok = runtime.MemProfile(recs, true); ok {
			recs = recs[:n]
			break
		}
	}
	var total int64
	for _, r := range recs {
		frames := runtime.CallersFrames(r.Stack())
		ours := false
		for {
			f, more := frames.Next()
			if strings.HasPrefix(f.Function, "escalationd/internal/mailtest") {
				ours = false
				break
			}
			if strings.HasPrefix(f.Function, "escalationd/") {
				ours = true
			}
			if !more {
				break
			}
		}
		if ours {
			total += r.AllocBytes
		}
	}
	return total
}

// One large escalation goes through the whole daemon (IMAP fetch, store,
// engine, outbox, SMTP) allocating a few times its size, not a copy at
// every step (before issue 15: thirteen times). The peak resident memory
// of the real binary is e2e's TestLargeMailMemory.
func TestLargeMailAllocations(t *testing.T) {
	if testing.Short() {
		t.Skip("moves an 8 MB mail through the daemon")
	}
	old := runtime.MemProfileRate
	runtime.MemProfileRate = 4 << 10
	defer func() { runtime.MemProfileRate = old }()

	const size = 8_000_000
	imap := mailtest.StartIMAPMem(t, mailtest.IMAPMemOptions{Users: []string{"esc", "sec"}})
	sink := mailtest.StartSMTPSink(t)
	dir := t.TempDir()
	cfg := largeMailConfig(t, dir, imap.Port(), sink.Port(), 4*size)
	raw := mailtest.LargeEscalation(mailtest.EscalationOpts{Ticket: "BIG-1", Subject: "ESCALATION: [BIG-1]", Date: time.Now()}, size, 15)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &mailtest.SyncBuffer{}
	started := make(chan struct{})
	go func() {
		done <- Run(ctx, Options{ConfigPath: cfg, Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			Started: func(*Gateway) { close(started) }})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v\n%s", err, logs.String())
		}
	}()
	select {
	case <-started:
	case <-time.After(20 * time.Second):
		t.Fatalf("the gateway did not start\n%s", logs.String())
	}
	before := daemonAllocated()
	imap.Append(t, "esc", "INBOX", raw)
	var routed []byte
	deadline := time.Now().Add(60 * time.Second)
	for routed == nil {
		for _, m := range sink.Messages() {
			if bytes.Contains(m.Data, []byte("X-Escalation-Event: routed")) {
				routed = m.Data
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no routed mail after 60s\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !bytes.Contains(routed, raw[len(raw)-4096:]) {
		t.Fatal("the routed mail does not carry the escalation unchanged")
	}
	// Let the outbox mark it sent and the poller move it.
	for !strings.Contains(logs.String(), `msg="message moved"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := daemonAllocated() - before
	t.Logf("the daemon allocated %.1f MB for a %.1f MB mail (%.1f× its size)", float64(got)/1e6, float64(len(raw))/1e6, float64(got)/float64(len(raw)))
	// Fetched once, read from the database once (plus the driver's chunk
	// copies), streamed out (the driver's chunk copies): about 5×.
	if limit := int64(7 * len(raw)); got > limit {
		t.Errorf("the daemon allocated %d bytes for a %d-byte mail, over %d (7× its size)", got, len(raw), limit)
	}
}
