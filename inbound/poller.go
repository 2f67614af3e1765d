// Package inbound watches one IMAP mailbox per Poller and hands every new
// message to the rest of the gateway without ever losing one.
//
// The algorithm, per connection:
//
//  1. Connect (implicit TLS, STARTTLS or, only when configured, plain),
//     log in, create the processed and rejected folders when missing, and
//     SELECT the watched folder. A UIDVALIDITY different from the stored one
//     resets the cursor: the folder is rescanned, and the store's
//     deduplication (same Message-ID and same content) keeps mail from
//     being handled twice.
//  2. Finish what an earlier run left: stored messages not yet handled are
//     handed over again; handled ones not yet moved are moved.
//  3. Fetch every message whose UID is above the cursor, oldest first, in
//     batches (FetchBatch, bounded by bytes too). A batch's raw bytes and
//     the advanced cursor are committed to SQLite in one transaction before
//     anything changes on the server; then the Processor handles the batch
//     from the stored rows (in one transaction when it is a
//     BatchProcessor); then the handled ones are flagged \Seen and moved
//     to the processed or rejected folder with one UID STORE and one UID
//     MOVE per folder (or COPY + \Deleted + UID EXPUNGE where MOVE is
//     missing). Mail is never deleted otherwise.
//  4. Wait with IDLE for new mail (or sleep where IDLE is missing), waking
//     at least every poll interval as a safety net, and go to 2.
//
// Any connection error ends the session; the Poller reconnects with capped,
// jittered exponential backoff and resumes from the stored cursor.
package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/internal/retry"
	"escalationd/store"
)

// Processor handles a stored message. It must be idempotent: called again
// for a message it already handled, it returns the recorded outcome
// (store.OutcomeProcessed or store.OutcomeRejected) and does nothing else.
type Processor interface {
	Process(ctx context.Context, messageID int64) (outcome string, err error)
}

// BatchProcessor is a Processor that can also handle a fetched batch at
// once (one commit for all: the engine). Each message's result is its own;
// err means nothing of the batch was handled.
type BatchProcessor interface {
	Processor
	ProcessBatch(ctx context.Context, messageIDs []int64) ([]store.HandleResult, error)
}

// Options configure a Poller. Mailbox, Store, Processor, Clock and Logger
// are required.
type Options struct {
	Mailbox   config.Mailbox
	Store     *store.Store
	Processor Processor
	Clock     clock.Clock
	Logger    *slog.Logger
	// BackoffInitial and BackoffMax bound reconnect delays (1s, 1m).
	BackoffInitial time.Duration
	BackoffMax     time.Duration
	// MaxAttempts is how often handling a message may fail before it is
	// parked in the rejected folder for the operator (default 5).
	MaxAttempts int
	// CommandTimeout bounds each IMAP round trip (default 2m).
	CommandTimeout time.Duration
	// FetchBatch is how many messages one FETCH asks for and one commit
	// stores (default 100: every batch costs Dovecot an index update for
	// its MOVE, so a 10,000-mail backlog went 2.5 times as fast as with 20).
	FetchBatch int
	// MaxMessageSize: larger mail is fetched header only (0: no limit).
	MaxMessageSize int64
	// DownAlertAfter is how long the mailbox may be down (no login and
	// select) before it is logged at ERROR rather than WARN (default 2m).
	DownAlertAfter time.Duration
	// Token supplies the OAuth2 access token; required when the mailbox's
	// auth is xoauth2 or oauthbearer.
	Token TokenSource
}

// TokenSource hands out an OAuth2 access token valid for the next login
// (an *oauth.Source).
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Poller watches one mailbox.
type Poller struct {
	opt Options
	log *slog.Logger

	mu     sync.Mutex
	status Status
	allow  time.Duration // how long the current step may take (Stalled)

	up     chan struct{} // closed at the first login and select
	upOnce sync.Once
	// Owned by Run: when the next ERROR about a down mailbox is due, and
	// the interval after it.
	alertAt    time.Time
	alertEvery time.Duration
}

