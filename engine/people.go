package engine

import (
	"fmt"
	"slices"
	"time"

	"escalationd/mailparse"
	"escalationd/router"
	"escalationd/sla"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// owningTeam is the team that owns a new case: the special process's team
// when one applies (security, legal, media, fraud: a "to" team whose
// routes carry a category's flags), otherwise the first "to" team of the
// route. Paging the on-call for a Critical case comes in addition.
func (e *Engine) owningTeam(dec router.Decision) string {
	for _, r := range dec.Recipients {
		if r.Field == "to" && e.rt.TeamFlags(r.Team).Any() {
			return r.Team
		}
	}
	return firstTeam(dec)
}

// ownerAddresses is who status checks and later chasing go to: the person
// who acknowledged the case, once someone has, else the owning team.
func (e *Engine) ownerAddresses(c *store.Case, now time.Time) ([]string, error) {
	if c.AcknowledgedBy != "" {
		return []string{c.AcknowledgedBy}, nil
	}
	return e.teamAddresses(c, c.Team, now)
}

// caseTeams is every team a decision involves: the teams behind its
// recipients and the teams the route named before their hours sent the
// case on (engineering, for a case that went to on-call at night).
func caseTeams(dec router.Decision) []string {
	out := slices.Clone(dec.Teams)
	for _, r := range dec.Recipients {
		if r.Via != "" && !slices.Contains(out, r.Via) {
			out = append(out, r.Via)
		}
	}
	return out
}

// who names a person as the mails do: "Sam Senior <sam.senior@…>" when the
// config knows their name, else the address.
func (e *Engine) who(addr string) string {
	if name := e.cfg.PersonName(addr); name != "" {
		return fmt.Sprintf("%s <%s>", name, addr)
	}
	return addr
}

// recipientNames lists a decision's To and Cc recipients by name, with
// their team: "Alex Rivera (oncall)".
func (e *Engine) recipientNames(dec router.Decision) []string {
	var out []string
	for _, r := range dec.Recipients {
		if r.Field == "incident" {
			continue
		}
		name := r.Name
		if name == "" {
			name = e.cfg.PersonName(r.Address)
		}
		if name == "" {
			name = r.Address
		}
		out = append(out, fmt.Sprintf("%s (%s)", name, human(r.Team)))
	}
	return out
}

// receipt tells the escalating agent that the case opened: who got it, by
// when they must respond, what the agent must and must not do (the
// categories' notes: "Do NOT reply to customer yet"), and how to add
// information.
func (e *Engine) receipt(tx *store.Tx, c *store.Case, dec router.Decision, now time.Time) (int, error) {
	if !e.agentMayHear(c) || !e.cfg.IsInternal(c.Agent) {
		return 0, nil
	}
	data := e.caseData(c, nil, nil, now)
	data.Receipt = templates.Receipt{Recipients: e.recipientNames(dec), Notes: dec.Notes}
	if e.digested(c) {
		data.Receipt.Backlog = e.nextDigest(c, now)
	}
	m := outMail{event: vocab.EventReceipt, role: vocab.RoleAgent, dedup: fmt.Sprintf("case:%d:receipt", c.ID), to: []string{c.Agent}, data: data}
	return 1, e.enqueue(tx, c, m, now)
}

// agentUpdate tells the escalating agent what happened on their case,
// unless they did it themselves or may not hear of the case.
func (e *Engine) agentUpdate(tx *store.Tx, c *store.Case, u templates.Update, now time.Time) (int, error) {
	if !e.agentMayHear(c) || !e.cfg.IsInternal(c.Agent) || u.By == e.who(c.Agent) {
		return 0, nil
	}
	data := e.caseData(c, nil, nil, now)
	data.Update = u
	m := outMail{event: vocab.EventAgentUpdate, role: vocab.RoleAgent, to: []string{c.Agent}, data: data,
		dedup: fmt.Sprintf("case:%d:agent-update:%s:%d", c.ID, u.What, now.UnixNano())}
	return 1, e.enqueue(tx, c, m, now)
}

// breachUpdate is the agent's word of a first breach: who is chased now,
// and for a Critical case the on-call engineer to phone.
func (e *Engine) breachUpdate(c *store.Case, step sla.BreachStep, now time.Time) templates.Update {
	u := templates.Update{What: "not acknowledged in time",
		Detail: fmt.Sprintf("Nobody took the case by %s.", templates.FormatTime(c.RespondBy, now, e.cfg.Location()))}
	for _, team := range []string{c.Team, step.Team} {
		if team == "" {
			continue
		}
		if rs, err := e.rt.ResolveTeam(team, now); err == nil {
			for _, r := range rs {
				u.Chased = append(u.Chased, e.who(r.Address))
			}
		}
	}
	if c.Urgency == vocab.Critical {
		for _, r := range e.onCallNow(now) {
			u.Phone = e.who(r.Address)
		}
	}
	return u
}

// onCallNow is whom the rotation teams resolve to at now.
func (e *Engine) onCallNow(now time.Time) []router.Recipient {
	var out []router.Recipient
	for _, t := range e.cfg.Teams {
		if t.Rotation == "" {
			continue
		}
		if rs, err := e.rt.ResolveTeam(t.Name, now); err == nil {
			out = append(out, rs...)
		}
	}
	return out
}

// relay passes a comment on: a team member's to the agent, the agent's to
// the owner (or the owning team before anyone acknowledged), and anyone
// else's (management asking "who is on this?") to both. Quoted history was
// stripped by the parser; the relayed mail stays in the case's thread.
func (e *Engine) relay(r *replyCtx) error {
	var to []string
	role := vocab.RoleAgent
	if r.who != actorAgent && e.agentMayHear(r.c) && e.cfg.IsInternal(r.c.Agent) {
		to = []string{r.c.Agent}
	}
	if r.who != actorOwner {
		owner, err := e.ownerAddresses(r.c, r.now)
		if err != nil {
			return err
		}
		to, role = dedupe(append(to, owner...)), vocab.RoleTeam
	}
	to = minus(to, []string{r.addr})
	if len(to) == 0 {
		return nil
	}
	data := e.caseData(r.c, nil, nil, r.now)
	data.Comment = templates.Comment{From: e.who(r.addr), Text: r.res.Text}
	m := outMail{event: vocab.EventComment, role: role, to: to, data: data, dedup: fmt.Sprintf("message:%d:comment", r.msg.ID)}
	r.h.mails++
	return e.enqueue(r.tx, r.c, m, r.now)
}

// reroute tells the people who must act that a case came back to them: its
// owner (or owning team), and whoever its route names now that was not
// mailed yet (a case raised to Critical pages the on-call engineer and
// management, with the incident notice). The route is read again from the
// stored source mail, at the case's current urgency.
func (e *Engine) reroute(tx *store.Tx, c *store.Case, what string, now time.Time) (int, error) {
	to, err := e.ownerAddresses(c, now)
	if err != nil {
		return 0, err
	}
	res := &mailparse.Result{}
	var dec router.Decision
	if c.SourceMessage > 0 {
		msg, err := tx.Message(c.SourceMessage)
		if err != nil {
			return 0, err
		}
		mb, _ := e.cfg.Mailbox(c.Mailbox)
		opts := ParseOptions(e.cfg, c.Mailbox)
		opts.OriginalSize = msg.Size
		res = mailparse.Parse(msg.Raw, opts)
		in := RouterInput(res, c.Mailbox, mb.Kind)
		in.Kind, in.Urgency = c.Kind, c.Urgency
		dec = e.rt.Route(in, now)
		mailed, err := tx.CaseRecipients(c.ID, vocab.RoleTeam)
		if err != nil {
			return 0, err
		}
		to = dedupe(append(to, minus(append(slices.Clone(dec.To), dec.Cc...), mailed)...))
	}
	to = slices.DeleteFunc(to, func(a string) bool { return e.onCustomerSide(c, a) })
	if len(to) == 0 {
		return 0, nil
	}
	dec.To, dec.Cc, dec.Explain = to, nil, what
	m := outMail{event: vocab.EventRouted, role: vocab.RoleTeam, to: to, data: e.caseData(c, res, &dec, now),
		dedup: fmt.Sprintf("case:%d:reroute:%d", c.ID, now.UnixNano())}
	if err := e.enqueue(tx, c, m, now); err != nil {
		return 0, err
	}
	sent := 1
	if !c.Confidential {
		n, err := e.incidentNotice(tx, c, res, &dec, now)
		if err != nil {
			return sent, err
		}
		sent += n
	}
	return sent, tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventRouted, Detail: fmt.Sprintf("%s: to %v", what, to)})
}
