// Package engine is escalationd's case state machine. It turns a stored
// mail into its consequences in one SQLite transaction: the parse result,
// the case and its routing decision, the audit events, the outbox rows of
// every mail to send and the SLA timers; and it fires due SLA timers.
//
// Everything the engine decides is recorded before anything leaves the
// process: the inbound poller acknowledges a mail on the IMAP server only
// after Process committed, and the outbound worker sends only rows the
// engine committed. Process is idempotent per stored message, so a crash at
// any point is repaired by running it again.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/internal/clock"
	"escalationd/mailparse"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// Options configure an Engine; all fields but Wake are required.
type Options struct {
	Config    *config.Config
	Store     *store.Store
	Router    *router.Router
	Templates *templates.Set
	Policy    sla.Policy // compiled from Config once (sla.NewPolicy)
	Clock     clock.Clock
	Logger    *slog.Logger
	// Wake is called after a commit that queued mail (the outbound worker's
	// Wake).
	Wake func()
}

// Engine handles stored mail and SLA timers.
type Engine struct {
	cfg   *config.Config
	st    *store.Store
	rt    *router.Router
	tpl   *templates.Set
	sla   sla.Policy
	clock clock.Clock
	log   *slog.Logger
	wake  func()
	// timerWake interrupts the timer loop's sleep when a new timer may be
	// due earlier than the one it sleeps for.
	timerWake chan struct{}
}

// New checks the options.
func New(o Options) (*Engine, error) {
	if o.Config == nil || o.Store == nil || o.Router == nil || o.Templates == nil || o.Policy.IsZero() || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("engine: Config, Store, Router, Templates, Policy, Clock and Logger are required")
	}
	wake := o.Wake
	if wake == nil {
		wake = func() {}
	}
	return &Engine{cfg: o.Config, st: o.Store, rt: o.Router, tpl: o.Templates, sla: o.Policy, clock: o.Clock,
		log: o.Logger.With("component", "engine"), wake: wake, timerWake: make(chan struct{}, 1)}, nil
}

// ParseOptions are the parser options for a mailbox of cfg.
func ParseOptions(cfg *config.Config, mailbox string) mailparse.Options {
	o := mailparse.Options{
		MailboxKind:   config.MailboxEscalations,
		OwnAddresses:  cfg.OwnAddresses(),
		GatewayDomain: cfg.Gateway.Domain,
		LoopHeader:    cfg.Gateway.LoopHeader,
		Limits: mailparse.Limits{
			MaxMessageSize: int64(cfg.Limits.MaxMessageSize),
			MaxMIMEDepth:   cfg.Limits.MaxMIMEDepth,
			MaxParts:       cfg.Limits.MaxParts,
			MaxHeaderLine:  int(cfg.Limits.MaxHeaderLine),
			MaxTextSize:    int(cfg.Limits.MaxTextSize),
		},
		AllowDomains:       cfg.Senders.AllowDomains,
		AllowAddresses:     cfg.Senders.AllowAddresses,
		TrustedAuthservIDs: cfg.Senders.TrustedAuthservIDs,
	}
	if mb, ok := cfg.Mailbox(mailbox); ok {
		o.MailboxKind = mb.Kind
	}
	return o
}

// Process handles one stored message; see inbound.Processor. It returns
// store.OutcomeProcessed for cases and replies, store.OutcomeRejected for
// everything else.
func (e *Engine) Process(ctx context.Context, messageID int64) (string, error) {
	res, err := e.ProcessBatch(ctx, []int64{messageID})
	if err != nil {
		return "", err
	}
	return res[0].Outcome, res[0].Err
}

