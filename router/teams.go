package router

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// LeadPrefix marks a breach chain entry that reaches a team's lead (the
// team's `lead:` address) rather than the team: "lead:senior_support".
const LeadPrefix = "lead:"

// ResolveTeam returns the addresses team stands for at now, following
// after_hours and rotations, each with why. The SLA engine uses it for
// breach escalation and REASSIGN <team>. Field is "to". A breach chain
// entry "lead:<team>" resolves to the team's lead, at all hours.
func (r *Router) ResolveTeam(team string, now time.Time) ([]Recipient, error) {
	if name, ok := strings.CutPrefix(team, LeadPrefix); ok {
		t := r.teams[name]
		if t == nil || t.lead == "" {
			return nil, fmt.Errorf("team %q names no lead", name)
		}
		return []Recipient{{Address: t.lead, Team: name, Field: "to", Why: "lead of team " + name}}, nil
	}
	if r.teams[team] == nil {
		return nil, fmt.Errorf("unknown team %q", team)
	}
	return r.resolve(team, now, "to"), nil
}

// resolve expands a team known to exist (Compile checked every reference
// and that after_hours chains end).
func (r *Router) resolve(name string, now time.Time, field string) []Recipient {
	var why string
	t := r.teams[name]
	for t.hours != nil {
		local := now.In(t.hours.Location()).Format("Mon 15:04 MST")
		if t.hours.Holiday(now) {
			local += " (a holiday)"
		}
		if t.hours.In(now) {
			why = join(why, fmt.Sprintf("%s is in its hours (%s) at %s", t.name, t.hours, local))
			break
		}
		why = join(why, fmt.Sprintf("%s is outside its hours (%s) at %s: routed to %s", t.name, t.hours, local, t.afterHours))
		t = r.teams[t.afterHours]
	}
	if t.rotation != nil {
		s := t.rotation.Shift(now)
		w := fmt.Sprintf("on call in %s until %s", t.rotation.Name(), s.Until.Format(time.RFC3339))
		if s.Override {
			w = fmt.Sprintf("on call in %s (override", t.rotation.Name())
			if s.Reason != "" {
				w += ": " + s.Reason
			}
			w += fmt.Sprintf(") until %s", s.Until.Format(time.RFC3339))
		}
		return []Recipient{{Address: strings.ToLower(s.Address), Name: s.Name, Team: t.name, Field: field, Why: join(why, w), Via: via(name, t.name)}}
	}
	if why == "" {
		why = "team " + t.name
	}
	out := make([]Recipient, 0, len(t.addresses))
	for _, a := range t.addresses {
		out = append(out, Recipient{Address: a, Team: t.name, Field: field, Why: why, Via: via(name, t.name)})
	}
	return out
}

func via(named, resolved string) string {
	if named == resolved {
		return ""
	}
	return named
}

// OpensAt is when a team with hours that is closed at now opens (the start
// of its next working period); ok is false for a team without hours or
// one that is open.
func (r *Router) OpensAt(team string, now time.Time) (time.Time, bool) {
	t := r.teams[team]
	if t == nil || t.hours == nil || t.hours.In(now) {
		return time.Time{}, false
	}
	return t.hours.NextIn(now), true
}

// ShiftEnd is when the person a team resolves to at now hands over to the
// next one: the end of the current on-call shift when the team (after its
// hours) is a rotation; ok is false otherwise.
func (r *Router) ShiftEnd(team string, now time.Time) (time.Time, bool) {
	t := r.teams[team]
	for t != nil && t.hours != nil && !t.hours.In(now) {
		t = r.teams[t.afterHours]
	}
	if t == nil || t.rotation == nil {
		return time.Time{}, false
	}
	return t.rotation.Shift(now).Until, true
}

// AfterHoursOf reports whether team's after_hours chain reaches other
// (engineering closes to oncall: AfterHoursOf("engineering", "oncall")).
func (r *Router) AfterHoursOf(team, other string) bool {
	seen := map[string]bool{}
	for t := r.teams[team]; t != nil && t.afterHours != "" && !seen[t.name]; t = r.teams[t.afterHours] {
		seen[t.name] = true
		if t.afterHours == other {
			return true
		}
	}
	return false
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// TeamFlags are the flags a case takes on when it is handed to team: those
// of the categories a route sends to that team (a case reassigned to the
// fraud team is confidential like a fraud case), and of those routes.
func (r *Router) TeamFlags(team string) Flags {
	var f Flags
	var walk func(rs []*route)
	walk = func(rs []*route) {
		for _, rt := range rs {
			if slices.Contains(rt.to, team) {
				f = f.or(rt.flags)
				for _, name := range rt.categories {
					for _, c := range r.categories {
						if c.name == name {
							f = f.or(c.flags)
						}
					}
				}
			}
			walk(rt.children)
		}
	}
	walk(r.routes)
	return f
}

// TeamChain is the breach chain a case takes on when it is handed to team:
// that of the first route (or its nearest ancestor) that sends cases to
// the team and sets a chain (REASSIGN engineering climbs to engineering's
// lead). ok is false when no such route sets one: the case keeps its own.
func (r *Router) TeamChain(team string) (chain []string, top *int, ok bool) {
	var walk func(rs []*route, inherited *route) *route
	walk = func(rs []*route, inherited *route) *route {
		for _, rt := range rs {
			from := inherited
			if rt.esc.set() {
				from = rt
			}
			if from != nil && slices.Contains(rt.to, team) {
				return from
			}
			if got := walk(rt.children, from); got != nil {
				return got
			}
		}
		return nil
	}
	if rt := walk(r.routes, nil); rt != nil {
		return rt.esc.chain, rt.esc.top, true
	}
	return nil, nil, false
}

// Open reports whether a team with hours is in them at now (false for a
// team without hours: it never opens or closes).
func (r *Router) Open(team string, now time.Time) bool {
	t := r.teams[team]
	return t != nil && t.hours != nil && t.hours.In(now)
}

// Calendar is the time zone and working days a team's daily mail follows:
// its own hours', else those of the first team with hours (the company's),
// else UTC and Monday to Friday.
func (r *Router) Calendar(team string) (*time.Location, [7]bool) {
	weekdays := [7]bool{false, true, true, true, true, true, false}
	if t := r.teams[team]; t != nil && t.hours != nil {
		return t.hours.Location(), t.hours.Days()
	}
	for _, name := range r.teamNames {
		if t := r.teams[name]; t.hours != nil {
			return t.hours.Location(), weekdays
		}
	}
	return time.UTC, weekdays
}
