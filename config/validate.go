package config

import (
	"escalationd/vocab"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
)

// validator collects problems against one config.
type validator struct {
	c        *Config
	problems []error
}

func (v *validator) add(path, format string, args ...any) {
	v.problems = append(v.problems, v.c.Problem(path, format, args...))
}

// validate checks cross-field rules; every problem is reported.
func (c *Config) validate() []error {
	v := &validator{c: c}
	if strings.TrimSpace(c.Database) == "" {
		v.add("database", "missing database: the SQLite file path is required")
	}
	v.mailboxes()
	v.smtp()
	v.teams()
	v.rotations()
	v.categories()
	for i := range c.Routes {
		v.route(&c.Routes[i], fmt.Sprintf("routes[%d]", i), nil)
	}
	v.shadowed(c.Routes, "routes")
	v.sla()
	if c.RateLimits.FloodAlert != "" {
		v.teamRef("rate_limits.flood_alert", c.RateLimits.FloodAlert)
	}
	if c.Limits.MaxMIMEDepth < 0 || c.Limits.MaxParts < 0 {
		v.add("limits", "limits must be positive")
	}
	return v.problems
}

func (v *validator) mailboxes() {
	c := v.c
	if len(c.Mailboxes) == 0 {
		v.add("mailboxes", "no mailboxes: at least one mailbox to watch is required")
	}
	names := map[string]bool{}
	addrs := map[string]bool{}
	for i, m := range c.Mailboxes {
		p := fmt.Sprintf("mailboxes[%d]", i)
		switch {
		case m.Name == "":
			v.add(p, "missing name")
		case names[m.Name]:
			v.add(p+".name", "duplicate mailbox name %q", m.Name)
		}
		names[m.Name] = true
		if m.Address == "" {
			v.add(p, "missing address (the mailbox's own e-mail address, used for Reply-To and loop detection)")
		} else if !validAddress(m.Address) {
			v.add(p+".address", "invalid address %q", m.Address)
		} else if addrs[m.Address] {
			v.add(p+".address", "address %q is watched twice", m.Address)
		}
		addrs[m.Address] = true
		if m.Host == "" {
			v.add(p, "missing host")
		}
		if m.Port < 1 || m.Port > 65535 {
			v.add(p+".port", "port %d out of range", m.Port)
		}
		v.tlsMode(p+".tls", m.TLS)
		v.caFile(p+".tls_ca_file", m.TLSCAFile)
		if m.Username == "" {
			v.add(p, "missing username")
		}
		if m.Kind != MailboxEscalations && m.Kind != MailboxSecurity {
			v.add(p+".kind", "kind must be %s or %s; got %q", MailboxEscalations, MailboxSecurity, m.Kind)
		}
		if m.PollInterval.D() < time.Second {
			v.add(p+".poll_interval", "poll_interval must be at least 1s")
		}
		if m.ProcessedFolder == m.Folder || m.RejectedFolder == m.Folder {
			v.add(p, "processed_folder and rejected_folder must differ from folder %q", m.Folder)
		}
	}
}

func (v *validator) tlsMode(path, mode string) {
	if mode != TLSImplicit && mode != TLSStartTLS && mode != TLSNone {
		v.add(path, "tls must be implicit, starttls or none; got %q", mode)
	}
}

// caFile checks that a CA bundle can be read and holds certificates.
func (v *validator) caFile(path, file string) {
	if file == "" {
		return
	}
	if _, err := ClientTLS("", false, file); err != nil {
		v.add(path, "%v", err)
	}
}

func (v *validator) smtp() {
	s := v.c.SMTP
	if s.Host == "" {
		v.add("smtp", "missing smtp.host")
	}
	if s.Port < 1 || s.Port > 65535 {
		v.add("smtp.port", "port %d out of range", s.Port)
	}
	v.tlsMode("smtp.tls", s.TLS)
	v.caFile("smtp.tls_ca_file", s.TLSCAFile)
	if s.From == "" {
		v.add("smtp", "missing smtp.from")
	} else if _, err := mail.ParseAddress(s.From); err != nil {
		v.add("smtp.from", "invalid from %q: %v", s.From, err)
	}
	if v.c.Gateway.Domain == "" {
		v.add("gateway.domain", "missing gateway.domain (and smtp.from has no domain)")
	}
}

