package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"escalationd/internal/clock"
	"escalationd/internal/retry"
	"escalationd/store"
	"escalationd/vocab"
)

// RetryPolicy is the backoff for temporary failures (see package retry).
type RetryPolicy = retry.Policy

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
	Sent func(m *store.Mail, rcpt []string, at time.Time)
	// Refused, when set, is told about every mail the Guard refused whole.
	Refused func(m *store.Mail, at time.Time)
	// Undeliverable, when set, is told about mail that failed for good
	// (permanent refusal or give-up) inside the transaction that records
	// the failure, so the notice it queues (someone must be told by mail)
	// commits with the failure or not at all. It reports whether it queued
	// mail.
	Undeliverable Notice
	// Blocked, when set, queues in the same way the notice of a mail the
	// Guard refused whole (the owning team must know that nobody got it).
	Blocked Notice
	// Batch is how many due mails one connection sends (default 50).
	Batch int
}

// Worker sends due outbox rows.
type Worker struct {
	opt  WorkerOptions
	log  *slog.Logger
	wake chan struct{}

	// unrecorded holds mail the server accepted whose "sent" mark could
	// not be written (the database failing, e.g. a full disk). This process
	// never sends it again; it only retries the mark. After a restart the
	// mail may go out once more, with the same Message-ID.
	mu         sync.Mutex
	unrecorded map[int64]bool
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
	return &Worker{opt: o, log: o.Logger.With("component", "outbound"), wake: make(chan struct{}, 1), unrecorded: map[int64]bool{}}, nil
}

// Wake tells the worker new mail was queued.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run sends due mail until ctx ends, sleeping until the next row is due or
// Wake is called. A pass that fails on the database (whose rows therefore
// stay due) is followed by a pause that grows like a retry, not by another
// pass at once.
func (w *Worker) Run(ctx context.Context) error {
	defer w.opt.Sender.Close()
	failures := 0
	for {
		err := w.flush(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := time.Minute
		if err != nil {
			failures++
			wait = w.opt.Retry.Delay(failures)
			w.log.Error("outbox pass failed", "err", err, "retry_in", wait.Round(time.Millisecond))
		} else {
			failures = 0
			if next, ok, err := w.opt.Store.NextMailDue(ctx); err == nil && ok {
				wait = min(wait, max(next.Sub(w.opt.Clock.Now()), 0))
			}
			if wait == 0 {
				continue
			}
		}
		if !w.idle(ctx, wait) {
			return nil
		}
	}
}

// keepOpen is how long the SMTP connection outlives an empty outbox. While
// the gateway works through a backlog the engine wakes the worker several
// times a second, and a new connection (greeting, EHLO, STARTTLS, AUTH)
// for each wake cost more than the mail it carried; a quiet gateway still
// hangs up long before any server's idle timeout (RFC 5321 4.5.3.2.7: 5
// minutes).
const keepOpen = 5 * time.Second

// idle waits up to d for the next due mail or a Wake, and hangs up the
// SMTP connection once it has been idle for keepOpen. It reports false
// when ctx ended.
func (w *Worker) idle(ctx context.Context, d time.Duration) bool {
	if d > keepOpen {
		t := w.opt.Clock.NewTimer(keepOpen)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-w.wake:
			t.Stop()
			return true
		case <-t.C():
		}
		_ = w.opt.Sender.Close()
		d -= keepOpen
	}
	return clock.Sleep(ctx, w.opt.Clock, d, w.wake)
}

// Flush sends every mail due now over one connection, which it closes at
// the end; at shutdown the app calls it with a deadline to drain the
// outbox.
func (w *Worker) Flush(ctx context.Context) error {
	defer w.opt.Sender.Close()
	return w.flush(ctx)
}

// flush sends every mail due now, batch by batch, leaving the connection
// open for the next pass.
//
// The "sent" mark of a mail commits while the next mail goes out: the
// next mail's bytes are written, and only the end of its DATA (when the
// server takes it) waits for the mark. So at most one mail is ever taken
// by the server and not yet recorded, as when each mark came before the
// next send, and the database's commit no longer holds up the wire.
func (w *Worker) flush(ctx context.Context) (err error) {
	var prev *marking
	defer func() {
		if serr := w.settle(prev); err == nil {
			err = serr
		}
	}()
	for ctx.Err() == nil {
		// The last mail's mark must be in before the due mail is read
		// again, or it would be read as due.
		serr := w.settle(prev)
		prev = nil
		if serr != nil {
			return serr
		}
		now := w.opt.Clock.Now()
		due, err := w.opt.Store.DueMail(ctx, now, w.opt.Batch)
		if err != nil {
			return err
		}
		if len(due) == 0 {
			return nil
		}
		progress := false
		for _, m := range due {
			if ctx.Err() != nil {
				return nil
			}
			done, next, err := w.deliver(ctx, m, prev)
			serr := w.settle(prev)
			prev = next
			if err == nil {
				err = serr
			}
			if err != nil {
				// The outcome could not be recorded, so the row is still
				// due: stop here rather than go round again at once.
				return err
			}
			progress = progress || done
		}
		if !progress {
			// Everything in the batch failed temporarily and was
			// rescheduled; wait for the schedule instead of spinning.
			return nil
		}
	}
	return nil
}

