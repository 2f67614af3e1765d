package router

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// input is an Input prepared once per Route call: lowercased, keywords
// found, categories detected.
type input struct {
	kind, urgency, mailbox, issueType, sender string
	found                                     []uint8 // per phrase id: notFound, inSubject, inText
	cats                                      map[string]bool
}

// hit is one contributing route with its ancestors, outermost first.
type hit struct {
	chain    []*route
	fallback bool // a parent whose children all missed
}

// Route decides where a case goes at now. It does no I/O, reads no clock
// and cannot fail: every name was resolved by Compile. A case no route
// matches gets an empty To, which Explain says.
func (r *Router) Route(in Input, now time.Time) Decision {
	p := &input{
		kind: lower(string(in.Kind)), urgency: lower(string(in.Urgency)), mailbox: lower(in.Mailbox),
		issueType: lower(string(in.IssueType)), sender: lower(in.Sender),
		found: r.phrases.scan(in.Subject, in.Text),
		cats:  map[string]bool{},
	}
	d := Decision{To: []string{}, Cc: []string{}, Teams: []string{}, Categories: []Category{}, Notes: []string{}, Actions: []string{}}
	var notes []string
	var esc escalation
	for _, c := range r.categories {
		if x := r.excludedBy(c, p); x != "" {
			d.Excluded = append(d.Excluded, Category{Name: c.name, Evidence: []string{x}})
		}
		ev := r.detect(c, p)
		if len(ev) == 0 {
			continue
		}
		p.cats[c.name] = true
		if !esc.set() && c.esc.set() {
			esc, d.ChainFrom = c.esc, "category "+c.name
		}
		d.Categories = append(d.Categories, Category{Name: c.name, Evidence: ev})
		d.Flags = d.Flags.or(c.flags)
		notes = append(notes, c.notes...)
	}

	var hits []hit
	r.walk(r.routes, p, nil, &hits)
	if rt := chainRoute(hits); rt != nil {
		esc, d.ChainFrom = rt.esc, "route "+rt.path
	}
	d.Chain = esc.chain
	if esc.top != nil {
		top := *esc.top
		d.TopReminders = &top
	}
	var to, cc, incident []Recipient
	var rules []string
	for _, h := range hits {
		rt := h.chain[len(h.chain)-1]
		rules = append(rules, rt.path)
		for _, t := range rt.to {
			to = append(to, r.resolve(t, now, "to")...)
		}
		for _, t := range rt.cc {
			cc = append(cc, r.resolve(t, now, "cc")...)
		}
		for _, t := range rt.incident {
			incident = append(incident, r.resolve(t, now, "incident")...)
		}
		d.Flags = d.Flags.or(rt.flags)
		notes = append(notes, rt.notes...)
		d.Actions = append(d.Actions, rt.actions...)
	}
	d.Rule = strings.Join(rules, ", ")
	d.Notes = dedupe(notes)
	d.Actions = dedupe(d.Actions)

	// To wins over Cc; the incident notice is a separate mail.
	inTo := map[string]bool{}
	for _, rc := range to {
		if !inTo[rc.Address] {
			inTo[rc.Address] = true
			d.To = append(d.To, rc.Address)
			d.Recipients = append(d.Recipients, rc)
		}
	}
	inCc := map[string]bool{}
	for _, rc := range cc {
		if !inTo[rc.Address] && !inCc[rc.Address] {
			inCc[rc.Address] = true
			d.Cc = append(d.Cc, rc.Address)
			d.Recipients = append(d.Recipients, rc)
		}
	}
	// Incident notices are for service-affecting outages and their list is
	// wide: a confidential case's summary never goes there.
	if d.Flags.Confidential && len(incident) > 0 {
		incident, d.IncidentWithheld = nil, true
	}
	inIncident := map[string]bool{}
	for _, rc := range incident {
		if !inIncident[rc.Address] {
			inIncident[rc.Address] = true
			d.Incident = append(d.Incident, rc.Address)
			d.Recipients = append(d.Recipients, rc)
		}
	}
	for _, rc := range d.Recipients {
		if rc.Field != "incident" && !slices.Contains(d.Teams, rc.Team) {
			d.Teams = append(d.Teams, rc.Team)
		}
	}
	d.Explain = r.explain(&d, hits, p)
	return d
}

