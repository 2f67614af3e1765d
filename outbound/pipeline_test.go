package outbound

import (
	"bytes"
	"context"
	"io"
	"sync"
	"testing"
	"time"

	"escalationd/store"
)

// holdingSender is a StreamSender that records each mail the "server"
// takes (when the body, end of DATA included, has been written) and, the
// first time, runs onFirst before it reports the mail taken.
type holdingSender struct {
	st       *store.Store
	mu       sync.Mutex
	started  chan int // a mail's body begins (its number, from 1)
	onFirst  func()
	n        int
	prevSent []bool // for each mail taken: was the one before recorded sent then?
}

func (h *holdingSender) Send(ctx context.Context, from string, to []string, raw []byte) ([]RecipientError, error) {
	return h.SendStream(ctx, from, to, func(w io.Writer) error { _, err := w.Write(raw); return err })
}

func (h *holdingSender) SendStream(ctx context.Context, _ string, _ []string, body func(io.Writer) error) ([]RecipientError, error) {
	h.mu.Lock()
	h.n++
	n := h.n
	h.mu.Unlock()
	h.started <- n
	if err := body(&bytes.Buffer{}); err != nil {
		return nil, err
	}
	prev := true
	if n > 1 {
		m, err := h.st.MailByID(context.Background(), int64(n-1))
		prev = err == nil && m.State == store.MailSent
	}
	h.mu.Lock()
	h.prevSent = append(h.prevSent, prev)
	h.mu.Unlock()
	if n == 1 && h.onFirst != nil {
		h.onFirst()
	}
	return nil, nil
}

func (h *holdingSender) Close() error { return nil }

// The next mail is written while the last one's "sent" mark commits, but
// the server takes it only once that mark is in: the database no longer
// holds up the wire, and still at most one mail is ever taken and not
// recorded.
func TestNextMailIsWrittenWhileTheMarkCommits(t *testing.T) {
	ctx := context.Background()
	h := &holdingSender{started: make(chan int, 10)}
	st, w, _ := setup(t, h, nil)
	h.st = st
	for _, rcpt := range []string{"a@x", "b@x", "c@x"} {
		enqueue(t, st, 0, rcpt)
	}
	// Once the first mail is taken, a write transaction holds the
	// database, so its mark waits.
	held, release := make(chan struct{}), make(chan struct{})
	txDone := make(chan error, 1)
	h.onFirst = func() {
		go func() {
			txDone <- st.InTx(ctx, func(*store.Tx) error { close(held); <-release; return nil })
		}()
		<-held
	}
	flushed := make(chan error, 1)
	go func() { flushed <- w.Flush(ctx) }()
	if n := <-h.started; n != 1 {
		t.Fatalf("first body %d", n)
	}
	select {
	case n := <-h.started:
		if n != 2 {
			t.Fatalf("second body %d", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second mail was not written while the first one's mark waited")
	}
	// Mail 2 must not be taken while mail 1 is unrecorded.
	h.mu.Lock()
	taken := len(h.prevSent)
	h.mu.Unlock()
	if taken != 1 {
		t.Fatalf("%d mails taken while the first mark waited", taken)
	}
	close(release)
	if err := <-txDone; err != nil {
		t.Fatal(err)
	}
	if err := <-flushed; err != nil {
		t.Fatal(err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.prevSent) != 3 {
		t.Fatalf("%d mails taken, want 3", len(h.prevSent))
	}
	for i, ok := range h.prevSent {
		if !ok {
			t.Errorf("mail %d was taken before mail %d was recorded sent", i+1, i)
		}
	}
	for id := int64(1); id <= 3; id++ {
		if m, err := st.MailByID(ctx, id); err != nil || m.State != store.MailSent {
			t.Errorf("mail %d: %+v %v", id, m, err)
		}
	}
}

// When the last mail's mark fails, the mail being written is not taken
// and stays pending, untouched, and the pass stops with the error.
func TestFailedMarkAbortsTheNextMail(t *testing.T) {
	ctx := context.Background()
	h := &holdingSender{started: make(chan int, 10)}
	st, w, _ := setup(t, h, nil)
	h.st = st
	for _, rcpt := range []string{"a@x", "b@x"} {
		enqueue(t, st, 0, rcpt)
	}
	// The database goes away under the first mark.
	h.onFirst = func() { st.Close() }
	err := w.Flush(ctx)
	if err == nil {
		t.Fatal("a failed mark went unreported")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.prevSent) != 1 {
		t.Fatalf("%d mails taken, want only the first", len(h.prevSent))
	}
	if !w.isUnrecorded(1) {
		t.Fatal("the mail taken but not recorded may be sent again by this process")
	}
}
