package engine

import (
	"slices"
	"strings"
	"time"

	"escalationd/router"
	"escalationd/store"
	"escalationd/vocab"
)

// role is who the sender of a reply is to the case.
type role int

const (
	roleOutsider role = iota // anyone else: recorded, changes nothing
	roleTeam                 // a recipient of the case's team mail, or a member of its teams
	roleAgent                // the escalating agent
)

// roleOf says who the actor is to the case, from the case's columns: the
// people its team mail went to, and its teams' addresses and members
// (resolved at now, so the current on-call engineer counts too).
func (e *Engine) roleOf(tx *store.Tx, c *store.Case, actor string, now time.Time) (role, error) {
	if actor == "" {
		return roleOutsider, nil
	}
	mailed, err := tx.CaseRecipients(c.ID, vocab.RoleTeam)
	if err != nil {
		return roleOutsider, err
	}
	if slices.Contains(mailed, actor) && actor != c.Agent {
		return roleTeam, nil
	}
	for _, name := range e.relatedTeams(append([]string{c.Team}, c.Teams...)) {
		if e.inTeam(name, actor, now) {
			return roleTeam, nil
		}
	}
	if actor == c.Agent {
		return roleAgent, nil
	}
	return roleOutsider, nil
}

// inTeam reports whether actor is one of a team's addresses or members, or
// whom the team resolves to at now.
func (e *Engine) inTeam(name, actor string, now time.Time) bool {
	t, ok := e.cfg.Team(name)
	if !ok {
		return false
	}
	for _, m := range append(slices.Clone(t.Members), t.Addresses...) {
		if strings.EqualFold(m, actor) {
			return true
		}
	}
	rs, err := e.rt.ResolveTeam(name, now)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(rs, func(r router.Recipient) bool { return strings.EqualFold(r.Address, actor) })
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
