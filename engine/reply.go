package engine

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/mailparse"
	"escalationd/router"
	"escalationd/store"
	"escalationd/templates"
)

// Reply commands, on the first non-empty line of a reply.
const (
	cmdAck      = "ACK"
	cmdResolved = "RESOLVED"
	cmdNote     = "NOTE"
	cmdUrgency  = "URGENCY"
	cmdReassign = "REASSIGN"
	cmdReopen   = "REOPEN"
)

// actor roles on a case.
const (
	roleTeam     = "team"     // a recipient of the case's mail (or a member of its teams)
	roleAgent    = "agent"    // the escalating agent
	roleOutsider = "outsider" // anyone else: recorded, changes nothing
)

// reply applies a reply on a case. A reply from the team acknowledges the
// case (whatever else it says); its command, if any, is applied. The agent
// may add notes, change urgency, resolve and reopen, but not acknowledge on
// the team's behalf. Anyone else's reply is recorded as a note only.
func (e *Engine) reply(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, c *store.Case, now time.Time) (handled, error) {
	h := handled{disposition: mailparse.DispositionReply, outcome: store.OutcomeProcessed, caseID: c.ID}
	actor := strings.ToLower(res.From)
	role, err := e.role(tx, c, actor, now)
	if err != nil {
		return h, err
	}
	cmd := mailparse.Command{}
	if res.Command != nil {
		cmd = *res.Command
	}
	ev := func(typ, detail string) error {
		return tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: typ, Actor: actor, Message: msg.ID, Detail: detail})
	}
	text := replyText(res)
	if role == roleOutsider {
		h.reason = "not-on-case"
		return h, ev("note", fmt.Sprintf("reply from %s, who is not on the case (changes nothing): %s", actor, text))
	}
	if err := ev("reply", strings.TrimSpace(cmd.Name+" "+cmd.Argument)); err != nil {
		return h, err
	}
	if role == roleTeam && c.IsOpen() && c.AcknowledgedAt.IsZero() {
		if err := e.acknowledge(tx, c, actor, now); err != nil {
			return h, err
		}
		if err := ev("acknowledged", "by reply"); err != nil {
			return h, err
		}
	}
	arg := strings.TrimSpace(cmd.Argument)
	switch cmd.Name {
	case "", cmdAck:
		if cmd.Name == cmdAck && role == roleAgent {
			return h, ev("note", "ACK from the escalating agent does not acknowledge the case: "+text)
		}
		if cmd.Name == "" && text != "" {
			return h, ev("note", text)
		}
	case cmdNote:
		return h, ev("note", orDefault(arg, text))
	case cmdResolved:
		if !c.IsOpen() {
			return h, ev("note", "RESOLVED on a case already resolved: "+orDefault(arg, text))
		}
		n, err := e.resolve(tx, c, actor, orDefault(arg, "resolved"), msg.ID, now)
		h.mails += n
		h.timers = true
		return h, err
	case cmdReopen:
		if c.IsOpen() {
			return h, ev("note", "REOPEN on an open case: nothing to do")
		}
		h.timers = true
		return h, e.reopen(tx, c, actor, msg.ID, now)
	case cmdUrgency:
		u := strings.ToLower(strings.Fields(arg + " ")[0])
		if !slices.Contains(config.Urgencies, u) {
			return h, ev("note", fmt.Sprintf("URGENCY %q is not low, medium, high or critical; nothing changed", arg))
		}
		h.timers = true
		return h, e.changeUrgency(tx, c, actor, u, msg.ID, now)
	case cmdReassign:
		if !c.IsOpen() {
			return h, ev("note", "REASSIGN on a resolved case; nothing changed (reply REOPEN first)")
		}
		team := strings.Fields(arg + " ")[0]
		if _, ok := e.cfg.Team(team); !ok {
			return h, ev("note", fmt.Sprintf("REASSIGN to unknown team %q; nothing changed (teams: %s)", arg, strings.Join(e.rt.Teams(), ", ")))
		}
		n, err := e.reassign(tx, c, actor, team, msg.ID, now)
		h.mails += n
		h.timers = true
		return h, err
	default:
		return h, ev("note", fmt.Sprintf("unknown command %s: %s", cmd.Name, text))
	}
	return h, nil
}

