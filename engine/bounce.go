package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// reasonBounceUnmatched is why a bounce that names no mail of the gateway
// (or no recipient of it) is kept for review.
const reasonBounceUnmatched = "bounce-unmatched"

// bounce handles a delivery status notification that arrived in a watched
// mailbox: the submission server accepted a case's mail, and the remote
// server returned it later. When the report names a mail the gateway sent
// and recipients that mail was sent to, the case records delivery-failed,
// the agent and the owner (or team) are told, leaving out the failing
// address, and for a page (routed, breach) of a case nobody has taken yet
// the next step of its escalation chain is asked to take it at once.
//
// Anyone can write a bounce: one that fails authentication, names none of
// the mail's recipients, or reports a mere delay changes nothing and is
// kept for review; each bounced mail is reported once.
func (e *Engine) bounce(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	b := res.Bounce
	if b == nil || len(b.Failed) == 0 {
		return e.ignore(tx, msg, res, res.Reason, now)
	}
	if !e.bounceBelieved(res) {
		return e.ignore(tx, msg, res, reasonBounceUntrusted, now)
	}
	m, failed, err := matchBounce(tx, b, res)
	if err != nil {
		return handled{}, err
	}
	if m == nil {
		return e.ignore(tx, msg, res, reasonBounceUnmatched, now)
	}
	c, err := tx.Case(m.CaseID)
	if err != nil {
		return handled{}, err
	}
	to := make([]string, 0, len(failed))
	causes := make([]string, 0, len(failed))
	for _, f := range failed {
		to = append(to, f.Address)
		cause := f.Diagnostic
		if !strings.Contains(cause, f.Status) {
			cause = strings.TrimSpace(f.Status + " " + cause)
		}
		causes = append(causes, cause)
	}
	slices.Sort(to)
	cause := "returned by the remote server: " + strings.Join(causes, "; ")
	detail, _ := json.Marshal(map[string]any{"mail": m.ID, "event": m.Event, "to": to, "error": cause, "bounce": msg.ID})
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventDeliveryFailed, Actor: res.From, Message: msg.ID, Detail: string(detail)}); err != nil {
		return handled{}, err
	}
	h := handled{disposition: mailparse.DispositionIgnored, reason: mailparse.ReasonBounce, outcome: store.OutcomeProcessed, caseID: c.ID}
	if m.Event == vocab.EventDeliveryFailed || !c.IsOpen() {
		// A notice about a notice tells nobody (no loops); a closed case
		// needs nobody to act.
		return h, nil
	}
	failure := templates.Failure{Event: string(m.Event), To: to, Error: cause, Bounced: true}
	var team []string
	if c.AcknowledgedAt.IsZero() && (m.Event == vocab.EventRouted || m.Event == vocab.EventBreach) {
		// The page did not reach the person who had to act: the next step
		// of the chain is asked now, not at the next breach.
		next, name, err := e.nextInChain(tx, c, m, to, now)
		if err != nil {
			return handled{}, err
		}
		team, failure.Next = next, name
	}
	owner, err := e.ownerAddresses(c, now)
	if err != nil {
		return handled{}, err
	}
	team = minus(dedupe(append(team, owner...)), append(to, c.Agent))
	role := vocab.RoleTeam
	if len(team) == 0 {
		// Nobody who can act is reachable: the operator must know.
		if team, err = e.operatorAddresses(now); err != nil {
			return handled{}, err
		}
		team, role, failure.NobodyReached = minus(team, to), vocab.RoleOperator, true
	}
	// One notice per case and failing addresses: a second bounce of the
	// same mail, or of each later reminder to the same dead address,
	// tells nobody again; a bounce about someone else still does.
	key := fmt.Sprintf("bounce:%d:%s", c.ID, strings.Join(to, ","))
	notices := []outMail{{event: vocab.EventDeliveryFailed, role: role, dedup: key + ":team", to: team}}
	if e.agentMayHear(c) && !slices.Contains(to, c.Agent) {
		notices = append(notices, outMail{event: vocab.EventDeliveryFailed, role: vocab.RoleAgent, dedup: key + ":agent", to: []string{c.Agent}})
	}
	for _, n := range notices {
		if len(n.to) == 0 {
			continue
		}
		n.data = e.caseData(c, nil, nil, now)
		n.data.Failure = failure
		if err := e.enqueue(tx, c, n, now); err != nil {
			return handled{}, err
		}
		h.mails++
	}
	return h, nil
}