func (v *validator) teams() {
	c := v.c
	names := map[string]bool{}
	rotations := map[string]bool{}
	for _, r := range c.Rotations {
		rotations[r.Name] = true
	}
	for i, t := range c.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		if t.Name == "" {
			v.add(p, "missing name")
		} else if names[t.Name] {
			v.add(p+".name", "duplicate team name %q", t.Name)
		}
		names[t.Name] = true
		if len(t.Addresses) == 0 && t.Rotation == "" {
			v.add(p, "team %q has no addresses and no rotation", t.Name)
		}
		if len(t.Addresses) > 0 && t.Rotation != "" {
			v.add(p, "team %q sets both addresses and rotation; choose one", t.Name)
		}
		for j, a := range t.Addresses {
			v.recipient(fmt.Sprintf("%s.addresses[%d]", p, j), a)
		}
		for j, a := range t.Members {
			if !validAddress(a) {
				v.add(fmt.Sprintf("%s.members[%d]", p, j), "invalid address %q", a)
			}
		}
		if t.Rotation != "" && !rotations[t.Rotation] {
			v.add(p+".rotation", "unknown rotation %q", t.Rotation)
		}
		if t.Hours != nil {
			v.hours(p+".hours", *t.Hours)
			if t.AfterHours == "" {
				v.add(p+".hours", "team %q has hours but no after_hours team", t.Name)
			}
		}
		if t.AfterHours != "" {
			if t.Hours == nil {
				v.add(p+".after_hours", "after_hours needs hours")
			}
			if t.AfterHours == t.Name {
				v.add(p+".after_hours", "after_hours cannot name the team itself")
			} else {
				v.teamRef(p+".after_hours", t.AfterHours)
			}
		}
	}
	v.afterHoursCycles()
}

// afterHoursCycles reports a chain of after_hours teams that comes back to
// where it started: outside everyone's hours nobody would be reached. Each
// cycle is reported once, at its first team in file order.
func (v *validator) afterHoursCycles() {
	index := map[string]int{}
	for i, t := range v.c.Teams {
		if _, dup := index[t.Name]; !dup {
			index[t.Name] = i
		}
	}
	reported := map[string]bool{}
	for i, t := range v.c.Teams {
		chain := []string{t.Name}
		for cur := t; cur.Hours != nil && cur.AfterHours != "" && cur.AfterHours != cur.Name; {
			j, ok := index[cur.AfterHours]
			if !ok {
				break
			}
			next := v.c.Teams[j]
			if k := slices.Index(chain, next.Name); k >= 0 {
				if k == 0 && !reported[t.Name] {
					for _, n := range chain {
						reported[n] = true
					}
					v.add(fmt.Sprintf("teams[%d].after_hours", i), "after_hours cycle %s > %s: when all of them are outside their hours nobody is reached",
						strings.Join(chain, " > "), next.Name)
				}
				break
			}
			chain = append(chain, next.Name)
			cur = next
		}
	}
}

// recipient checks an address mail may be routed to: valid, and not one of
// the gateway's watched mailboxes (a mail loop).
func (v *validator) recipient(path, addr string) {
	if !validAddress(addr) {
		v.add(path, "invalid address %q", addr)
		return
	}
	if slices.Contains(v.c.WatchedAddresses(), strings.ToLower(addr)) {
		v.add(path, "address %q is a mailbox the gateway watches: routing to it would loop", addr)
	}
}

func (v *validator) teamRef(path, name string) {
	if _, ok := v.c.Team(name); !ok {
		v.add(path, "unknown team %q", name)
	}
}

