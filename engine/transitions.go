package engine

import (
	"fmt"
	"slices"
	"time"

	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// The case state changes a reply command (or the operator) makes. Each
// records itself on the case and, where the case's clock must start over,
// calls restartClock.

func (e *Engine) acknowledge(tx *store.Tx, c *store.Case, actor string, now time.Time) error {
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = store.CaseAcknowledged, now, actor
	if err := tx.CancelTimers(c.ID, vocab.TimerBreach); err != nil {
		return err
	}
	return tx.UpdateCase(c, now)
}

// resolve closes the loop: a resolution mail to the escalating agent (to
// confirm with the customer), a thank-you to the escalation team, the note
// on the case, and every timer stopped.
func (e *Engine) resolve(tx *store.Tx, c *store.Case, actor, note string, msgID int64, now time.Time) (int, error) {
	c.State, c.ResolvedAt, c.Resolution = store.CaseResolved, now, note
	c.Resolutions++
	if err := tx.CancelTimers(c.ID); err != nil {
		return 0, err
	}
	if err := tx.UpdateCase(c, now); err != nil {
		return 0, err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventResolved, Actor: actor, Message: msgID, Detail: note}); err != nil {
		return 0, err
	}
	data := e.caseData(c, nil, nil, now)
	data.Resolution = templates.Resolution{Note: note, By: orDefault(e.who(actor), "the operator"), RootCause: c.RootCause}
	sent := 0
	// The resolution goes to the escalating agent, who confirms with the
	// customer; the outside reporter of a security report is on the
	// customer side and never mailed (an employee who reported is).
	if e.agentMayHear(c) {
		m := outMail{event: vocab.EventResolved, role: vocab.RoleAgent, dedup: fmt.Sprintf("case:%d:resolved:%d", c.ID, c.Resolutions),
			to: []string{c.Agent}, data: data}
		if err := e.enqueue(tx, c, m, now); err != nil {
			return sent, err
		}
		sent++
	}
	team, err := tx.CaseRecipients(c.ID, vocab.RoleTeam)
	if err != nil {
		return sent, err
	}
	team = minus(team, []string{c.Agent, c.Customer})
	if actor != "" && actor != c.Agent && !slices.Contains(team, actor) {
		team = append(team, actor)
	}
	if len(team) > 0 {
		m := outMail{event: vocab.EventThanks, role: vocab.RoleTeam, dedup: fmt.Sprintf("case:%d:thanks:%d", c.ID, c.Resolutions), to: team, data: data}
		if err := e.enqueue(tx, c, m, now); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
}

// agentMayHear reports whether the case's agent may be mailed about it: an
// outside reporter of a security report is on the customer side.
func (e *Engine) agentMayHear(c *store.Case) bool {
	return c.Agent != "" && (c.Kind != vocab.KindSecurityReport || e.cfg.IsInternal(c.Agent))
}

// Resolve resolves a case for the operator (`escalationd cases resolve`).
func (e *Engine) Resolve(tx *store.Tx, c *store.Case, note string, now time.Time) (int, error) {
	return e.resolve(tx, c, "", note, 0, now)
}

func (e *Engine) reopen(tx *store.Tx, c *store.Case, actor string, msgID int64, now time.Time) error {
	c.State, c.ResolvedAt, c.Resolution = store.CaseOpen, time.Time{}, ""
	c.AcknowledgedAt, c.AcknowledgedBy = time.Time{}, ""
	c.RespondBy = now.Add(e.responseTime(c.Urgency))
	if err := tx.UpdateCase(c, now); err != nil {
		return err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventReopened, Actor: actor, Message: msgID}); err != nil {
		return err
	}
	// A resolved case has no pending steps: its clock simply starts anew.
	_, err := e.startClock(tx, c, now)
	return err
}