// replyText is the reply's own text, first lines only, for the audit trail.
func replyText(res *mailparse.Result) string {
	return truncate(oneLine(res.Text), 500)
}

// role says who the actor is to the case.
func (e *Engine) role(tx *store.Tx, c *store.Case, actor string, now time.Time) (string, error) {
	if actor == "" {
		return roleOutsider, nil
	}
	mails, err := tx.CaseRecipients(c.ID)
	if err != nil {
		return "", err
	}
	if slices.Contains(mails, actor) && actor != c.Agent {
		return roleTeam, nil
	}
	var dec router.Decision
	_ = json.Unmarshal([]byte(c.DecisionJSON), &dec)
	for _, name := range e.relatedTeams(append([]string{c.Team}, dec.Teams...)) {
		t, ok := e.cfg.Team(name)
		if !ok {
			continue
		}
		for _, m := range append(append([]string{}, t.Members...), t.Addresses...) {
			if strings.EqualFold(m, actor) {
				return roleTeam, nil
			}
		}
		if r, err := e.rt.ResolveTeam(name, now); err == nil {
			for _, x := range r {
				if strings.EqualFold(x.Address, actor) {
					return roleTeam, nil
				}
			}
		}
	}
	if actor == c.Agent {
		return roleAgent, nil
	}
	return roleOutsider, nil
}

// relatedTeams adds to the case's teams the teams linked to them by
// after_hours, either way: engineering's replies count on a case that went
// to its on-call engineer after hours, and the reverse.
func (e *Engine) relatedTeams(names []string) []string {
	out := slices.Clone(names)
	for _, t := range e.cfg.Teams {
		for _, n := range names {
			if t.AfterHours == n && !slices.Contains(out, t.Name) {
				out = append(out, t.Name)
			}
			if t.Name == n && t.AfterHours != "" && !slices.Contains(out, t.AfterHours) {
				out = append(out, t.AfterHours)
			}
		}
	}
	return out
}

func (e *Engine) acknowledge(tx *store.Tx, c *store.Case, actor string, now time.Time) error {
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = store.CaseAcknowledged, now, actor
	if err := tx.CancelTimers(c.ID, "breach"); err != nil {
		return err
	}
	return tx.UpdateCase(c, now)
}

// resolve closes the loop: a resolution mail to the escalating agent (to
// confirm with the customer), a thank-you to the escalation team, the note
// on the case, and every timer stopped.
func (e *Engine) resolve(tx *store.Tx, c *store.Case, actor, note string, msgID int64, now time.Time) (int, error) {
	c.State, c.ResolvedAt, c.Resolution = store.CaseResolved, now, note
	if err := tx.CancelTimers(c.ID); err != nil {
		return 0, err
	}
	if err := tx.UpdateCase(c, now); err != nil {
		return 0, err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: "resolved", Actor: actor, Message: msgID, Detail: note}); err != nil {
		return 0, err
	}
	epoch, err := tx.CountCaseEvents(c.ID, "resolved")
	if err != nil {
		return 0, err
	}
	data := e.caseData(c, nil, nil, now)
	data.Resolution = templates.Resolution{Note: note, By: orDefault(actor, "the operator")}
	sent := 0
	// The resolution goes to the escalating agent, who confirms with the
	// customer; the outside reporter of a security report is on the
	// customer side and never mailed (an employee who reported is).
	if c.Agent != "" && (c.Kind != vocab.KindSecurityReport || e.cfg.IsInternal(c.Agent)) {
		if err := e.enqueue(tx, c, outMail{event: "resolved", dedup: fmt.Sprintf("case:%d:resolved:%d", c.ID, epoch), to: []string{c.Agent}, data: data}, now); err != nil {
			return sent, err
		}
		sent++
	}
	team, err := tx.CaseRecipients(c.ID)
	if err != nil {
		return sent, err
	}
	team = minus(team, []string{c.Agent, c.Customer})
	if actor != "" && actor != c.Agent && !slices.Contains(team, actor) {
		team = append(team, actor)
	}
	if len(team) > 0 {
		if err := e.enqueue(tx, c, outMail{event: "thanks", dedup: fmt.Sprintf("case:%d:thanks:%d", c.ID, epoch), to: team, data: data}, now); err != nil {
			return sent, err
		}
		sent++
	}
	return sent, nil
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
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: "reopened", Actor: actor, Message: msgID}); err != nil {
		return err
	}
	_, err := e.startClock(tx, c, now)
	return err
}

