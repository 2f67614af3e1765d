package router

import (
	"fmt"
	"slices"
	"strings"

	"escalationd/config"
)

// checker collects Compile's problems, each at its key's file and line.
type checker struct {
	cfg  *config.Config
	errs []error
}

func (c *checker) fail(path, format string, args ...any) {
	c.errs = append(c.errs, c.cfg.Problem(path, format, args...))
}

func (c *checker) teamRef(r *Router, path, name string) {
	if r.teams[name] == nil {
		c.fail(path, "unknown team %q", name)
	}
}

// chain checks the entries of a breach chain: team names, or "lead:<team>"
// for a team that names its lead.
func (c *checker) chain(r *Router, path string, entries []string) {
	for j, e := range entries {
		p := fmt.Sprintf("%s[%d]", path, j)
		name, isLead := strings.CutPrefix(e, LeadPrefix)
		t := r.teams[name]
		switch {
		case t == nil:
			c.fail(p, "unknown team %q", name)
		case isLead && t.lead == "":
			c.fail(p, "team %q names no lead: give it lead: <address>", name)
		}
	}
}

// keywords must each contain a word: matching is on runs of letters and
// digits (splitWords), so "!!!" or "" would never match.
func (c *checker) keywords(path string, kws []string) {
	for j, k := range kws {
		if len(splitWords(k)) == 0 {
			c.fail(fmt.Sprintf("%s[%d]", path, j), "keyword %q has no letters or digits: it would never match", k)
		}
	}
}

// afterHoursCycles reports a chain of after_hours teams that comes back to
// where it started: outside everyone's hours nobody would be reached. Each
// cycle is reported once, at its first team in file order.
func (c *checker) afterHoursCycles(teams []config.Team) {
	index := map[string]int{}
	for i, t := range teams {
		if _, dup := index[t.Name]; !dup {
			index[t.Name] = i
		}
	}
	reported := map[string]bool{}
	for i, t := range teams {
		chain := []string{t.Name}
		for cur := t; cur.Hours != nil && cur.AfterHours != "" && cur.AfterHours != cur.Name; {
			j, ok := index[cur.AfterHours]
			if !ok {
				break
			}
			next := teams[j]
			if k := slices.Index(chain, next.Name); k >= 0 {
				if k == 0 && !reported[t.Name] {
					for _, n := range chain {
						reported[n] = true
					}
					c.fail(fmt.Sprintf("teams[%d].after_hours", i), "after_hours cycle %s > %s: when all of them are outside their hours nobody is reached",
						strings.Join(chain, " > "), next.Name)
				}
				break
			}
			chain = append(chain, next.Name)
			cur = next
		}
	}
}

// narrowed returns, per single-valued matcher (kind, urgency, mailbox,
// issue_type), the values a route at path lets through to its children,
// given outer, what its ancestors let through. A route that asks for none
// of those can never match; it is reported, and its children are judged by
// its own matchers, not again.
func (c *checker) narrowed(rc config.Route, path string, outer map[string][]string) map[string][]string {
	inner := map[string][]string{}
	for _, f := range exclusive(rc.Match) {
		allowed, constrained := outer[f.key]
		switch {
		case len(f.values) == 0:
			if constrained {
				inner[f.key] = allowed
			}
		case !constrained:
			inner[f.key] = lowerAll(f.values)
		default:
			both := slices.DeleteFunc(lowerAll(f.values), func(x string) bool { return !slices.Contains(allowed, x) })
			if len(both) == 0 {
				c.fail(path+".match."+f.key, "route %q can never match: its parent routes only let through %s %s", rc.Name, f.key, strings.Join(allowed, ", "))
				both = lowerAll(f.values)
			}
			inner[f.key] = both
		}
	}
	return inner
}

// shadowed reports sibling routes that can never be reached: an earlier
// sibling that does not continue either matches everything or has exactly
// the same matchers (whatever their order). A matching route always stops
// its siblings, even when its own children all miss, so that is enough.
func (c *checker) shadowed(routes []config.Route, p string) {
	reported := map[int]bool{}
	for i, r := range routes {
		if r.Continue || reported[i] {
			continue
		}
		key := matchKey(r.Match)
		if key == matchKey(config.Match{}) {
			for j := i + 1; j < len(routes); j++ {
				if !reported[j] {
					c.fail(fmt.Sprintf("%s[%d]", p, j), "route %q is unreachable: route %q before it matches everything and does not continue", routes[j].Name, r.Name)
				}
			}
			return
		}
		for j := i + 1; j < len(routes); j++ {
			if !reported[j] && matchKey(routes[j].Match) == key {
				reported[j] = true
				c.fail(fmt.Sprintf("%s[%d]", p, j), "route %q is unreachable: route %q before it has the same matchers and does not continue", routes[j].Name, r.Name)
			}
		}
	}
}

type matchField struct {
	key    string
	values []string
}

// exclusive are the matchers on a value a case has exactly one of.
func exclusive(m config.Match) []matchField {
	return []matchField{{"kind", m.Kind}, {"urgency", m.Urgency}, {"mailbox", m.Mailbox}, {"issue_type", m.IssueType}}
}

// matchKey is the matchers in a canonical form: two routes with equal keys
// match the same cases. Values are compared the way Route compares them:
// case-insensitively, keywords by their words.
func matchKey(m config.Match) string {
	var b strings.Builder
	for _, f := range append(exclusive(m), matchField{"category", m.Category}, matchField{"sender", m.Sender}, matchField{"keywords", m.Keywords}) {
		vals := lowerAll(f.values)
		if f.key == "keywords" {
			for i, k := range vals {
				vals[i] = strings.Join(splitWords(k), " ")
			}
		}
		slices.Sort(vals)
		fmt.Fprintf(&b, "%s=%q;", f.key, slices.Compact(vals))
	}
	return b.String()
}

func lowerAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}
