package engine

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/mailparse"
	"escalationd/router"
	"escalationd/store"
	"escalationd/templates"
	"escalationd/vocab"
)

// defaultUrgency applies to kinds whose template carries no level (the
// senior-support template, outside security reports, management mail whose
// Urgency is a sentence); the routed mail says so (urgencyNote).
const defaultUrgency = vocab.High

// RouterInput builds the router's input from a parse result.
func RouterInput(res *mailparse.Result, mailbox, mailboxKind string) router.Input {
	return router.Input{
		Kind: res.Kind, Urgency: caseUrgency(res), Mailbox: mailbox, MailboxKind: mailboxKind,
		IssueType: res.IssueType, Sender: strings.ToLower(res.From), Subject: res.Subject, Text: res.Text,
	}
}

// urgencyNote is what the mail says of a defaulted urgency: which template
// gave no level. "" when the escalation gave one.
func urgencyNote(res *mailparse.Result) string {
	if res.Urgency != "" {
		return ""
	}
	switch res.Kind {
	case vocab.KindSeniorSupport:
		return "the senior-support template has no urgency line; default"
	case vocab.KindSecurityReport:
		return "an outside security report carries no urgency; default"
	case vocab.KindManagement:
		return "the management template's Urgency names no level; default"
	}
	return "no urgency given; default"
}

func caseUrgency(res *mailparse.Result) vocab.Urgency {
	if res.Urgency != "" {
		return res.Urgency
	}
	return defaultUrgency
}