// chainRoute is the route whose breach chain a case takes: the deepest
// route that sets one on the paths of the contributing routes (a child's
// chain wins over its parent's), the first at equal depth; nil when none
// does and the categories' or the urgency's chain applies.
func chainRoute(hits []hit) *route {
	var best *route
	depth := -1
	for _, h := range hits {
		for i := len(h.chain) - 1; i > depth; i-- {
			if h.chain[i].esc.set() {
				best, depth = h.chain[i], i
				break
			}
		}
	}
	return best
}

// walk is Alertmanager's depth-first match over siblings: a matching route
// hands over to its children, contributes itself only when none of them
// matched, and stops its siblings unless it continues. It reports whether
// any route matched.
func (r *Router) walk(routes []*route, p *input, ancestors []*route, out *[]hit) bool {
	matched := false
	for _, rt := range routes {
		if !rt.match(p) {
			continue
		}
		matched = true
		chain := append(ancestors[:len(ancestors):len(ancestors)], rt)
		if !r.walk(rt.children, p, chain, out) {
			*out = append(*out, hit{chain: chain, fallback: len(rt.children) > 0})
		}
		if !rt.cont {
			break
		}
	}
	return matched
}

func (rt *route) match(p *input) bool {
	switch {
	case rt.kinds != nil && !rt.kinds[p.kind],
		rt.urgencies != nil && !rt.urgencies[p.urgency],
		rt.mailboxes != nil && !rt.mailboxes[p.mailbox],
		rt.issueTypes != nil && !rt.issueTypes[p.issueType],
		len(rt.categories) > 0 && !slices.ContainsFunc(rt.categories, func(c string) bool { return p.cats[c] }),
		len(rt.senders) > 0 && !slices.ContainsFunc(rt.senders, p.senderIs),
		len(rt.keywords) > 0 && !slices.ContainsFunc(rt.keywords, func(id int) bool { return p.found[id] != notFound }):
		return false
	}
	return true
}

// senderIs matches an exact address or "@domain", which also covers its
// subdomains: "@example.com" matches a@example.com and a@eu.example.com.
func (p *input) senderIs(pattern string) bool {
	if domain, ok := strings.CutPrefix(pattern, "@"); ok {
		_, d, ok := strings.Cut(p.sender, "@")
		return ok && (d == domain || strings.HasSuffix(d, "."+domain))
	}
	return p.sender == pattern
}

// detect returns why c applies to the case, nothing when it does not.
func (r *Router) detect(c *category, p *input) []string {
	var ev []string
	if c.mailboxes[p.mailbox] {
		ev = append(ev, "mailbox "+p.mailbox)
	}
	if c.kinds[p.kind] {
		ev = append(ev, "kind "+p.kind)
	}
	if c.issueTypes[p.issueType] {
		ev = append(ev, "issue type "+p.issueType)
	}
	for _, id := range c.exclude {
		if p.found[id]&c.fields != notFound {
			return ev // an excluding phrase: the keywords say nothing
		}
	}
	for _, id := range c.keywords {
		if w := p.found[id] & c.fields; w != notFound {
			ev = append(ev, r.keywordEvidence(id, w))
		}
	}
	return ev
}

// excludedBy is the excluding phrase that held c's keywords back, "" when
// none did (or none of them was found anyway).
func (r *Router) excludedBy(c *category, p *input) string {
	hit := slices.ContainsFunc(c.keywords, func(id int) bool { return p.found[id]&c.fields != notFound })
	for _, id := range c.exclude {
		if w := p.found[id] & c.fields; hit && w != notFound {
			return r.keywordEvidence(id, w)
		}
	}
	return ""
}

func (r *Router) keywordEvidence(id int, where uint8) string {
	place := "text"
	if where&inSubject != 0 {
		place = "subject"
	}
	return fmt.Sprintf("keyword %q in %s", r.phrases.list[id].keyword, place)
}

func (f Flags) or(g Flags) Flags {
	return Flags{
		Confidential:     f.Confidential || g.Confidential,
		ApprovalRequired: f.ApprovalRequired || g.ApprovalRequired,
		SuspendAccount:   f.SuspendAccount || g.SuspendAccount,
	}
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func dedupe(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
