package outbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"escalationd/internal/clock"
	"escalationd/store"
)

// Guard checks one outbox mail just before it is sent and returns an error
// when it must never go out (a confidential case's customer among the
// recipients). It runs on every message, whatever queued it.
type Guard func(ctx context.Context, m *store.Mail) error

// RetryPolicy is the backoff for temporary failures.
type RetryPolicy struct {
	Initial time.Duration // first retry delay
	Max     time.Duration // cap on the delay
	// Jitter returns a factor in [0,1); the delay is scaled by 0.8 + 0.4*f so
	// retries from many mails do not arrive at the server together. nil uses
	// math/rand.
	Jitter func() float64
}

// Delay is the wait after the given number of failed attempts (1 = first).
func (p RetryPolicy) Delay(attempts int) time.Duration {
	d := p.Initial
	for i := 1; i < attempts && d < p.Max; i++ {
		d *= 2
	}
	if d > p.Max {
		d = p.Max
	}
	j := p.Jitter
	if j == nil {
		j = rand.Float64
	}
	return time.Duration(float64(d) * (0.8 + 0.4*j()))
}

// WorkerOptions configure a Worker; Store, Sender, Clock and Logger are
// required.
type WorkerOptions struct {
	Store  *store.Store
	Sender Sender
	Guard  Guard
	Clock  clock.Clock
	Logger *slog.Logger
	Retry  RetryPolicy
	// Sent, when set, is told about every accepted mail (the simulator and
	// tests use it).
	Sent func(m *store.Mail, at time.Time)
	// Batch is how many due mails one connection sends (default 50).
	Batch int
}

// Worker sends due outbox rows.
type Worker struct {
	opt  WorkerOptions
	log  *slog.Logger
	wake chan struct{}

	// When the database refuses a write, what the worker learned lives
	// here until it can be recorded: mail the server accepted (never sent
	// again) and mail to leave alone until a time (no hot retry loop).
	mu         sync.Mutex
	unrecorded map[int64]time.Time
	held       map[int64]time.Time
	stalled    bool // the last pass left due mail it could not move on
}

// NewWorker checks the options.
func NewWorker(o WorkerOptions) (*Worker, error) {
	if o.Store == nil || o.Sender == nil || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("outbound worker: Store, Sender, Clock and Logger are required")
	}
	if o.Retry.Initial <= 0 {
		o.Retry.Initial = 30 * time.Second
	}
	if o.Retry.Max < o.Retry.Initial {
		o.Retry.Max = o.Retry.Initial
	}
	if o.Batch <= 0 {
		o.Batch = 50
	}
	return &Worker{opt: o, log: o.Logger.With("component", "outbound"), wake: make(chan struct{}, 1),
		unrecorded: map[int64]time.Time{}, held: map[int64]time.Time{}}, nil
}