// open creates a case for a valid escalation: routes it, stores it with its
// events, queues the routed mail (and incident notice) and starts its SLA
// clock, all in tx. A second escalation of a ticket that already has an
// open case is merged into it only when its sender may re-route the case
// (see mergeable); otherwise it opens a case of its own, linked to the
// other.
func (e *Engine) open(tx *store.Tx, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	sender := strings.ToLower(res.From)
	if sender == "" {
		// Nobody to answer and nobody to hold to account: kept for review.
		return e.ignore(tx, msg, res, "no-sender", now)
	}
	authenticated, _ := e.believed(string(res.Auth))
	authenticated = authenticated && !res.SenderAmbiguous
	if !authenticated && e.cfg.Senders.RequireAuthentication == config.RequireAll {
		// Kept for review, never answered: the sender may be forged.
		return e.ignore(tx, msg, res, "unauthenticated", now)
	}
	mb, _ := e.cfg.Mailbox(msg.Mailbox)
	in := RouterInput(res, msg.Mailbox, mb.Kind)
	var link *store.Case
	if res.Ticket != "" {
		existing, err := tx.OpenCaseByTicket(res.Ticket)
		if err != nil {
			return handled{}, err
		}
		if existing != nil {
			why, err := e.mergeable(tx, existing, res, authenticated, now)
			if err != nil {
				return handled{}, err
			}
			switch {
			case why == "" && (res.Kind != existing.Kind || caseUrgency(res).Above(existing.Urgency)):
				return e.reescalate(tx, existing, msg, res, now)
			case why == "":
				err := tx.AddEvent(store.Event{CaseID: existing.ID, At: now, Type: vocab.EventDuplicateEscalation, Actor: sender, Message: msg.ID,
					Detail: "the same escalation of this ticket arrived again while the case is open; not routed again"})
				return handled{disposition: mailparse.DispositionCase, reason: "duplicate", outcome: store.OutcomeProcessed, caseID: existing.ID}, err
			}
			link = existing
			if err := tx.AddEvent(store.Event{CaseID: existing.ID, At: now, Type: vocab.EventLinked, Actor: sender, Message: msg.ID,
				Detail: "another escalation of this ticket opened a case of its own: " + why}); err != nil {
				return handled{}, err
			}
		}
	}
	if h, limited, err := e.limitNewCase(tx, msg, res, now); limited || err != nil {
		return h, err
	}
	dec := e.rt.Route(in, now)
	parseJSON, err := json.Marshal(res)
	if err != nil {
		return handled{}, fmt.Errorf("record parse result: %w", err)
	}
	decJSON, err := json.Marshal(dec)
	if err != nil {
		return handled{}, fmt.Errorf("record routing decision: %w", err)
	}
	urgency := in.Urgency
	c := &store.Case{
		Ticket: res.Ticket, Kind: res.Kind, Mailbox: msg.Mailbox, State: store.CaseOpen, Urgency: urgency,
		Customer: res.Customer, Agent: strings.ToLower(res.From), Subject: res.Subject, Summary: summary(res),
		// An outside security report is confidential whatever the policy
		// says: the gateway never answers it.
		Team: e.owningTeam(dec), Teams: caseTeams(dec), RoutedTo: dec.To, Confidential: dec.Flags.Confidential || res.Kind == vocab.KindSecurityReport, ApprovalRequired: dec.Flags.ApprovalRequired,
		SuspendAccount: dec.Flags.SuspendAccount, ParseJSON: string(parseJSON), DecisionJSON: string(decJSON),
		SourceMessage: msg.ID, SourceMessageID: res.MessageID, OpenedAt: now, RespondBy: now.Add(e.responseTime(urgency)),
		CustomerSide: e.customerSide(res.Kind, res.Customer, sender),
		Unverified:   !authenticated && e.cfg.Senders.RequireAuthentication != config.RequireNone,
		Chain:        dec.Chain, TopReminders: dec.TopReminders,
	}
	if link != nil {
		// A second case of a ticket keeps the first one's secrets: it is
		// confidential when the first is, and its customer side includes
		// the first one's.
		c.Confidential = c.Confidential || link.Confidential
		c.ApprovalRequired = c.ApprovalRequired || link.ApprovalRequired
		for _, a := range link.CustomerSide {
			if !slices.Contains(c.CustomerSide, a) {
				c.CustomerSide = append(c.CustomerSide, a)
			}
		}
	}
	if e.digested(c) {
		// A backlog case reaches its team with the next digest: its
		// response time counts from then, so it never breaches before the
		// team has seen it.
		c.RespondBy = e.nextDigest(c, now).Add(e.responseTime(urgency))
	}
	if c.Ticket == "" {
		// Outside security reports carry no ticket: the stored mail names
		// it, with a "#" no agent's ticket can contain (mailparse accepts
		// letters, digits, ".", "_" and "-"), so no escalation ever merges
		// into it.
		c.Ticket = fmt.Sprintf("SEC#%d", msg.ID)
	}
	if err := tx.InsertCase(c); err != nil {
		return handled{}, err
	}
	h := handled{disposition: mailparse.DispositionCase, outcome: store.OutcomeProcessed, caseID: c.ID}
	if link != nil {
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventLinked, Actor: sender, Message: msg.ID,
			Detail: fmt.Sprintf("ticket %s has another open case (%d); this escalation was not merged into it", link.Ticket, link.ID)}); err != nil {
			return h, err
		}
	}
	if err := e.countNewCase(tx, sender, now); err != nil {
		return h, err
	}
	detail, _ := json.Marshal(map[string]any{"kind": c.Kind, "urgency": c.Urgency, "customer": c.Customer, "rule": dec.Rule,
		"categories": categoryNames(dec), "flags": dec.Flags})
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventOpened, Actor: c.Agent, Message: msg.ID, Detail: string(detail)}); err != nil {
		return h, err
	}
	if err := addNotes(tx, c, dec.Notes, now); err != nil {
		return h, err
	}
	if len(dec.To)+len(dec.Cc) == 0 {
		// A policy that routes a case nowhere is a config gap; the case is
		// kept and visible, and the SLA chain still escalates it.
		e.log.Error("case routed to nobody", "case", c.ID, "ticket", c.Ticket, "rule", dec.Rule)
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventUnrouted, Detail: "no route gave recipients: " + dec.Explain}); err != nil {
			return h, err
		}
	} else if e.digested(c) {
		// A backlog case pages nobody: its routed mail goes out with the
		// team's next daily digest.
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventNote,
			Detail: "backlog: held for the team's daily digest, no immediate mail"}); err != nil {
			return h, err
		}
	} else {
		if err := e.routedMail(tx, c, res, dec, msg, now); err != nil {
			return h, err
		}
		h.mails++
	}
	n, err := e.incidentNotice(tx, c, res, &dec, now)
	if err != nil {
		return h, err
	}
	h.mails += n
	if err := tx.UpdateCase(c, now); err != nil {
		return h, err
	}
	n, err = e.receipt(tx, c, dec, now)
	if err != nil {
		return h, err
	}
	h.mails += n
	timers, err := e.startClock(tx, c, now)
	if err != nil {
		return h, err
	}
	h.timers = timers
	return h, nil
}