func (v *validator) hours(path string, h Hours) {
	if _, err := loadZone(h.Timezone); err != nil {
		v.add(path+".timezone", "%v", err)
	}
	if _, err := ParseDays(h.Days); err != nil {
		v.add(path+".days", "%v", err)
	}
	start, err1 := ParseClock(h.Start)
	end, err2 := ParseClock(h.End)
	if err1 != nil {
		v.add(path+".start", "%v", err1)
	}
	if err2 != nil {
		v.add(path+".end", "%v", err2)
	}
	if err1 == nil && err2 == nil && end <= start {
		v.add(path, "end %s must be after start %s", h.End, h.Start)
	}
}

func (v *validator) categories() {
	names := map[string]bool{}
	for i, cat := range v.c.Categories {
		p := fmt.Sprintf("categories[%d]", i)
		if cat.Name == "" {
			v.add(p, "missing name")
		} else if names[cat.Name] {
			v.add(p+".name", "duplicate category %q", cat.Name)
		}
		names[cat.Name] = true
		for j, m := range cat.Mailboxes {
			if _, ok := v.c.Mailbox(m); !ok {
				v.add(fmt.Sprintf("%s.mailboxes[%d]", p, j), "unknown mailbox %q", m)
			}
		}
		v.oneOf(p+".kinds", cat.Kinds, vocab.KindNames())
		v.oneOf(p+".issue_types", cat.IssueTypes, vocab.IssueTypeNames())
		v.keywords(p+".keywords", cat.Keywords)
		if len(cat.Mailboxes)+len(cat.Kinds)+len(cat.IssueTypes)+len(cat.Keywords) == 0 {
			v.add(p, "category %q can never be detected: give mailboxes, kinds, issue_types or keywords", cat.Name)
		}
	}
}

func (v *validator) oneOf(path string, got, allowed []string) {
	for j, g := range got {
		if !slices.Contains(allowed, g) {
			v.add(fmt.Sprintf("%s[%d]", path, j), "%q is not one of %s", g, strings.Join(allowed, ", "))
		}
	}
}

// keywords must each contain a word: matching is on runs of letters and
// digits, so "!!!" or "" would never match.
func (v *validator) keywords(path string, kws []string) {
	for j, k := range kws {
		if !strings.ContainsFunc(k, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			v.add(fmt.Sprintf("%s[%d]", path, j), "keyword %q has no letters or digits: it would never match", k)
		}
	}
}

// route checks one route and its children. outer holds, per single-valued
// matcher (kind, urgency, mailbox, issue_type), the values the ancestors
// let through; a child that asks for none of them can never match.
func (v *validator) route(r *Route, p string, outer map[string][]string) {
	m := r.Match
	v.oneOf(p+".match.kind", m.Kind, vocab.KindNames())
	v.oneOf(p+".match.urgency", m.Urgency, vocab.UrgencyNames())
	v.oneOf(p+".match.issue_type", m.IssueType, vocab.IssueTypeNames())
	for j, mb := range m.Mailbox {
		if _, ok := v.c.Mailbox(mb); !ok {
			v.add(fmt.Sprintf("%s.match.mailbox[%d]", p, j), "unknown mailbox %q", mb)
		}
	}
	for j, cat := range m.Category {
		if !slices.ContainsFunc(v.c.Categories, func(c Category) bool { return c.Name == cat }) {
			v.add(fmt.Sprintf("%s.match.category[%d]", p, j), "unknown category %q", cat)
		}
	}
	for j, s := range m.Sender {
		domain, isDomain := strings.CutPrefix(s, "@")
		if isDomain && (domain == "" || strings.ContainsAny(domain, "@ ") || strings.HasPrefix(domain, ".")) || !isDomain && !validAddress(s) {
			v.add(fmt.Sprintf("%s.match.sender[%d]", p, j), "sender %q must be an address or @domain", s)
		}
	}
	v.keywords(p+".match.keywords", m.Keywords)
	inner := map[string][]string{}
	for _, f := range m.exclusive() {
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
				v.add(p+".match."+f.key, "route %q can never match: its parent routes only let through %s %s", r.Name, f.key, strings.Join(allowed, ", "))
				both = lowerAll(f.values) // judge its children by its own matchers, not again
			}
			inner[f.key] = both
		}
	}
	for _, f := range []matchField{{"to", r.To}, {"cc", r.Cc}, {"incident", r.Incident}} {
		for j, t := range f.values {
			v.teamRef(fmt.Sprintf("%s.%s[%d]", p, f.key, j), t)
		}
	}
	if len(r.To)+len(r.Cc)+len(r.Incident)+len(r.Routes) == 0 && !r.Flags.any() && len(r.Notes)+len(r.Actions) == 0 {
		v.add(p, "route %q does nothing: give to, cc, incident, flags, notes or child routes", r.Name)
	}
	for i := range r.Routes {
		v.route(&r.Routes[i], fmt.Sprintf("%s.routes[%d]", p, i), inner)
	}
	v.shadowed(r.Routes, p+".routes")
}