// ProcessBatch handles several stored messages, in order, in one
// transaction: a fetched batch costs one commit instead of one per
// message. Each message runs under its own savepoint, so one that fails
// is undone alone and reported in its result while the others commit. An
// error from the database itself fails the whole batch (nothing is
// recorded); the caller may then try the messages one by one.
func (e *Engine) ProcessBatch(ctx context.Context, ids []int64) ([]store.HandleResult, error) {
	out := make([]store.HandleResult, len(ids))
	items := make([]*batchItem, len(ids))
	for i, id := range ids {
		msg, err := e.st.Message(ctx, id)
		switch {
		case err != nil && store.IsDatabaseError(err):
			return nil, err
		case err != nil:
			out[i].Err = err
			continue
		case msg.State != store.MessageNew:
			out[i].Outcome = msg.Outcome
			continue
		}
		opts := ParseOptions(e.cfg, msg.Mailbox)
		opts.OriginalSize = msg.Size
		items[i] = &batchItem{msg: msg, res: mailparse.Parse(msg.Raw, opts)}
	}
	now := e.clock.Now()
	// One transaction for the batch, unless someone waits for the database
	// (the outbound worker): then it commits after the message in hand and
	// goes on in a new one.
	for next := 0; next < len(items); {
		from := next
		err := e.st.InTx(ctx, func(tx *store.Tx) error {
			for next = from; next < len(items); {
				e.handleItem(tx, items, out, next, now)
				next++
				if err := out[next-1].Err; err != nil && store.IsDatabaseError(err) {
					return err
				}
				if tx.Contended() {
					return nil
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("handle messages %v: %w", ids[from:], err)
		}
		e.committed(items[from:next], out[from:next])
	}
	return out, nil
}

// handleItem handles items[i] under a savepoint in tx. A failure undoes
// it alone and is recorded in out[i] (a database error, too, which then
// fails the transaction).
func (e *Engine) handleItem(tx *store.Tx, items []*batchItem, out []store.HandleResult, i int, now time.Time) {
	it := items[i]
	if it == nil {
		return
	}
	err := tx.Savepoint(func() error {
		// Re-read inside the transaction: another pass may have won.
		state, outcome, err := tx.MessageState(it.msg.ID)
		if err != nil {
			return err
		}
		if state != store.MessageNew {
			it.h = handled{outcome: outcome, already: true}
			return nil
		}
		if it.h, err = e.dispatch(tx, it.msg, it.res, now); err != nil {
			return err
		}
		return tx.MarkHandled(it.msg.ID, it.h.disposition, it.h.reason, it.h.outcome, it.h.caseID, now)
	})
	if err != nil {
		out[i].Err = fmt.Errorf("handle message %d: %w", it.msg.ID, err)
		items[i] = nil
	}
}

// committed logs the messages a transaction of ProcessBatch handled,
// records their outcomes and wakes the worker and the timers.
func (e *Engine) committed(items []*batchItem, out []store.HandleResult) {
	mails, timers := false, false
	for i, it := range items {
		if it == nil {
			continue
		}
		out[i].Outcome = it.h.outcome
		if it.h.already {
			continue
		}
		e.log.Info("message handled", "message_row", it.msg.ID, "mailbox", it.msg.Mailbox, "message_id", it.res.MessageID,
			"disposition", it.h.disposition, "reason", it.h.reason, "case", it.h.caseID, "ticket", it.res.Ticket, "mails", it.h.mails)
		mails = mails || it.h.mails > 0
		timers = timers || it.h.timers
	}
	if mails {
		e.wake()
	}
	if timers {
		e.WakeTimers()
	}
}

// batchItem is a message of ProcessBatch: the stored mail, what the parser
// made of it and what dispatch did.
type batchItem struct {
	msg *store.StoredMessage
	res *mailparse.Result
	h   handled
}

// handled is what dispatch did with a message.
type handled struct {
	disposition, reason, outcome string
	caseID                       int64
	mails                        int  // outbox rows queued
	timers                       bool // timers changed
	already                      bool
}

// dispatch decides by disposition. A mail that threads to a known case is a
// reply whatever its content, so a reply that quotes the template never
// opens a second case.
func (e *Engine) dispatch(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	if res.Disposition != mailparse.DispositionIgnored || res.Reason == mailparse.ReasonNotEscalation {
		c, threaded, err := e.threadCase(tx, res)
		if err != nil {
			return handled{}, err
		}
		if c != nil {
			return e.reply(tx, msg, res, c, threaded, now)
		}
	}
	switch res.Disposition {
	case mailparse.DispositionCase:
		return e.open(tx, msg, res, now)
	case mailparse.DispositionReply:
		// Looks like a reply but matches no case we know: an agent resending
		// from a thread, or answering a rejection. Read it as a new mail.
		opts := ParseOptions(e.cfg, msg.Mailbox)
		opts.OriginalSize, opts.NoReplies = msg.Size, true
		fresh := mailparse.Parse(msg.Raw, opts)
		if fresh.Disposition == mailparse.DispositionReply || fresh.Disposition == mailparse.DispositionIgnored {
			return e.ignore(tx, msg, res, "unknown-case", now)
		}
		return e.dispatch(tx, msg, fresh, now)
	case mailparse.DispositionRejected:
		if res.RoutableDespiteErrors() {
			// A Critical escalation whose ticket and issue are readable is
			// routed anyway (nobody is paged for a missing address); its
			// problems are stated in the routed mail and the agent is asked
			// for the missing pieces.
			return e.openDespiteErrors(tx, msg, res, now)
		}
		if replyAll, err := e.isReplyAll(tx, msg, res); err != nil || replyAll {
			if err != nil {
				return handled{}, err
			}
			return e.ignore(tx, msg, res, reasonReplyAll, now)
		}
		return e.reject(tx, msg, res, now)
	case mailparse.DispositionIgnored:
		if res.Reason == mailparse.ReasonBounce {
			return e.bounce(tx, msg, res, now)
		}
		return e.ignore(tx, msg, res, res.Reason, now)
	default:
		return e.ignore(tx, msg, res, res.Reason, now)
	}
}

// threadCase finds the case a mail belongs to: by its References and
// In-Reply-To naming a mail the gateway sent for the case, or the case's
// own source mail (threaded: the thread token is verified); else, for a
// reply, by the ticket in its subject, which anyone can write (threaded is
// false: such a reply may comment, never command).
func (e *Engine) threadCase(tx *store.Tx, res *mailparse.Result) (c *store.Case, threaded bool, err error) {
	ids := append(append([]string{}, res.InReplyTo...), res.References...)
	sent, source, err := tx.CasesByThread(ids)
	if err != nil {
		return nil, false, err
	}
	if len(sent) > 0 {
		return sent[0], true, nil
	}
	// A source Message-ID is chosen by its sender: an outsider may have
	// claimed an agent's before the agent sent it. An agent's own case
	// wins over an outside one with the same id.
	for _, c := range source {
		if e.cfg.IsInternal(c.Agent) {
			return c, true, nil
		}
	}
	if len(source) > 0 {
		return source[0], true, nil
	}
	if res.Disposition == mailparse.DispositionReply && res.Ticket != "" {
		c, err = tx.LatestCaseByTicket(res.Ticket)
		return c, false, err
	}
	return nil, false, nil
}

// ignore records mail that gets no answer.
func (e *Engine) ignore(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, reason string, now time.Time) (handled, error) {
	err := tx.AddEvent(store.Event{At: now, Type: vocab.EventIgnored, Actor: res.From, Message: msg.ID,
		Detail: fmt.Sprintf("%s: %s", reason, oneLine(res.Subject))})
	return handled{disposition: mailparse.DispositionIgnored, reason: reason, outcome: store.OutcomeRejected}, err
}

// reasonReplyAll is why a reply-all without a valid template is kept for
// review instead of rejected.
const reasonReplyAll = "reply-all"

// isReplyAll reports whether a mail that would be rejected is a reply in a
// thread the gateway knows: a reply subject (Re:, AW:, ...) and
// In-Reply-To or References naming a mail the gateway stored or sent.
// People answering all on an escalation thread are talking, not
// escalating: it is never answered with a rejection (a case it matches
// has already taken it as a comment). A direct answer to a rejection is
// the agent's corrected escalation, and is told again what is wrong.
func (e *Engine) isReplyAll(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result) (bool, error) {
	if !mailparse.IsReplySubject(res.Subject) {
		return false, nil
	}
	correction, err := tx.SentEventAnswered(res.InReplyTo, vocab.EventRejection)
	if err != nil || correction {
		return false, err
	}
	return tx.SeenMessageIDs(append(append([]string{}, res.InReplyTo...), res.References...), msg.ID)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