// Status is a poller's health, for readiness checks and `status`.
type Status struct {
	Mailbox     string    `json:"mailbox"`
	Connected   bool      `json:"connected"`
	LastSuccess time.Time `json:"last_success,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	Failures    int       `json:"consecutive_failures"`
	// DownSince is when the mailbox went down (a failed connection attempt
	// or a lost session), zero while it is up.
	DownSince time.Time `json:"down_since,omitempty"`
	// LastProgress is the last step the poller's loop took (see Stalled).
	LastProgress time.Time `json:"last_progress,omitempty"`
}

// New checks the options.
func New(o Options) (*Poller, error) {
	if o.Store == nil || o.Processor == nil || o.Clock == nil || o.Logger == nil || o.Mailbox.Name == "" {
		return nil, errors.New("inbound: Mailbox, Store, Processor, Clock and Logger are required")
	}
	if saslMech(o.Mailbox.Auth) != "" && o.Token == nil {
		return nil, fmt.Errorf("inbound: mailbox %s: auth %s needs a Token source", o.Mailbox.Name, o.Mailbox.Auth)
	}
	if o.BackoffInitial <= 0 {
		o.BackoffInitial = time.Second
	}
	if o.BackoffMax < o.BackoffInitial {
		o.BackoffMax = max(time.Minute, o.BackoffInitial)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 5
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = 2 * time.Minute
	}
	if o.FetchBatch <= 0 {
		o.FetchBatch = 100
	}
	if o.DownAlertAfter <= 0 {
		o.DownAlertAfter = DefaultDownAlertAfter
	}
	p := &Poller{
		opt:    o,
		log:    o.Logger.With("component", "inbound", "mailbox", o.Mailbox.Name),
		status: Status{Mailbox: o.Mailbox.Name},
		up:     make(chan struct{}),
	}
	p.status.LastProgress = o.Clock.Now()
	p.allow = dialTimeout + p.stepAllow()
	return p, nil
}

// Status returns the current health.
func (p *Poller) Status() Status {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

func (p *Poller) setStatus(f func(*Status)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.status)
}

// Run watches the mailbox until ctx ends. It returns nil on cancellation;
// connection failures are retried forever with backoff.
func (p *Poller) Run(ctx context.Context) error {
	failures := 0
	for ctx.Err() == nil {
		p.progress(dialTimeout + p.stepAllow())
		s, err := p.connect(ctx)
		if err == nil {
			before := p.Status().LastSuccess
			p.markUp()
			err = s.run(ctx)
			s.close()
			// Only a session that completed a pass resets the backoff: a
			// failure right after login (the database refusing writes)
			// must not reconnect every second.
			if p.Status().LastSuccess.After(before) {
				failures = 0
			}
		}
		p.setStatus(func(st *Status) { st.Connected = false })
		if ctx.Err() != nil {
			return nil
		}
		failures++
		delay := p.backoff(failures)
		p.markDown(err, failures, delay)
		p.progress(delay + p.stepAllow())
		if !clock.Sleep(ctx, p.opt.Clock, delay, nil) {
			return nil
		}
	}
	return nil
}

// backoff is exponential from BackoffInitial, capped at BackoffMax, with
// jitter so several gateways do not hammer a recovering server at once.
func (p *Poller) backoff(failures int) time.Duration {
	return retry.Policy{Initial: p.opt.BackoffInitial, Max: p.opt.BackoffMax}.Delay(failures)
}

// handled is the result of handling one message: ok with its outcome, or
// not (yet) handled.
type handled struct {
	outcome string
	ok      bool
}

// handleBatch handles stored messages in order: as one batch when the
// Processor can, else (or when the batch as a whole failed, so that one
// message the database keeps refusing cannot hold up the rest) one by one.
func (p *Poller) handleBatch(ctx context.Context, ids []int64) []handled {
	out := make([]handled, len(ids))
	if bp, ok := p.opt.Processor.(BatchProcessor); ok && len(ids) > 1 {
		res, err := bp.ProcessBatch(ctx, ids)
		if err == nil {
			for i, r := range res {
				out[i].outcome, out[i].ok = p.settle(ctx, ids[i], r.Outcome, r.Err)
			}
			return out
		}
		if ctx.Err() != nil {
			return out
		}
		p.log.Warn("handling a batch failed; handling its messages one by one", "messages", len(ids), "err", err)
	}
	for i, id := range ids {
		out[i].outcome, out[i].ok = p.handle(ctx, id)
	}
	return out
}

// handle runs one stored message through the Processor and, when that
// fails, counts the attempt; after MaxAttempts the message is parked as
// rejected so it cannot stall the mailbox.
func (p *Poller) handle(ctx context.Context, id int64) (outcome string, ok bool) {
	outcome, err := p.opt.Processor.Process(ctx, id)
	return p.settle(ctx, id, outcome, err)
}

// settle is handle's verdict on one message's result.
func (p *Poller) settle(ctx context.Context, id int64, outcome string, err error) (string, bool) {
	if err == nil {
		return outcome, true
	}
	if ctx.Err() != nil {
		return "", false
	}
	if store.IsDatabaseError(err) {
		// The database is in trouble (full, read-only, locked), not the
		// mail: retry on a later pass and never count it against the
		// message, or a bad hour would park good escalations.
		p.log.Error("handling message failed: database error; will retry", "message_row", id, "err", err)
		return "", false
	}
	parked, merr := p.opt.Store.MarkAttemptFailed(ctx, id, err, p.opt.MaxAttempts, p.opt.Clock.Now())
	if merr != nil {
		p.log.Error("handling message failed; recording the failure failed too", "message_row", id, "err", err, "record_err", merr)
		return "", false
	}
	if parked {
		p.log.Error("handling message keeps failing; parking it in the rejected folder", "message_row", id, "err", err)
		return store.OutcomeRejected, true
	}
	p.log.Warn("handling message failed; will retry", "message_row", id, "err", err)
	return "", false
}

func (p *Poller) folderFor(outcome string) (string, error) {
	switch outcome {
	case store.OutcomeProcessed:
		return p.opt.Mailbox.ProcessedFolder, nil
	case store.OutcomeRejected:
		return p.opt.Mailbox.RejectedFolder, nil
	}
	return "", fmt.Errorf("unknown outcome %q", outcome)
}