// deliver sends one mail and records the result; it reports whether the
// row left the due set for good (sent, failed or blocked), and an error
// when the result could not be recorded.
//
// prev is the mail sent before, whose mark may still be committing: the
// end of this mail's DATA waits for it, and when it failed this mail is
// left untouched. A sent mail comes back as the marking to settle.
func (w *Worker) deliver(ctx context.Context, m *store.Mail, prev *marking) (bool, *marking, error) {
	log := w.log.With("mail", m.ID, "case", m.CaseID, "event", m.Event, "message_id", m.MessageID)
	now := w.opt.Clock.Now()
	if w.isUnrecorded(m.ID) {
		// Sent already: only the mark is missing.
		if err := w.opt.Store.MarkSent(context.WithoutCancel(ctx), m.ID, now); err != nil {
			return false, nil, fmt.Errorf("record mail %d sent: %w", m.ID, err)
		}
		w.setUnrecorded(m.ID, false)
		log.Info("mail sent recorded late", "to", m.RcptTo)
		return true, nil, nil
	}
	rcpt := m.RcptTo
	var trimmed []store.Event
	if w.opt.Guard != nil {
		drop, err := w.opt.Guard(ctx, m)
		var refused *Refusal
		switch {
		case errors.As(err, &refused):
			log.Error("mail blocked", "err", err)
			if ferr := w.finish(ctx, m, store.MailBlocked, vocab.EventMailBlocked, err.Error(), now, w.opt.Blocked); ferr != nil {
				return false, nil, fmt.Errorf("record mail %d blocked: %w", m.ID, ferr)
			}
			if w.opt.Refused != nil {
				w.opt.Refused(m, now)
			}
			return true, nil, nil
		case err != nil:
			// The check itself could not run (the database is busy): the
			// mail waits, it is not condemned.
			return false, nil, fmt.Errorf("check mail %d: %w", m.ID, err)
		case len(drop) > 0:
			// The others still get it (a page must not be lost because the
			// customer is on the list); the envelope leaves the customer
			// side out.
			rcpt = slices.DeleteFunc(slices.Clone(rcpt), func(a string) bool { return slices.Contains(drop, a) })
			log.Warn("confidential case: customer-side recipients dropped", "dropped", drop, "to", rcpt)
			trimmed = append(trimmed, store.Event{CaseID: m.CaseID, At: now, Type: vocab.EventMailTrimmed,
				Detail: fmt.Sprintf("%s mail %d sent without %s: the customer side of a confidential case", m.Event, m.ID, strings.Join(drop, ", "))})
		}
	}
	rejected, err := w.send(ctx, m, rcpt, prev.wait)
	now = w.opt.Clock.Now()
	if err != nil && (ctx.Err() != nil || prev.wait() != nil) {
		// Shutting down, or the mail before could not be recorded (its
		// error stops the pass): the mail stays pending, untouched.
		return false, nil, nil
	}
	// What happened on the wire is recorded even if shutdown began during
	// the send: a lost "sent" mark would send the mail again.
	ctx = context.WithoutCancel(ctx)
	switch {
	case err == nil:
		k := &marking{m: m, rcpt: rcpt, rejected: rejected, at: now, done: make(chan struct{})}
		events := stamp(trimmed, now)
		go func() {
			defer close(k.done)
			k.err = w.opt.Store.MarkSent(ctx, m.ID, now, events...)
		}()
		return true, k, nil
	case !IsTemporary(err):
		log.Error("mail failed permanently", "err", err, "to", m.RcptTo)
		if ferr := w.fail(ctx, m, err.Error(), now); ferr != nil {
			return false, nil, fmt.Errorf("record mail %d failed: %w", m.ID, ferr)
		}
		return true, nil, nil
	case !now.Before(m.GiveUpAt):
		log.Error("mail undeliverable, giving up", "err", err, "attempts", m.Attempts+1, "since", m.CreatedAt)
		cause := fmt.Sprintf("gave up after %d attempts since %s: %v", m.Attempts+1, m.CreatedAt.Format(time.RFC3339), err)
		if ferr := w.fail(ctx, m, cause, now); ferr != nil {
			return false, nil, fmt.Errorf("record mail %d failed: %w", m.ID, ferr)
		}
		return true, nil, nil
	default:
		next := now.Add(w.opt.Retry.Delay(m.Attempts + 1))
		if next.After(m.GiveUpAt) {
			next = m.GiveUpAt
		}
		log.Warn("mail deferred", "err", err, "attempt", m.Attempts+1, "next_attempt", next)
		if err := w.opt.Store.MarkRetry(ctx, m.ID, next, err.Error()); err != nil {
			return false, nil, fmt.Errorf("schedule retry of mail %d: %w", m.ID, err)
		}
		return false, nil, nil
	}
}