// changeUrgency de- or re-escalates: the response target and follow-up
// rhythm restart from now at the new level.
func (e *Engine) changeUrgency(tx *store.Tx, c *store.Case, actor string, urgency vocab.Urgency, msgID int64, now time.Time) error {
	if urgency == c.Urgency {
		return tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventNote, Actor: actor, Message: msgID, Detail: "urgency already " + string(urgency)})
	}
	old := c.Urgency
	c.Urgency = urgency
	if c.AcknowledgedAt.IsZero() {
		c.RespondBy = now.Add(e.responseTime(urgency))
	}
	if err := tx.UpdateCase(c, now); err != nil {
		return err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventUrgencyChanged, Actor: actor, Message: msgID,
		Detail: string(old) + " -> " + string(urgency)}); err != nil {
		return err
	}
	if !c.IsOpen() {
		return nil
	}
	return e.restartClock(tx, c, now)
}

// reassign hands the case to another team: the team gets the case as a
// routed mail and the response clock restarts for it.
func (e *Engine) reassign(tx *store.Tx, c *store.Case, actor, team string, msgID int64, now time.Time) (int, error) {
	old := c.Team
	to, err := e.teamAddresses(c, team, now)
	if err != nil {
		return 0, err
	}
	c.Team = team
	if !slices.Contains(c.Teams, team) {
		c.Teams = append(slices.Clone(c.Teams), team)
	}
	// The team's special process comes with it: a case handed to fraud is
	// confidential like a fraud case. Flags only ever turn on.
	flags := e.rt.TeamFlags(team)
	turnedConfidential := flags.Confidential && !c.Confidential
	c.Confidential = c.Confidential || flags.Confidential
	c.ApprovalRequired = c.ApprovalRequired || flags.ApprovalRequired
	c.SuspendAccount = c.SuspendAccount || flags.SuspendAccount
	// A case on its urgency's chain takes the chain of the team's route
	// (handed to engineering: engineering's lead); one with its own chain
	// keeps it, so a legal case still climbs to management.
	if c.Chain == nil && c.TopReminders == nil {
		if chain, top, ok := e.rt.TeamChain(team); ok {
			c.Chain, c.TopReminders = chain, top
		}
	}
	if turnedConfidential {
		n, err := tx.CancelMail(c.ID, vocab.RoleCustomer, "cancelled: the case became confidential when it was reassigned to "+team)
		if err != nil {
			return 0, err
		}
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventNote, Actor: actor, Message: msgID,
			Detail: fmt.Sprintf("confidential from now on (team %s); %d pending mail to the customer cancelled", team, n)}); err != nil {
			return 0, err
		}
	}
	c.RoutedTo = to
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = store.CaseOpen, time.Time{}, ""
	c.RespondBy = now.Add(e.responseTime(c.Urgency))
	c.Reassignments++
	if err := tx.UpdateCase(c, now); err != nil {
		return 0, err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventReassigned, Actor: actor, Message: msgID, Detail: old + " -> " + team}); err != nil {
		return 0, err
	}
	sent := 0
	if len(to) > 0 {
		// The new team gets the case as the first team did, with the
		// escalation's fields and the route's notes and actions. The stored
		// JSON only renders this mail: who gets it was decided above.
		res, dec, err := renderingRecord(c)
		if err != nil {
			return 0, err
		}
		dec.Teams, dec.To, dec.Cc, dec.Rule, dec.Actions = []string{team}, to, nil, "reassigned", nil
		dec.Explain = fmt.Sprintf("reassigned from %s to %s by %s", orDefault(old, "nobody"), team, orDefault(actor, "the operator"))
		data := e.caseData(c, res, &dec, now)
		m := outMail{event: vocab.EventRouted, role: vocab.RoleTeam, dedup: fmt.Sprintf("case:%d:reassigned:%d", c.ID, c.Reassignments), to: to, data: data}
		if err := e.enqueue(tx, c, m, now); err != nil {
			return 0, err
		}
		sent++
	}
	return sent, e.restartClock(tx, c, now)
}
