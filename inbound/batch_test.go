package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mattn/go-sqlite3"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/mailtest"
	"escalationd/store"
)

// batchProcessor is fakeProcessor that also handles batches, as the
// engine does, recording their sizes; with failBatches it refuses every
// batch with a database error.
type batchProcessor struct {
	*fakeProcessor
	mu          sync.Mutex
	sizes       []int
	failBatches bool
}

func (b *batchProcessor) ProcessBatch(ctx context.Context, ids []int64) ([]store.HandleResult, error) {
	b.mu.Lock()
	b.sizes = append(b.sizes, len(ids))
	b.mu.Unlock()
	if b.failBatches {
		return nil, fmt.Errorf("handle messages %v: %w", ids, sqlite3.Error{Code: sqlite3.ErrBusy})
	}
	out := make([]store.HandleResult, len(ids))
	for i, id := range ids {
		out[i].Outcome, out[i].Err = b.Process(ctx, id)
	}
	return out, nil
}

func (b *batchProcessor) batchSizes() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.sizes...)
}

// runWith starts a poller with proc and returns a stop function.
func (e *pollerEnv) runWith(t *testing.T, proc Processor, maxAttempts int) func() {
	t.Helper()
	p, err := New(Options{Mailbox: e.mb, Store: e.st, Processor: proc, Clock: clock.Real{}, Logger: slog.New(slog.NewTextHandler(e.log, nil)),
		BackoffInitial: 20 * time.Millisecond, BackoffMax: 100 * time.Millisecond, MaxAttempts: maxAttempts})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = p.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

var uidMove = regexp.MustCompile(`(?m)^\S+ UID MOVE `)
var uidStore = regexp.MustCompile(`(?m)^\S+ UID STORE `)

// A backlog is handled and moved batch by batch: one UID STORE and one UID
// MOVE per batch and folder, not per message, and a poison mail in a batch
// neither holds up the others nor escapes parking.
func TestBacklogIsMovedBatchWise(t *testing.T) {
	wire := &mailtest.SyncBuffer{}
	e := newEnv(t, mailtest.IMAPMemOptions{Debug: wire})
	const n = 230
	good, bad := 0, 0
	for i := 1; i <= n; i++ {
		switch {
		case i == 7:
			e.srv.Append(t, "escalations", "INBOX", msg("flaky seven"))
		case i%5 == 0:
			e.srv.Append(t, "escalations", "INBOX", msg(fmt.Sprintf("bad %d", i)))
			bad++
		default:
			e.srv.Append(t, "escalations", "INBOX", msg(fmt.Sprintf("good %d", i)))
			good++
		}
	}
	e.proc.always = true
	proc := &batchProcessor{fakeProcessor: e.proc}
	stop := e.runWith(t, proc, 2)
	defer stop()
	waitFor(t, "the backlog to leave INBOX", func() bool { return e.count(t, "INBOX") == 0 })
	if got := e.count(t, "Processed"); got != good {
		t.Errorf("Processed has %d, want %d", got, good)
	}
	if got := e.count(t, "Rejected"); got != bad+1 { // the parked poison mail
		t.Errorf("Rejected has %d, want %d", got, bad+1)
	}
	sizes := proc.batchSizes()
	if len(sizes) == 0 || sizes[0] != 100 {
		t.Errorf("batches of %v, want the first of 100 (FetchBatch)", sizes)
	}
	// Three fetched batches, two folders each, plus the parked mail's
	// move: a handful of commands where one per message made 230.
	moves, stores := len(uidMove.FindAllString(wire.String(), -1)), len(uidStore.FindAllString(wire.String(), -1))
	if moves < 2 || moves > 8 || stores < 2 || stores > 8 {
		t.Errorf("%d UID MOVE and %d UID STORE commands for %d messages", moves, stores, n)
	}
}

// When a batch fails as a whole (the database refusing it), its messages
// are handled one by one, so a message the database keeps refusing cannot
// hold up the others.
func TestFailedBatchFallsBackToOneByOne(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	for i := 1; i <= 3; i++ {
		e.srv.Append(t, "escalations", "INBOX", msg(fmt.Sprintf("good %d", i)))
	}
	proc := &batchProcessor{fakeProcessor: e.proc, failBatches: true}
	stop := e.runWith(t, proc, 2)
	defer stop()
	waitFor(t, "the mails to be handled one by one", func() bool { return e.count(t, "Processed") == 3 })
	if sizes := proc.batchSizes(); len(sizes) == 0 {
		t.Fatal("the batch was never tried")
	}
}

// The same mail delivered twice (an alias, a resend) into one batch: each
// copy leaves the folder, even when the first could not be handled on the
// first pass. The row keeps one UID, so the second copy waits until the
// first has been moved; before, the first copy stayed unseen in INBOX for
// good once the cursor was past both.
func TestTwoCopiesInABatchBothLeaveTheFolder(t *testing.T) {
	e := newEnv(t, mailtest.IMAPMemOptions{})
	e.mb.PollInterval = config.Duration(time.Second)
	e.proc.failures = 1 // the database refuses the first attempt
	e.srv.Append(t, "escalations", "INBOX", msg("good before"))
	e.srv.Append(t, "escalations", "INBOX", msg("diskfull twice"))
	e.srv.Append(t, "escalations", "INBOX", msg("diskfull twice"))
	e.srv.Append(t, "escalations", "INBOX", msg("good after"))
	proc := &batchProcessor{fakeProcessor: e.proc}
	stop := e.runWith(t, proc, 5)
	defer stop()
	waitFor(t, "every copy to leave INBOX", func() bool { return e.count(t, "INBOX") == 0 })
	if got := subjects(e.srv.Messages(t, "escalations", "Processed")); !slices.Equal(got, []string{"diskfull twice", "diskfull twice", "good after", "good before"}) {
		t.Fatalf("Processed = %v", got)
	}
	counts, _ := e.st.MessageCounts(context.Background())
	if counts["handled:processed"] != 3 {
		t.Fatalf("message rows: %v (the two copies are one mail)", counts)
	}
}
