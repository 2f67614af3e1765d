package engine

import (
	"fmt"
	"slices"
	"time"

	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// Undeliverable queues, in tx (the transaction that records the failure, so
// the notice commits with its cause), a notice that a case's mail could not
// be delivered for good: to the escalating agent (who believes the case
// reached its team), or, when the agent's own address is the one failing,
// to the assigned team. Notices about notices, and mail about no case, tell
// nobody: no loops. It reports whether a notice was queued; the outbound
// worker, which calls it, sends it.
func (e *Engine) Undeliverable(tx *store.Tx, m *store.Mail, cause string, now time.Time) (bool, error) {
	if m.CaseID == 0 || m.Event == vocab.EventDeliveryFailed {
		return false, nil
	}
	c, err := tx.Case(m.CaseID)
	if err != nil {
		return false, err
	}
	var to []string
	notice := vocab.RoleAgent
	if e.agentMayHear(c) {
		to = minus([]string{c.Agent}, m.RcptTo)
	}
	if len(to) == 0 {
		team, err := e.teamAddresses(c, c.Team, now)
		if err != nil {
			return false, err
		}
		to, notice = minus(team, m.RcptTo), vocab.RoleTeam
	}
	if len(to) == 0 {
		return false, nil
	}
	data := e.caseData(c, nil, nil, now)
	data.Failure = templates.Failure{Event: string(m.Event), To: m.RcptTo, Error: cause}
	err = e.enqueue(tx, c, outMail{event: vocab.EventDeliveryFailed, role: notice, dedup: fmt.Sprintf("mail:%d:delivery-failed", m.ID), to: to, data: data}, now)
	return err == nil, err
}

// Blocked queues, in tx (the transaction that records the refusal), a
// notice that the confidentiality check stopped a case's mail whose every
// recipient was on the customer side: the owning team must know that
// nobody got it. Its recipients leave out the customer side, and it is
// not sent about a notice. It reports whether a notice was queued.
func (e *Engine) Blocked(tx *store.Tx, m *store.Mail, cause string, now time.Time) (bool, error) {
	if m.CaseID == 0 || m.Event == vocab.EventDeliveryFailed {
		return false, nil
	}
	c, err := tx.Case(m.CaseID)
	if err != nil {
		return false, err
	}
	team, err := e.teamAddresses(c, c.Team, now)
	if err != nil {
		return false, err
	}
	to := slices.DeleteFunc(minus(team, m.RcptTo), func(a string) bool { return e.onCustomerSide(c, a) })
	if len(to) == 0 {
		e.log.Error("confidential mail blocked and nobody to tell", "case", c.ID, "mail", m.ID)
		return false, nil
	}
	data := e.caseData(c, nil, nil, now)
	data.Failure = templates.Failure{Event: string(m.Event), To: m.RcptTo, Error: cause}
	err = e.enqueue(tx, c, outMail{event: vocab.EventDeliveryFailed, role: vocab.RoleTeam, dedup: fmt.Sprintf("mail:%d:blocked", m.ID), to: to, data: data}, now)
	return err == nil, err
}