// Wake tells the worker new mail was queued.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends, sleeping until the next row is due or
// Wake is called.
func (w *Worker) Run(ctx context.Context) error {
	for {
		if err := w.Flush(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("outbox pass failed", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		wait := time.Minute
		if next, ok, err := w.opt.Store.NextMailDue(ctx); err != nil {
			wait = stallWait
		} else if ok {
			wait = min(wait, max(next.Sub(w.opt.Clock.Now()), 0))
		}
		if w.isStalled() {
			// Due mail that could not be moved on (the database refuses
			// writes): retry calmly, never in a hot loop.
			wait = max(wait, stallWait)
		}
		if wait > 0 && !clock.Sleep(ctx, w.opt.Clock, wait, w.wake) {
			return nil
		}
	}
}

// Flush sends every mail due now, batch by batch, one connection per batch;
// at shutdown the app calls it with a deadline to drain the outbox.
func (w *Worker) Flush(ctx context.Context) error {
	defer w.opt.Sender.Close()
	for ctx.Err() == nil {
		now := w.opt.Clock.Now()
		due, err := w.opt.Store.DueMail(ctx, now, w.opt.Batch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		w.setStalled(false)
		progress := false
		for _, m := range due {
			if ctx.Err() != nil {
				return nil
			}
			if w.deliver(ctx, m) {
				progress = true
			}
		}
		if !progress {
			// Nothing in the batch could be finished: rescheduled rows wait
			// for their time; rows the database would not update wait in
			// memory. Either way, stop this pass instead of spinning.
			w.setStalled(true)
			return nil
		}
	}
	return nil
}

// stallWait is the pause after a pass that could not move on.
const stallWait = 5 * time.Second

func (w *Worker) isStalled() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stalled
}

func (w *Worker) setStalled(v bool) {
	w.mu.Lock()
	w.stalled = v
	w.mu.Unlock()
}

// recall handles a mail the worker knows more about than the database:
// sent but not yet recorded (record it now; never send it again), or held
// after a failed write. It reports whether the mail must not be sent now.
func (w *Worker) recall(ctx context.Context, m *store.Mail, now time.Time) bool {
	w.mu.Lock()
	sentAt, sent := w.unrecorded[m.ID]
	until, held := w.held[m.ID]
	w.mu.Unlock()
	switch {
	case sent:
		if err := w.opt.Store.MarkSent(ctx, m.ID, sentAt); err != nil {
			return true
		}
		w.forget(m.ID)
		return true
	case held && now.Before(until):
		return true
	case held:
		w.forget(m.ID)
	}
	return false
}

func (w *Worker) forget(id int64) {
	w.mu.Lock()
	delete(w.unrecorded, id)
	delete(w.held, id)
	w.mu.Unlock()
}

func (w *Worker) hold(id int64, until time.Time) {
	w.mu.Lock()
	w.held[id] = until
	w.mu.Unlock()
}

// deliver sends one mail and records the result; it reports whether the
// row left the due set for good (sent, failed or blocked).
func (w *Worker) deliver(ctx context.Context, m *store.Mail) bool {
	log := w.log.With("mail", m.ID, "case", m.CaseID, "event", m.Event, "message_id", m.MessageID)
	now := w.opt.Clock.Now()
	if w.recall(ctx, m, now) {
		return false
	}
	if w.opt.Guard != nil {
		if err := w.opt.Guard(ctx, m); err != nil {
			log.Error("mail blocked", "err", err)
			if ferr := w.opt.Store.FinishFailed(ctx, m, store.MailBlocked, "mail-blocked", err.Error(), now); ferr != nil {
				log.Error("recording blocked mail failed", "err", ferr)
				w.hold(m.ID, now.Add(w.opt.Retry.Initial))
				return false
			}
			return true
		}
	}
	rejected, err := w.opt.Sender.Send(ctx, m.MailFrom, m.RcptTo, m.Raw)
	now = w.opt.Clock.Now()
	if err != nil && ctx.Err() != nil {
		// Shutting down: the mail stays pending, untouched, for next time.
		return false
	}
	// What happened on the wire is recorded even if shutdown began during
	// the send: a lost "sent" mark would send the mail again.
	ctx = context.WithoutCancel(ctx)
	switch {
	case err == nil:
		if err := w.opt.Store.MarkSent(ctx, m.ID, now); err != nil {
			// The server has it: remember, and never send it again from
			// this process; only a restart before the mark is recorded
			// sends it again, with the same Message-ID.
			log.Error("recording sent mail failed; will record it later", "err", err)
			w.mu.Lock()
			w.unrecorded[m.ID] = now
			w.mu.Unlock()
		}
		log.Info("mail sent", "to", m.RcptTo, "attempt", m.Attempts+1)
		if len(rejected) > 0 {
			w.reportRejected(ctx, m, rejected, now)
		}
		if w.opt.Sent != nil {
			w.opt.Sent(m, now)
		}
		return true
	case !IsTemporary(err):
		log.Error("mail failed permanently", "err", err, "to", m.RcptTo)
		if ferr := w.opt.Store.FinishFailed(ctx, m, store.MailFailed, "delivery-failed", err.Error(), now); ferr != nil {
			log.Error("recording failed mail failed", "err", ferr)
			w.hold(m.ID, now.Add(w.opt.Retry.Initial))
			return false
		}
		return true
	case !now.Before(m.GiveUpAt):
		log.Error("mail undeliverable, giving up", "err", err, "attempts", m.Attempts+1, "since", m.CreatedAt)
		cause := fmt.Sprintf("gave up after %d attempts since %s: %v", m.Attempts+1, m.CreatedAt.Format(time.RFC3339), err)
		if ferr := w.opt.Store.FinishFailed(ctx, m, store.MailFailed, "delivery-failed", cause, now); ferr != nil {
			log.Error("recording failed mail failed", "err", ferr)
			w.hold(m.ID, now.Add(w.opt.Retry.Initial))
			return false
		}
		return true
	default:
		next := now.Add(w.opt.Retry.Delay(m.Attempts + 1))
		if next.After(m.GiveUpAt) {
			next = m.GiveUpAt
		}
		log.Warn("mail deferred", "err", err, "attempt", m.Attempts+1, "next_attempt", next)
		if err := w.opt.Store.MarkRetry(ctx, m.ID, next, err.Error()); err != nil {
			log.Error("recording retry failed", "err", err)
			w.hold(m.ID, next)
		}
		return false
	}
}

// reportRejected records recipients the server refused while others got
// the mail.
func (w *Worker) reportRejected(ctx context.Context, m *store.Mail, rejected []RecipientError, now time.Time) {
	var parts []string
	for _, r := range rejected {
		parts = append(parts, fmt.Sprintf("%s: %v", r.Address, r.Err))
	}
	cause := "recipients refused: " + strings.Join(parts, "; ")
	w.log.Error("mail partly undeliverable", "mail", m.ID, "case", m.CaseID, "refused", parts)
	err := w.opt.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddEvent(store.Event{CaseID: m.CaseID, At: now, Type: "delivery-failed", Detail: cause})
	})
	if err != nil {
		w.log.Error("recording refused recipients failed", "err", err)
	}
}