// changeUrgency de- or re-escalates: the response target and follow-up
// rhythm restart from now at the new level.
func (e *Engine) changeUrgency(tx *store.Tx, c *store.Case, actor, urgency string, msgID int64, now time.Time) error {
	if urgency == c.Urgency {
		return tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: "note", Actor: actor, Message: msgID, Detail: "urgency already " + urgency})
	}
	old := c.Urgency
	c.Urgency = urgency
	if c.AcknowledgedAt.IsZero() {
		c.RespondBy = now.Add(e.responseTime(urgency))
	}
	if err := tx.UpdateCase(c, now); err != nil {
		return err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: "urgency-changed", Actor: actor, Message: msgID, Detail: old + " -> " + urgency}); err != nil {
		return err
	}
	if !c.IsOpen() {
		return nil
	}
	if err := tx.CancelTimers(c.ID); err != nil {
		return err
	}
	_, err := e.startClock(tx, c, now)
	return err
}

// reassign hands the case to another team: the team gets the case as a
// routed mail and the response clock restarts for it.
func (e *Engine) reassign(tx *store.Tx, c *store.Case, actor, team string, msgID int64, now time.Time) (int, error) {
	old := c.Team
	c.Team = team
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = store.CaseOpen, time.Time{}, ""
	c.RespondBy = now.Add(e.responseTime(c.Urgency))
	if err := tx.UpdateCase(c, now); err != nil {
		return 0, err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: "reassigned", Actor: actor, Message: msgID, Detail: old + " -> " + team}); err != nil {
		return 0, err
	}
	to, err := e.teamAddresses(c, team, now)
	if err != nil {
		return 0, err
	}
	var res mailparse.Result
	_ = json.Unmarshal([]byte(c.ParseJSON), &res)
	var dec router.Decision
	_ = json.Unmarshal([]byte(c.DecisionJSON), &dec)
	dec.Teams, dec.To, dec.Cc = []string{team}, to, nil
	dec.Explain = fmt.Sprintf("reassigned from %s to %s by %s", orDefault(old, "nobody"), team, orDefault(actor, "the operator"))
	sent := 0
	if len(to) > 0 {
		n, err := tx.CountCaseEvents(c.ID, "reassigned")
		if err != nil {
			return 0, err
		}
		data := e.caseData(c, &res, &dec, now)
		if err := e.enqueue(tx, c, outMail{event: "routed", dedup: fmt.Sprintf("case:%d:reassigned:%d", c.ID, n), to: to, data: data}, now); err != nil {
			return 0, err
		}
		sent++
	}
	if err := tx.CancelTimers(c.ID); err != nil {
		return sent, err
	}
	_, err = e.startClock(tx, c, now)
	return sent, err
}

// teamAddresses resolves a team at now (after hours, on call); an empty
// team means the case's original To addresses.
func (e *Engine) teamAddresses(c *store.Case, team string, now time.Time) ([]string, error) {
	if team == "" {
		var dec router.Decision
		if err := json.Unmarshal([]byte(c.DecisionJSON), &dec); err != nil {
			return nil, fmt.Errorf("case %d decision: %w", c.ID, err)
		}
		return dec.To, nil
	}
	rs, err := e.rt.ResolveTeam(team, now)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		out = append(out, r.Address)
	}
	return dedupe(out), nil
}

func dedupe(list []string) []string {
	var out []string
	for _, a := range list {
		a = strings.ToLower(a)
		if a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// minus is list without the addresses in drop.
func minus(list, drop []string) []string {
	var out []string
	for _, a := range list {
		if !slices.ContainsFunc(drop, func(d string) bool { return strings.EqualFold(d, a) }) {
			out = append(out, a)
		}
	}
	return out
}

func isAddress(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == ""
}
