package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
	if b == nil || len(b.Failed) == 0 || res.Auth == mailparse.AuthFail {
		return e.ignore(tx, msg, res, res.Reason, now)
	}
	sent, err := tx.MailByMessageIDs(b.MessageIDs)
	if err != nil {
		return handled{}, err
	}
	var m *store.Mail
	var failed []mailparse.BouncedRecipient
	for _, s := range sent {
		failed = bouncedOf(s, b.Failed)
		if s.CaseID > 0 && len(failed) > 0 {
			m = s
			break
		}
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
		causes = append(causes, strings.TrimSpace(f.Status+" "+f.Diagnostic))
	}
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
	notices := []outMail{{event: vocab.EventDeliveryFailed, role: vocab.RoleTeam, dedup: fmt.Sprintf("bounce:%d:team", m.ID), to: team}}
	if e.agentMayHear(c) && !slices.Contains(to, c.Agent) {
		notices = append(notices, outMail{event: vocab.EventDeliveryFailed, role: vocab.RoleAgent, dedup: fmt.Sprintf("bounce:%d:agent", m.ID), to: []string{c.Agent}})
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
