package config

import (
	"escalationd/vocab"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
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
	v.oneNamePerPerson()
	v.categories()
	for i := range c.Routes {
		v.route(&c.Routes[i], fmt.Sprintf("routes[%d]", i))
	}
	v.sla()
	v.authorization()
	v.durations()
	v.http()
	v.sizes()
	if c.Limits.MaxMIMEDepth < 0 || c.Limits.MaxParts < 0 {
		v.add("limits", "limits must be positive")
	}
	return v.problems
}

// authorization checks who may act: the authentication requirement and
// the management teams.
func (v *validator) authorization() {
	v.oneOf("senders.require_authentication", []string{v.c.Senders.RequireAuthentication},
		[]string{RequireCommands, RequireAll, RequireNone})
	if v.c.Senders.RequireAuthentication != RequireNone && len(v.c.Senders.TrustedAuthservIDs) == 0 {
		v.add("senders.require_authentication", "require_authentication %q needs senders.trusted_authserv_ids: without a trusted Authentication-Results header no sender is ever authenticated",
			v.c.Senders.RequireAuthentication)
	}
	for i, t := range v.c.Authorization.Management {
		if _, ok := v.c.Team(t); !ok {
			v.add(fmt.Sprintf("authorization.management[%d]", i), "unknown team %q", t)
		}
	}
	v.reviews()
	r := v.c.RateLimits
	if r.CasesPerSender < 0 || r.CasesPerOutsideDomain < 0 || r.OutsideCases < 0 {
		v.add("rate_limits", "case limits must be positive")
	}
}

// durations cross-checks the durations that work together; each one is
// already non-negative and in range (ParseDuration).
func (v *validator) durations() {
	o := v.c.Outbox
	if o.RetryInitial.D() < time.Second {
		v.add("outbox.retry_initial", "retry_initial must be at least 1s")
	}
	if o.RetryInitial > o.RetryMax {
		v.add("outbox.retry_max", "retry_max %s must not be shorter than retry_initial %s", o.RetryMax.D(), o.RetryInitial.D())
	}
	if o.GiveUpAfter < o.RetryInitial {
		v.add("outbox.give_up_after", "give_up_after %s must not be shorter than retry_initial %s", o.GiveUpAfter.D(), o.RetryInitial.D())
	}
	// Less than a day would drop mail a team may still be reading about;
	// 0 keeps it forever.
	periods := []struct {
		key string
		d   *Duration
	}{{"retention.raw_mail", v.c.Retention.RawMail}, {"retention.ignored_mail", v.c.Retention.IgnoredMail}}
	for _, p := range periods {
		if p.d != nil && *p.d != 0 && p.d.D() < 24*time.Hour {
			v.add(p.key, "%s must be at least 1d (or 0 to keep mail forever)", p.d.D())
		}
	}
}

// sizes are non-negative and fit int64 already (ParseByteSize); below 1KB
// no real mail gets through (a header line alone may be 998 bytes).
func (v *validator) sizes() {
	l := v.c.Limits
	for _, s := range []struct {
		key  string
		size ByteSize
	}{{"max_message_size", l.MaxMessageSize}, {"max_header_line", l.MaxHeaderLine}, {"max_text_size", l.MaxTextSize}} {
		if s.size < 1<<10 {
			v.add("limits."+s.key, "%s must be at least 1KB; got %d bytes", s.key, s.size)
		}
	}
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
		if m.FetchBatch < 1 || m.FetchBatch > 1000 {
			v.add(p+".fetch_batch", "fetch_batch must be between 1 and 1000; got %d", m.FetchBatch)
		}
		v.checkAuth(p, m.Auth, m.OAuth2, m.hasPassword())
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
	v.checkAuth("smtp", s.Auth, s.OAuth2, s.hasPassword())
	if s.Auth != AuthLogin && s.Username == "" {
		v.add("smtp", "missing smtp.username (the account the token is for)")
	}
	v.operator()
}

// operator checks the operator address, which OAuth2 alerts need.
func (v *validator) operator() {
	c := v.c
	oauth := c.SMTP.Auth != AuthLogin
	for _, m := range c.Mailboxes {
		oauth = oauth || m.Auth != AuthLogin
	}
	switch {
	case c.Operator != "" && !validAddress(c.Operator):
		v.add("operator", "invalid address %q", c.Operator)
	case c.Operator == "" && oauth:
		v.add("operator", "missing operator: OAuth2 logins need an address to tell when a token cannot be refreshed")
	}
}

