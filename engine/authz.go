package engine

import (
	"slices"
	"strings"
	"time"

	"escalationd/config"
	"escalationd/router"
	"escalationd/store"
	"escalationd/vocab"
)

// actor is who the sender of a reply is to a case. When someone fits
// several, the first in this order counts.
type actor int

const (
	actorOwner      actor = iota // the owning team: its addresses, members, whom it resolves to now, its after-hours team
	actorMailed                  // someone the case's team mail went to (a breach to management, a reassigned team)
	actorIncident                // an incident list the case's incident notice went to
	actorManagement              // a person of a team in authorization.management
	actorAgent                   // the agent who escalated the case
	actorCustomer                // the customer, or someone at the customer's own domain
	actorReporter                // the outside reporter of a security report
	actorInternal                // any other address at the company's domains
	actorOutsider                // anyone else
	actorCount
)

var actorNames = [actorCount]string{"owning team", "people the case was mailed to", "incident list", "management", "escalating agent",
	"customer", "outside reporter", "other internal address", "outsider"}

func (a actor) String() string { return actorNames[a] }

// permission is what one actor may do on one class of case.
type permission struct {
	commands []vocab.Command // the commands they may give (NOTE is a comment: see comment)
	up       bool            // URGENCY only upwards
	comment  bool            // their free text (and NOTE) is recorded on the case
	relay    bool            // their free text is passed on to the other side of the case
	answer   bool            // a refused or useless command gets a command-error answer
}

var (
	allCommands = []vocab.Command{vocab.CmdAck, vocab.CmdResolved, vocab.CmdNote, vocab.CmdUrgency, vocab.CmdReassign, vocab.CmdReopen}
	team        = permission{commands: allCommands, comment: true, relay: true, answer: true}
	// The owning team and the agent may also report the customer's
	// satisfaction (CSAT): the agent confirms the resolution with the
	// customer, and the team may do it for them; nobody else heard the
	// customer.
	owner       = permission{commands: append(slices.Clone(allCommands), vocab.CmdCSAT), comment: true, relay: true, answer: true}
	agent       = permission{commands: []vocab.Command{vocab.CmdNote, vocab.CmdUrgency, vocab.CmdReopen, vocab.CmdCSAT}, up: true, comment: true, relay: true, answer: true}
	commentOnly = permission{comment: true}
	internal    = permission{comment: true, answer: true}
	nobody      = permission{}
)

// authorization is the one table of who may act on a case: per actor, on
// an ordinary case and on a confidential one (security, legal, fraud,
// media). docs/authorization.md is generated from it (TestAuthorizationDoc).
// Only ACK, RESOLVED and REASSIGN acknowledge a case; a reply without a
// command is a comment and never stops the clock.
var authorization = [actorCount][2]permission{
	actorOwner:      {owner, owner},
	actorMailed:     {team, team},
	actorIncident:   {commentOnly, commentOnly},
	actorManagement: {team, team},
	actorAgent:      {agent, agent},
	actorCustomer:   {commentOnly, commentOnly},
	actorReporter:   {commentOnly, commentOnly},
	actorInternal:   {team, internal},
	actorOutsider:   {nobody, nobody},
}

func (a actor) on(c *store.Case) permission {
	if c.Confidential {
		return authorization[a][1]
	}
	return authorization[a][0]
}

// allows reports whether p lets its actor give cmd on a case at urgency
// from (for URGENCY, to).
func (p permission) allows(cmd vocab.Command) bool {
	return slices.Contains(p.commands, cmd) || (cmd == vocab.CmdNote && p.comment)
}

// actorOf says who addr is to the case, from the case's columns: its
// customer side, the people its team mail went to, its teams' addresses
// and members (resolved at now, so the current on-call engineer counts
// too), and the management teams.
func (e *Engine) actorOf(tx *store.Tx, c *store.Case, addr string, now time.Time) (actor, error) {
	if addr == "" {
		return actorOutsider, nil
	}
	for _, name := range e.relatedTeams(append([]string{c.Team}, c.Teams...)) {
		if e.inTeam(name, addr, now) {
			return actorOwner, nil
		}
	}
	mailed, err := tx.CaseRecipients(c.ID, vocab.RoleTeam)
	if err != nil {
		return actorOutsider, err
	}
	if slices.Contains(mailed, addr) && addr != c.Agent && !slices.Contains(c.CustomerSide, addr) {
		return actorMailed, nil
	}
	// An incident list (a channel or status page feed) may add notes; its
	// automatic confirmations must never acknowledge the case.
	incident, err := tx.CaseRecipients(c.ID, vocab.RoleIncident)
	if err != nil {
		return actorOutsider, err
	}
	if slices.Contains(incident, addr) {
		return actorIncident, nil
	}
	for _, name := range e.cfg.Authorization.Management {
		if e.inTeam(name, addr, now) {
			return actorManagement, nil
		}
	}
	switch {
	case addr == c.Agent && !slices.Contains(c.CustomerSide, addr):
		return actorAgent, nil
	case c.Kind == vocab.KindSecurityReport && slices.Contains(c.CustomerSide, addr):
		return actorReporter, nil
	case e.onCustomerSide(c, addr):
		return actorCustomer, nil
	case e.cfg.IsInternal(addr):
		return actorInternal, nil
	}
	return actorOutsider, nil
}

// onCustomerSide reports whether addr is one of the case's customer-side
// addresses or at one of their domains (unless internal or public).
func (e *Engine) onCustomerSide(c *store.Case, addr string) bool {
	for _, a := range c.CustomerSide {
		if strings.EqualFold(a, addr) {
			return true
		}
		d := domainOf(a)
		if d != "" && strings.EqualFold(d, domainOf(addr)) && !e.cfg.IsInternal(a) && !slices.Contains(e.cfg.PublicDomains(), d) {
			return true
		}
	}
	return false
}

// customerSide is the customer side of a new case: the customer's address
// and, for an outside security report, its reporter.
func (e *Engine) customerSide(kind vocab.Kind, customer, sender string) []string {
	var side []string
	if isAddress(customer) {
		side = append(side, strings.ToLower(customer))
	}
	if kind == vocab.KindSecurityReport && sender != "" && !e.cfg.IsInternal(sender) && !slices.Contains(side, sender) {
		side = append(side, sender)
	}
	return side
}

// inTeam reports whether addr is one of a team's addresses, members or its
// lead, or whom the team resolves to at now.
func (e *Engine) inTeam(name, addr string, now time.Time) bool {
	t, ok := e.cfg.Team(name)
	if !ok {
		return false
	}
	// A team's lead acts for the team, like its members.
	if slices.ContainsFunc(append(t.MemberAddresses(), append(t.Addresses, t.Lead)...), func(m string) bool { return m != "" && strings.EqualFold(m, addr) }) {
		return true
	}
	rs, err := e.rt.ResolveTeam(name, now)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(rs, func(r router.Recipient) bool { return strings.EqualFold(r.Address, addr) })
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

// believed reports whether a command or re-escalation from this mail may
// be acted on under senders.require_authentication, and why not.
func (e *Engine) believed(auth string) (bool, string) {
	if e.cfg.Senders.RequireAuthentication == config.RequireNone || auth == "pass" {
		return true, ""
	}
	return false, "not authenticated: the receiving server did not confirm the sender (no aligned dmarc=pass)"
}

func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}