// routedMail queues the mail that hands a case to its team: the first mail
// of the case's thread, with the escalation attached.
func (e *Engine) routedMail(tx *store.Tx, c *store.Case, res *mailparse.Result, dec router.Decision, original *store.StoredMessage, now time.Time) error {
	c.ThreadID = e.newMessageID(c.ID, vocab.EventRouted)
	m := outMail{
		event: vocab.EventRouted, role: vocab.RoleTeam, dedup: fmt.Sprintf("case:%d:routed", c.ID), messageID: c.ThreadID,
		to: dec.To, cc: dec.Cc, data: e.caseData(c, res, &dec, now), original: original,
	}
	if res.MessageID != "" {
		m.references = []string{res.MessageID}
		m.inReplyTo = res.MessageID
	}
	if err := e.enqueue(tx, c, m, now); err != nil {
		return err
	}
	return tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventRouted, Detail: routedDetail(dec)})
}

// incidentNotice queues the case's one incident notice, when its route
// names incident addresses and the case is not confidential: incidents are
// for service-affecting outages, and a confidential case's summary never
// goes to the incident list (the router withholds the notice for its own
// flags; this also covers a case confidential through its ticket's first
// case).
func (e *Engine) incidentNotice(tx *store.Tx, c *store.Case, res *mailparse.Result, dec *router.Decision, now time.Time) (int, error) {
	if len(dec.Incident) == 0 || c.Confidential {
		return 0, nil
	}
	m := outMail{event: vocab.EventIncident, role: vocab.RoleIncident, dedup: fmt.Sprintf("case:%d:incident", c.ID), to: dec.Incident,
		data: e.caseData(c, res, dec, now)}
	return 1, e.enqueue(tx, c, m, now)
}

// addNotes records the route's notes ("Escalated to Legal") on the case.
func addNotes(tx *store.Tx, c *store.Case, notes []string, now time.Time) error {
	for _, n := range notes {
		if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventNote, Detail: n}); err != nil {
			return err
		}
	}
	return nil
}

// responseTime is the urgency's response target.
func (e *Engine) responseTime(urgency vocab.Urgency) time.Duration { return e.sla.Response(urgency) }