// teams checks names and addresses. What a team resolves to (rotation,
// hours, after_hours) is the router's to check: router.Compile.
func (v *validator) teams() {
	names := map[string]bool{}
	for i, t := range v.c.Teams {
		p := fmt.Sprintf("teams[%d]", i)
		if t.Name == "" {
			v.add(p, "missing name")
		} else if names[t.Name] {
			v.add(p+".name", "duplicate team name %q", t.Name)
		}
		names[t.Name] = true
		for j, a := range t.Addresses {
			v.recipient(fmt.Sprintf("%s.addresses[%d]", p, j), a)
		}
		v.members(p, t)
		if t.Lead != "" {
			v.recipient(p+".lead", t.Lead)
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
		if len(cat.Mailboxes)+len(cat.Kinds)+len(cat.IssueTypes)+len(cat.Keywords) == 0 {
			v.add(p, "category %q can never be detected: give mailboxes, kinds, issue_types or keywords", cat.Name)
		}
		v.topReminders(p, cat.TopReminders)
	}
}

// topReminders checks a route's or category's top_reminders override.
func (v *validator) topReminders(p string, n *int) {
	if n != nil && *n < 0 {
		v.add(p+".top_reminders", "top_reminders must not be negative")
	}
}

func (v *validator) oneOf(path string, got, allowed []string) {
	for j, g := range got {
		if !slices.Contains(allowed, g) {
			v.add(fmt.Sprintf("%s[%d]", path, j), "%q is not one of %s", g, strings.Join(allowed, ", "))
		}
	}
}

// route checks one route's own values and its children. Team and category
// references, keywords and whether a route can be reached at all are the
// router's to check: router.Compile.
func (v *validator) route(r *Route, p string) {
	m := r.Match
	v.oneOf(p+".match.kind", m.Kind, vocab.KindNames())
	v.oneOf(p+".match.urgency", m.Urgency, vocab.UrgencyNames())
	v.oneOf(p+".match.issue_type", m.IssueType, vocab.IssueTypeNames())
	for j, mb := range m.Mailbox {
		if _, ok := v.c.Mailbox(mb); !ok {
			v.add(fmt.Sprintf("%s.match.mailbox[%d]", p, j), "unknown mailbox %q", mb)
		}
	}
	for j, s := range m.Sender {
		domain, isDomain := strings.CutPrefix(s, "@")
		if isDomain && (domain == "" || strings.ContainsAny(domain, "@ ") || strings.HasPrefix(domain, ".")) || !isDomain && !validAddress(s) {
			v.add(fmt.Sprintf("%s.match.sender[%d]", p, j), "sender %q must be an address or @domain", s)
		}
	}
	if len(r.To)+len(r.Cc)+len(r.Incident)+len(r.Routes)+len(r.Chain) == 0 && !r.Flags.any() && len(r.Notes)+len(r.Actions) == 0 && r.TopReminders == nil {
		v.add(p, "route %q does nothing: give to, cc, incident, flags, notes, chain or child routes", r.Name)
	}
	v.topReminders(p, r.TopReminders)
	for i := range r.Routes {
		v.route(&r.Routes[i], fmt.Sprintf("%s.routes[%d]", p, i))
	}
}

func (f Flags) any() bool { return f.Confidential || f.ApprovalRequired || f.SuspendAccount }

func (v *validator) sla() {
	for name, u := range v.c.SLA.Urgencies {
		p := "sla.urgencies." + string(name)
		if !name.Valid() {
			v.add(p, "unknown urgency %q (use %s)", name, strings.Join(vocab.UrgencyNames(), ", "))
			continue
		}
		if u.Delivery != DeliveryImmediate && u.Delivery != DeliveryDigest {
			v.add(p+".delivery", "delivery %q is not one of %s, %s", u.Delivery, DeliveryImmediate, DeliveryDigest)
		}
		if u.Response.D() <= 0 {
			v.add(p+".response", "response must be positive")
		}
	}
	if c := v.c.SLA.CustomerUpdates; c != "agent" && c != "customer" {
		v.add("sla.customer_updates", "customer_updates must be agent or customer; got %q", c)
	}
	if v.c.SLA.TopReminders < 0 {
		v.add("sla.top_reminders", "top_reminders must not be negative")
	}
}

func validAddress(a string) bool {
	p, err := mail.ParseAddress(a)
	return err == nil && p.Name == "" && strings.Contains(p.Address, "@")
}
