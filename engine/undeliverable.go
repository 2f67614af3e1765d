package engine

import (
	"context"
	"fmt"

	"escalationd/mailparse"
	"escalationd/store"
	"escalationd/templates"
)

// Undeliverable tells a person when a case's mail could not be delivered
// for good: the escalating agent (who believes the case reached its team),
// or, when the agent's own address is the one failing, the assigned team.
// Notices about notices, and mail about no case, tell nobody: no loops.
func (e *Engine) Undeliverable(ctx context.Context, m *store.Mail, cause string) {
	if m.CaseID == 0 || m.Event == "delivery-failed" {
		return
	}
	now := e.clock.Now()
	queued := false
	err := e.st.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Case(m.CaseID)
		if err != nil {
			return err
		}
		var to []string
		if c.Agent != "" && (c.Kind != vocab.KindSecurityReport || e.cfg.IsInternal(c.Agent)) {
			to = minus([]string{c.Agent}, m.RcptTo)
		}
		if len(to) == 0 {
			team, err := e.teamAddresses(c, c.Team, now)
			if err != nil {
				return err
			}
			to = minus(team, m.RcptTo)
		}
		if len(to) == 0 {
			return nil
		}
		data := e.caseData(c, nil, nil, now)
		data.Failure = templates.Failure{Event: m.Event, To: m.RcptTo, Error: cause}
		queued = true
		return e.enqueue(tx, c, outMail{event: "delivery-failed", dedup: fmt.Sprintf("mail:%d:delivery-failed", m.ID), to: to, data: data}, now)
	})
	if err != nil {
		e.log.Error("queueing the undeliverable-mail notice failed", "mail", m.ID, "case", m.CaseID, "err", err)
		return
	}
	if queued {
		e.wake()
	}
}