// send hands a mail to the Sender: its bytes, or, for mail that attaches
// a stored mail by reference, its bytes streamed from the database while
// they are sent (see WriteMail), whole in memory only for a Sender that
// cannot stream.
//
// before runs before the server may take the mail: at the end of DATA for
// a StreamSender, else before the send; its error aborts the mail.
func (w *Worker) send(ctx context.Context, m *store.Mail, rcpt []string, before func() error) ([]RecipientError, error) {
	if s, ok := w.opt.Sender.(StreamSender); ok {
		// The reads go on through a shutdown as the send does (see Send).
		read := context.WithoutCancel(ctx)
		return s.SendStream(ctx, m.MailFrom, rcpt, func(out io.Writer) error {
			if m.Original == 0 {
				if _, err := out.Write(m.Raw); err != nil {
					return err
				}
			} else if err := WriteMail(read, w.opt.Store, m, out); err != nil {
				return err
			}
			return before()
		})
	}
	if err := before(); err != nil {
		return nil, err
	}
	if m.Original == 0 {
		return w.opt.Sender.Send(ctx, m.MailFrom, rcpt, m.Raw)
	}
	raw, err := MailBytes(ctx, w.opt.Store, m)
	if err != nil {
		return nil, err
	}
	return w.opt.Sender.Send(ctx, m.MailFrom, rcpt, raw)
}

// marking is a mail the server took whose "sent" mark is committing.
type marking struct {
	m        *store.Mail
	rcpt     []string
	rejected []RecipientError
	at       time.Time
	done     chan struct{}
	err      error
}

// wait waits for the mark and returns its error; nil for no marking.
func (k *marking) wait() error {
	if k == nil {
		return nil
	}
	<-k.done
	return k.err
}

// settle waits for a mark and finishes the mail: logged and reported as
// sent, or, when the mark failed, kept from ever being sent again by this
// process (the error stops the pass).
func (w *Worker) settle(k *marking) error {
	if k == nil {
		return nil
	}
	m := k.m
	log := w.log.With("mail", m.ID, "case", m.CaseID, "event", m.Event, "message_id", m.MessageID)
	if err := k.wait(); err != nil {
		// The server has it: never send it again from this process.
		w.setUnrecorded(m.ID, true)
		log.Error("mail sent, but recording it failed; only the record will be retried", "to", m.RcptTo, "err", err)
		return fmt.Errorf("record mail %d sent: %w", m.ID, err)
	}
	log.Info("mail sent", "to", k.rcpt, "attempt", m.Attempts+1)
	if len(k.rejected) > 0 {
		w.reportRejected(context.Background(), m, k.rejected, k.at)
	}
	if w.opt.Sent != nil {
		w.opt.Sent(m, k.rcpt, k.at)
	}
	return nil
}

// fail ends a mail that will not be delivered, with its case event and
// the notice to a person (Undeliverable), in one transaction.
func (w *Worker) fail(ctx context.Context, m *store.Mail, cause string, now time.Time) error {
	return w.finish(ctx, m, store.MailFailed, vocab.EventDeliveryFailed, cause, now, w.opt.Undeliverable)
}

// Notice queues, in the transaction that ends a mail, the mail that tells
// someone about it; it reports whether it queued one.
type Notice func(tx *store.Tx, m *store.Mail, cause string, now time.Time) (queued bool, err error)

// finish ends a mail (failed or blocked) with its case event and, when
// notice is set, the notice it causes, in one transaction.
func (w *Worker) finish(ctx context.Context, m *store.Mail, state string, event vocab.Event, cause string, now time.Time, notify Notice) error {
	queued := false
	var notice func(tx *store.Tx) error
	if notify != nil {
		notice = func(tx *store.Tx) error {
			var err error
			queued, err = notify(tx, m, cause, now)
			if err != nil && store.IsDatabaseError(err) {
				return fmt.Errorf("notice of undeliverable mail %d: %w", m.ID, err)
			}
			if err != nil {
				// The notice cannot be made (a template or team that fails
				// on this case): the failure itself is still recorded.
				queued = false
				w.log.Error("notice of undeliverable mail failed", "mail", m.ID, "case", m.CaseID, "err", err)
			}
			return nil
		}
	}
	if err := w.opt.Store.FinishFailed(ctx, m, state, event, cause, now, notice); err != nil {
		return err
	}
	if queued {
		w.Wake()
	}
	return nil
}

// stamp dates events at the time the mail was accepted.
func stamp(events []store.Event, now time.Time) []store.Event {
	for i := range events {
		events[i].At = now
	}
	return events
}

func (w *Worker) isUnrecorded(id int64) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.unrecorded[id]
}

func (w *Worker) setUnrecorded(id int64, v bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if v {
		w.unrecorded[id] = true
	} else {
		delete(w.unrecorded, id)
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
		return tx.AddEvent(store.Event{CaseID: m.CaseID, At: now, Type: vocab.EventDeliveryFailed, Detail: cause})
	})
	if err != nil {
		w.log.Error("recording refused recipients failed", "err", err)
	}
}