// reescalate handles a new escalation of a ticket whose case is open, with
// another template (a tier transition: Tier 1 → senior support →
// engineering) or a higher urgency: the case is routed again as the new
// mail says, at the higher of the two urgencies, and its response clock
// restarts for the team that now owns it. The case stays one case.
func (e *Engine) reescalate(tx *store.Tx, c *store.Case, msg *store.StoredMessage, res *mailparse.Result, now time.Time) (handled, error) {
	h := handled{disposition: mailparse.DispositionCase, reason: "re-escalation", outcome: store.OutcomeProcessed, caseID: c.ID, timers: true}
	mb, _ := e.cfg.Mailbox(msg.Mailbox)
	in := RouterInput(res, msg.Mailbox, mb.Kind)
	if c.Urgency.Above(in.Urgency) {
		in.Urgency = c.Urgency
	}
	dec := e.rt.Route(in, now)
	decJSON, err := json.Marshal(dec)
	if err != nil {
		return h, fmt.Errorf("record routing decision: %w", err)
	}
	old := fmt.Sprintf("%s/%s/%s", c.Kind, c.Urgency, c.Team)
	c.Kind, c.Urgency, c.DecisionJSON = res.Kind, in.Urgency, string(decJSON)
	// The teams it was with stay on the case (senior support handed it to
	// engineering and still answers the agent).
	for _, t := range caseTeams(dec) {
		if !slices.Contains(c.Teams, t) {
			c.Teams = append(c.Teams, t)
		}
	}
	c.RoutedTo = dec.To
	if t := e.owningTeam(dec); t != "" {
		c.Team = t
	}
	// The new decision's chain, when it sets one (the case became legal:
	// management); otherwise the case keeps the chain it had.
	if dec.Chain != nil || dec.TopReminders != nil {
		c.Chain, c.TopReminders = dec.Chain, dec.TopReminders
	}
	// Flags only ever turn on: a legal threat stays confidential.
	c.Confidential = c.Confidential || dec.Flags.Confidential
	c.ApprovalRequired = c.ApprovalRequired || dec.Flags.ApprovalRequired
	c.SuspendAccount = c.SuspendAccount || dec.Flags.SuspendAccount
	c.State, c.AcknowledgedAt, c.AcknowledgedBy = store.CaseOpen, time.Time{}, ""
	c.RespondBy = now.Add(e.responseTime(c.Urgency))
	n := c.ReEscalations
	c.ReEscalations++
	if err := tx.UpdateCase(c, now); err != nil {
		return h, err
	}
	if err := tx.AddEvent(store.Event{CaseID: c.ID, At: now, Type: vocab.EventReEscalated, Actor: strings.ToLower(res.From), Message: msg.ID,
		Detail: fmt.Sprintf("%s -> %s/%s/%s (rule %s)", old, c.Kind, c.Urgency, c.Team, dec.Rule)}); err != nil {
		return h, err
	}
	if err := addNotes(tx, c, dec.Notes, now); err != nil {
		return h, err
	}
	if len(dec.To)+len(dec.Cc) > 0 {
		m := outMail{event: vocab.EventRouted, role: vocab.RoleTeam, dedup: fmt.Sprintf("case:%d:re-escalated:%d", c.ID, n), to: dec.To, cc: dec.Cc,
			data: e.caseData(c, res, &dec, now), original: msg}
		if res.MessageID != "" {
			m.inReplyTo, m.references = res.MessageID, append(threadRefs(c), res.MessageID)
		}
		if err := e.enqueue(tx, c, m, now); err != nil {
			return h, err
		}
		h.mails++
	}
	n, err = e.incidentNotice(tx, c, res, &dec, now)
	if err != nil {
		return h, err
	}
	h.mails += n
	return h, e.restartClock(tx, c, now)
}

func firstTeam(d router.Decision) string {
	for _, r := range d.Recipients {
		if r.Field == "to" {
			return r.Team
		}
	}
	if len(d.Teams) > 0 {
		return d.Teams[0]
	}
	return ""
}

func categoryNames(d router.Decision) []string {
	out := make([]string, 0, len(d.Categories))
	for _, c := range d.Categories {
		out = append(out, c.Name)
	}
	return out
}

func routedDetail(d router.Decision) string {
	b, _ := json.Marshal(map[string]any{"to": d.To, "cc": d.Cc, "teams": d.Teams, "rule": d.Rule})
	return string(b)
}