// reasonBounceUntrusted is why a bounce whose sender is not believed is
// kept for review.
const reasonBounceUntrusted = "bounce-untrusted"

// bounceBelieved reports whether a bounce may change a case: anyone can
// write one, naming a gateway Message-ID they were copied on. It is
// believed when the receiving server authenticated its sender (a remote
// MTA's signed bounce), when it comes unauthenticated from an internal
// address (the company's own MTA: outside mail claiming an internal domain
// fails DMARC), or when the gateway requires no authentication.
func (e *Engine) bounceBelieved(res *mailparse.Result) bool {
	switch res.Auth {
	case mailparse.AuthPass:
		return true
	case mailparse.AuthFail:
		return false
	}
	return e.cfg.IsInternal(res.From) || e.cfg.Senders.RequireAuthentication == config.RequireNone
}

// matchBounce finds the gateway mail a bounce returns and the recipients
// of it that failed: by the Message-ID of the returned header, else by the
// bounce's In-Reply-To and References (Exchange's form without the
// returned header).
func matchBounce(tx *store.Tx, b *mailparse.Bounce, res *mailparse.Result) (*store.Mail, []mailparse.BouncedRecipient, error) {
	for _, ids := range [][]string{b.MessageIDs, append(slices.Clone(res.InReplyTo), res.References...)} {
		sent, err := tx.MailByMessageIDs(ids)
		if err != nil {
			return nil, nil, err
		}
		for _, s := range sent {
			if failed := bouncedOf(s, b.Failed); s.CaseID > 0 && len(failed) > 0 {
				return s, failed, nil
			}
		}
	}
	return nil, nil, nil
}

// bouncedOf is the part of a bounce's failed recipients the mail m was
// sent to.
func bouncedOf(m *store.Mail, failed []mailparse.BouncedRecipient) []mailparse.BouncedRecipient {
	var out []mailparse.BouncedRecipient
	for _, f := range failed {
		if slices.ContainsFunc(m.RcptTo, func(r string) bool { return strings.EqualFold(r, f.Address) }) {
			out = append(out, f)
		}
	}
	return out
}

// nextInChain is the addresses and name of the escalation step after the
// page m (the routed mail is step 0, a breach mail its step), leaving out
// the failing addresses; none when the chain has no further step.
func (e *Engine) nextInChain(tx *store.Tx, c *store.Case, m *store.Mail, failing []string, now time.Time) ([]string, string, error) {
	level := 0
	if m.Event == vocab.EventBreach {
		// stepDedup: case:<id>:breach:e<epoch>:<step>
		if i := strings.LastIndexByte(m.DedupKey, ':'); i >= 0 {
			level, _ = strconv.Atoi(m.DedupKey[i+1:])
		}
	}
	// Reminders may repeat without end (Critical, until acknowledged):
	// the search stops after a few steps.
	for n := level + 1; n <= level+10; n++ {
		step, ok := e.sla.BreachFor(c.Urgency, c.Chain, topReminders(c), n)
		if !ok {
			return nil, "", nil
		}
		if step.Team == "" {
			continue
		}
		addrs, err := e.teamAddresses(c, step.Team, now)
		if err != nil {
			return nil, "", err
		}
		if addrs = minus(addrs, failing); len(addrs) > 0 {
			return addrs, templatesBreach(step, 0).Team, nil
		}
	}
	return nil, "", nil
}