// shadowed reports sibling routes that can never be reached: an earlier
// sibling that does not continue either matches everything or has exactly
// the same matchers (whatever their order). A matching route always stops
// its siblings, even when its own children all miss, so that is enough.
func (v *validator) shadowed(routes []Route, p string) {
	reported := map[int]bool{}
	for i, r := range routes {
		if r.Continue || reported[i] {
			continue
		}
		if r.Match.empty() {
			for j := i + 1; j < len(routes); j++ {
				if !reported[j] {
					v.add(fmt.Sprintf("%s[%d]", p, j), "route %q is unreachable: route %q before it matches everything and does not continue", routes[j].Name, r.Name)
				}
			}
			return
		}
		key := r.Match.key()
		for j := i + 1; j < len(routes); j++ {
			if !reported[j] && routes[j].Match.key() == key {
				reported[j] = true
				v.add(fmt.Sprintf("%s[%d]", p, j), "route %q is unreachable: route %q before it has the same matchers and does not continue", routes[j].Name, r.Name)
			}
		}
	}
}

func (m Match) empty() bool {
	return len(m.Kind)+len(m.Urgency)+len(m.Mailbox)+len(m.IssueType)+len(m.Category)+len(m.Sender)+len(m.Keywords) == 0
}

type matchField struct {
	key    string
	values []string
}

// exclusive are the matchers on a value a case has exactly one of.
func (m Match) exclusive() []matchField {
	return []matchField{{"kind", m.Kind}, {"urgency", m.Urgency}, {"mailbox", m.Mailbox}, {"issue_type", m.IssueType}}
}

// key is the matchers in a canonical form: two routes with equal keys
// match the same cases. Values are compared the way the router compares
// them: case-insensitively, keywords by their words.
func (m Match) key() string {
	var b strings.Builder
	for _, f := range append(m.exclusive(), matchField{"category", m.Category}, matchField{"sender", m.Sender}, matchField{"keywords", m.Keywords}) {
		vals := lowerAll(f.values)
		if f.key == "keywords" {
			for i, k := range vals {
				vals[i] = strings.Join(strings.FieldsFunc(k, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
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

func (f Flags) any() bool { return f.Confidential || f.ApprovalRequired || f.SuspendAccount }

func (v *validator) sla() {
	for name, u := range v.c.SLA.Urgencies {
		p := "sla.urgencies." + string(name)
		if !name.Valid() {
			v.add(p, "unknown urgency %q (use %s)", name, strings.Join(vocab.UrgencyNames(), ", "))
			continue
		}
		if u.Response.D() <= 0 {
			v.add(p+".response", "response must be positive")
		}
		for j, t := range u.Chain {
			v.teamRef(fmt.Sprintf("%s.chain[%d]", p, j), t)
		}
	}
	if c := v.c.SLA.CustomerUpdates; c != "agent" && c != "customer" {
		v.add("sla.customer_updates", "customer_updates must be agent or customer; got %q", c)
	}
	if v.c.SLA.TopReminders < 0 {
		v.add("sla.top_reminders", "top_reminders must not be negative")
	}
	if q := v.c.SLA.StatusCheckHours; q != nil {
		v.hours("sla.status_check_hours", *q)
	}
}

func validAddress(a string) bool {
	p, err := mail.ParseAddress(a)
	return err == nil && p.Name == "" && strings.Contains(p.Address, "@")
}