// summary is the issue in one line, from whichever field the template has.
func summary(res *mailparse.Result) string {
	for _, k := range []string{"issue", "brief_description", "summary", "description", "subject"} {
		if v, ok := res.Fields[k].(string); ok && strings.TrimSpace(v) != "" {
			return truncate(strings.TrimRight(oneLine(v), ". "), 120)
		}
	}
	return truncate(oneLine(res.Subject), 120)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// caseData is the template data for a case mail: the case as it is now,
// who owns it or whom its team reaches, the escalation's fields (from res,
// or else from the stored parse result, which only renders mail), and for
// a routing decision the routing in one sentence.
func (e *Engine) caseData(c *store.Case, res *mailparse.Result, dec *router.Decision, now time.Time) templates.Data {
	d := templates.Data{
		Now: now, Location: e.cfg.Location(), Mailbox: e.replyAddress(c.Mailbox),
		Case: templates.Case{
			ID: c.ID, Ticket: c.Ticket, Kind: string(c.Kind), Urgency: string(c.Urgency), Customer: c.Customer, Agent: c.Agent,
			Subject: c.Subject, Summary: c.Summary, Team: c.Team, State: c.State, OpenedAt: c.OpenedAt,
			RespondBy: c.RespondBy, ResponseTime: e.responseTime(c.Urgency), AcknowledgedAt: c.AcknowledgedAt,
			AcknowledgedBy: c.AcknowledgedBy, Confidential: c.Confidential, ApprovalRequired: c.ApprovalRequired,
			SuspendAccount: c.SuspendAccount, Unverified: c.Unverified,
		},
	}
	if c.Agent != "" {
		d.Case.AgentName = e.who(c.Agent)
	}
	if c.AcknowledgedBy != "" {
		d.Case.Owner = e.who(c.AcknowledgedBy)
	} else if c.Team != "" && c.IsOpen() {
		d.Case.With = e.teamPeople(c.Team, now)
	}
	stored := res
	if stored == nil && c.ParseJSON != "" {
		var r mailparse.Result
		if err := json.Unmarshal([]byte(c.ParseJSON), &r); err != nil {
			// The mail goes out without the escalation's fields.
			e.log.Error("case mail without fields: stored parse result", "case", c.ID, "err", err)
		} else {
			stored = &r
		}
	}
	if stored != nil {
		d.Fields = templateFields(stored)
		d.Case.Impact = impact(stored)
	}
	if res != nil {
		if res.Urgency == "" && c.Urgency == defaultUrgency {
			d.Case.UrgencyNote = urgencyNote(res)
		}
		for _, fe := range res.Errors {
			d.Rejection.Errors = append(d.Rejection.Errors, templates.FieldError{Field: fe.Field, Message: fe.Message})
		}
	}
	if dec != nil {
		d.Routing = templates.Routing{Teams: dec.Teams, To: dec.To, Cc: dec.Cc, Rule: dec.Rule, Explain: dec.Explain,
			Categories: categoryNames(*dec), Notes: dec.Notes, Actions: dec.Actions, Why: e.routingWhy(c, dec, now),
			ToNames: e.namesOf(dec.To, dec), CcNames: e.namesOf(dec.Cc, dec)}
	}
	return d
}

// renderingRecord reads back the parse result and routing decision stored
// with a case, to render a mail as the first team got it (its fields, the
// route's notes and actions). They decide nothing: who gets the mail comes
// from the case's columns. A decode error is returned, never skipped.
func renderingRecord(c *store.Case) (*mailparse.Result, router.Decision, error) {
	var res mailparse.Result
	var dec router.Decision
	if err := json.Unmarshal([]byte(c.ParseJSON), &res); err != nil {
		return nil, dec, fmt.Errorf("case %d: stored parse result: %w", c.ID, err)
	}
	if err := json.Unmarshal([]byte(c.DecisionJSON), &dec); err != nil {
		return nil, dec, fmt.Errorf("case %d: stored routing decision: %w", c.ID, err)
	}
	return &res, dec, nil
}

// impact is the escalation's impact as the agent wrote it.
func impact(res *mailparse.Result) string {
	for _, k := range []string{"impact", "users_affected"} {
		if v, ok := res.Fields[k].(string); ok && strings.TrimSpace(v) != "" {
			return oneLine(v)
		}
	}
	if res.UsersAffected != nil {
		return fmt.Sprintf("%d users", *res.UsersAffected)
	}
	return ""
}

// teamPeople is whom a team reaches at now, by name: "Alex Rivera
// <alex.rivera@…> (on call)".
func (e *Engine) teamPeople(team string, now time.Time) []string {
	rs, err := e.rt.ResolveTeam(team, now)
	if err != nil {
		return nil
	}
	var out []string
	for _, r := range rs {
		w := e.who(r.Address)
		if r.Name != "" && w == r.Address {
			w = fmt.Sprintf("%s <%s>", r.Name, r.Address)
		}
		if t, ok := e.cfg.Team(r.Team); ok && t.Rotation != "" {
			w += " (on call)"
		}
		out = append(out, w)
	}
	return out
}

// routingWhy is the routing decision in one sentence, for the top of the
// routed mail; the full explanation is at its bottom.
func (e *Engine) routingWhy(c *store.Case, dec *router.Decision, now time.Time) string {
	loc := e.cfg.Location()
	var ccTeams []string
	for _, r := range dec.Recipients {
		if r.Field == "cc" && !slices.Contains(ccTeams, humanName(r.Team)) {
			ccTeams = append(ccTeams, humanName(r.Team))
		}
	}
	copied := ""
	if len(ccTeams) > 0 {
		copied = "; " + strings.Join(ccTeams, ", ") + " is copied"
	}
	if dec.Rule == "reassigned" && dec.Explain != "" {
		return "It was " + dec.Explain + "."
	}
	for _, r := range dec.Recipients {
		if r.Field != "to" || r.Via == "" {
			continue
		}
		closed := humanName(r.Via) + " is closed"
		if at, ok := e.rt.OpensAt(r.Via, now); ok {
			closed += " until " + templates.FormatTime(at, now, loc)
		}
		if t, ok := e.cfg.Team(r.Team); ok && t.Rotation != "" {
			return capitalize(closed) + ", so it went to the on-call engineer" + copied + "."
		}
		return capitalize(closed) + ", so it went to " + humanName(r.Team) + copied + "."
	}
	var to []string
	for _, r := range dec.Recipients {
		if r.Field == "to" && !slices.Contains(to, humanName(r.Team)) {
			to = append(to, humanName(r.Team))
		}
	}
	if len(to) == 0 {
		return ""
	}
	if t, ok := e.cfg.Team(firstTeam(*dec)); ok && t.Rotation != "" {
		s := fmt.Sprintf("%s cases go to the on-call engineer", c.Urgency.Title())
		if until, ok := e.rt.ShiftEnd(t.Name, now); ok {
			s += ", on call until " + templates.FormatTime(until, now, loc)
		}
		return s + copied + "."
	}
	if cats := categoryNames(*dec); len(cats) > 0 {
		return fmt.Sprintf("It is a %s case, which goes to %s%s.", humanName(strings.Join(cats, " and ")), strings.Join(to, " and "), copied)
	}
	return fmt.Sprintf("%s %s cases go to %s (rule %s)%s.", c.Urgency.Title(), kindName(c.Kind), strings.Join(to, " and "), dec.Rule, copied)
}

// namesOf names addresses as people: "Alex Rivera (on call)", "Roy
// Henderson", or the address when nobody is named.
func (e *Engine) namesOf(addrs []string, dec *router.Decision) []string {
	var out []string
	for _, a := range addrs {
		name := e.cfg.PersonName(a)
		for _, r := range dec.Recipients {
			if strings.EqualFold(r.Address, a) && name == "" {
				name = r.Name
			}
		}
		if name == "" {
			name = a
		}
		if t, ok := e.cfg.Team(teamOf(dec, a)); ok && t.Rotation != "" {
			name += " (on call)"
		}
		out = append(out, name)
	}
	return out
}

func teamOf(dec *router.Decision, addr string) string {
	for _, r := range dec.Recipients {
		if strings.EqualFold(r.Address, addr) {
			return r.Team
		}
	}
	return ""
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// humanName writes a config name for people: senior_support → senior support.
func humanName(s string) string { return strings.ReplaceAll(s, "_", " ") }

// kindName names the template an escalation came with, for a sentence.
func kindName(k vocab.Kind) string {
	switch k {
	case vocab.KindEngineering:
		return "BUG"
	case vocab.KindSeniorSupport:
		return "senior support"
	case vocab.KindManagement:
		return "management"
	case vocab.KindSecurityReport:
		return "security report"
	}
	return "escalation"
}
