package config

import (
	"escalationd/vocab"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// ApplyDefaults fills every absent key with its documented default. It is
// idempotent.
func (c *Config) ApplyDefaults() {
	for i := range c.Mailboxes {
		m := &c.Mailboxes[i]
		if m.Kind == "" {
			m.Kind = MailboxEscalations
		}
		if m.TLS == "" {
			m.TLS = TLSImplicit
		}
		if m.Port == 0 {
			m.Port = map[string]int{TLSImplicit: 993, TLSStartTLS: 143, TLSNone: 143}[m.TLS]
		}
		if m.Folder == "" {
			m.Folder = DefaultFolder
		}
		if m.ProcessedFolder == "" {
			m.ProcessedFolder = DefaultProcessedFolder
		}
		if m.RejectedFolder == "" {
			m.RejectedFolder = DefaultRejectedFolder
		}
		if m.PollInterval == 0 {
			m.PollInterval = Duration(DefaultPollInterval)
		}
		if m.FetchBatch == 0 {
			m.FetchBatch = DefaultFetchBatch
		}
		m.Address = strings.ToLower(strings.TrimSpace(m.Address))
		if m.Auth == "" {
			m.Auth = AuthLogin
		}
		m.OAuth2.applyDefaults(true)
	}
	for i := range c.Teams {
		for j := range c.Teams[i].Members {
			m := &c.Teams[i].Members[j]
			m.Name = strings.TrimSpace(m.Name)
			if a := strings.TrimSpace(m.Address); validAddress(a) {
				m.Address = strings.ToLower(a) // an invalid one is reported as written
			}
		}
	}
	s := &c.SMTP
	if s.TLS == "" {
		s.TLS = TLSStartTLS
	}
	if s.Port == 0 {
		s.Port = map[string]int{TLSImplicit: 465, TLSStartTLS: 587, TLSNone: 25}[s.TLS]
	}
	if s.Timeout == 0 {
		s.Timeout = Duration(30 * time.Second)
	}
	if s.Auth == "" {
		s.Auth = AuthLogin
	}
	s.OAuth2.applyDefaults(false)
	if c.Gateway.Domain == "" {
		c.Gateway.Domain = domainOf(s.From)
	}
	if s.HELO == "" {
		s.HELO = c.Gateway.Domain
	}
	if c.Gateway.LoopHeader == "" {
		c.Gateway.LoopHeader = DefaultLoopHeader
	}
	if c.Gateway.ShutdownTimeout == 0 {
		c.Gateway.ShutdownTimeout = Duration(30 * time.Second)
	}
	if c.Gateway.StartTimeout == 0 {
		c.Gateway.StartTimeout = Duration(30 * time.Second)
	}
	l := &c.Limits
	if l.MaxMessageSize == 0 {
		l.MaxMessageSize = DefaultMaxMessageSize
	}
	if l.MaxMIMEDepth == 0 {
		l.MaxMIMEDepth = DefaultMaxMIMEDepth
	}
	if l.MaxParts == 0 {
		l.MaxParts = DefaultMaxParts
	}
	if l.MaxHeaderLine == 0 {
		l.MaxHeaderLine = DefaultMaxHeaderLine
	}
	if l.MaxTextSize == 0 {
		l.MaxTextSize = DefaultMaxTextSize
	}
	c.applySLADefaults()
	o := &c.Outbox
	if o.RetryInitial == 0 {
		o.RetryInitial = Duration(30 * time.Second)
	}
	if o.RetryMax == 0 {
		o.RetryMax = Duration(30 * time.Minute)
	}
	if o.GiveUpAfter == 0 {
		o.GiveUpAfter = Duration(24 * time.Hour)
	}
	if c.Retention.RawMail == nil {
		d := Duration(DefaultRetainRawMail)
		c.Retention.RawMail = &d
	}
	if c.Retention.IgnoredMail == nil {
		d := Duration(DefaultRetainIgnoredMail)
		c.Retention.IgnoredMail = &d
	}
	r := &c.RateLimits
	if r.Window == 0 {
		r.Window = Duration(time.Hour)
	}
	if r.RejectionsPerSender == 0 {
		r.RejectionsPerSender = 5
	}
	if r.RejectionsGlobal == 0 {
		r.RejectionsGlobal = 100
	}
	if r.CasesPerOutsideDomain == 0 {
		r.CasesPerOutsideDomain = 5
	}
	if r.OutsideCases == 0 {
		r.OutsideCases = 20
	}
	if c.Senders.RequireAuthentication == "" {
		c.Senders.RequireAuthentication = RequireNone
		if len(c.Senders.TrustedAuthservIDs) > 0 {
			c.Senders.RequireAuthentication = RequireCommands
		}
	}
	if c.Authorization.Management == nil {
		if _, ok := c.Team("management"); ok {
			c.Authorization.Management = []string{"management"}
		}
	}
}

// DefaultSLA is the helpdesk reference's response times and rhythm.
var DefaultSLA = map[vocab.Urgency]UrgencySLA{
	vocab.Critical: {Response: Duration(15 * time.Minute), StatusCheck: Duration(4 * time.Hour), CustomerUpdate: Duration(24 * time.Hour)},
	vocab.High:     {Response: Duration(30 * time.Minute), StatusCheck: Duration(4 * time.Hour), CustomerUpdate: Duration(24 * time.Hour)},
	vocab.Medium:   {Response: Duration(2 * time.Hour), CustomerUpdate: Duration(24 * time.Hour)},
	vocab.Low:      {Response: Duration(24 * time.Hour), CustomerUpdate: Duration(24 * time.Hour)},
}

func (c *Config) applySLADefaults() {
	if c.SLA.Urgencies == nil {
		c.SLA.Urgencies = map[vocab.Urgency]UrgencySLA{}
	}
	for name, def := range DefaultSLA {
		u := c.SLA.Urgencies[name]
		if u.Response == 0 {
			u.Response = def.Response
		}
		if u.StatusCheck == 0 {
			u.StatusCheck = def.StatusCheck // none for Medium and Low unless set
		}
		if u.Delivery == "" {
			u.Delivery = DeliveryImmediate
		}
		if u.DigestAt.IsZero() {
			u.DigestAt = Clock{min: 9 * 60, set: true}
		}
		if u.CustomerUpdate == 0 {
			u.CustomerUpdate = def.CustomerUpdate
		}
		c.SLA.Urgencies[name] = u
	}
	// The default escalation chain: Critical/High → management,
	// Medium/Low → senior support, then management; teams the config does
	// not have are left out.
	defaultChain := map[vocab.Urgency][]string{vocab.Critical: {"management"}, vocab.High: {"management"},
		vocab.Medium: {"senior_support", "management"}, vocab.Low: {"senior_support", "management"}}
	for name, chain := range defaultChain {
		u := c.SLA.Urgencies[name]
		if len(u.Chain) > 0 {
			continue
		}
		for _, team := range chain {
			if _, ok := c.Team(team); ok {
				u.Chain = append(u.Chain, team)
			}
		}
		c.SLA.Urgencies[name] = u
	}
	if c.SLA.TopReminders == 0 {
		c.SLA.TopReminders = 3
	}
	if c.SLA.CustomerUpdates == "" {
		c.SLA.CustomerUpdates = "agent"
	}
}

// domainOf returns the lowercased domain of an RFC 5322 address, "" when
// it has none.
func domainOf(addr string) string {
	if a, err := mail.ParseAddress(addr); err == nil {
		addr = a.Address
	}
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.ToLower(addr[i+1:])
	}
	return ""
}

// WatchedAddresses are the addresses of every watched mailbox, lowercased:
// routing mail to any of them would be a loop.
func (c *Config) WatchedAddresses() []string {
	var out []string
	for _, m := range c.Mailboxes {
		if m.Address != "" {
			out = append(out, m.Address)
		}
	}
	return out
}

// OwnAddresses are the watched addresses plus the From address: mail from
// any of them is the gateway's own.
func (c *Config) OwnAddresses() []string {
	out := c.WatchedAddresses()
	if a, err := mail.ParseAddress(c.SMTP.From); err == nil {
		out = append(out, strings.ToLower(a.Address))
	}
	return out
}

// InternalDomains are the company's own domains: the gateway domain, the
// allowed sender domains and the domains of the gateway's own addresses.
// Mail there is never "customer-side".
func (c *Config) InternalDomains() []string {
	out := []string{strings.ToLower(c.Gateway.Domain)}
	add := func(d string) {
		d = strings.ToLower(d)
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	for _, d := range c.Senders.AllowDomains {
		add(d)
	}
	for _, a := range c.OwnAddresses() {
		add(domainOf(a))
	}
	return out
}

// IsInternal reports whether an address is in one of the InternalDomains
// (subdomains included): IsInternalAddress.
func (c *Config) IsInternal(addr string) bool {
	return IsInternalAddress(addr, c.InternalDomains())
}

// IsInternalAddress is the one definition of an internal address: its
// domain is one of the internal domains or a subdomain of one (the company
// controls its subdomains: security@eu.example.com is as internal as
// security@example.com). The engine (who hears back about a case) and the
// confidentiality guard in front of SMTP (who must not) both ask it, so they
// cannot disagree.
func IsInternalAddress(addr string, internalDomains []string) bool {
	return IsInternalDomain(domainOf(addr), internalDomains)
}

// IsInternalDomain is IsInternalAddress for a domain.
func IsInternalDomain(domain string, internalDomains []string) bool {
	d := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(domain), "."))
	if d == "" {
		return false
	}
	for _, in := range internalDomains {
		in = strings.ToLower(strings.TrimSpace(in))
		if in != "" && (d == in || strings.HasSuffix(d, "."+in)) {
			return true
		}
	}
	return false
}

// Mailbox returns the mailbox with the given name.
func (c *Config) Mailbox(name string) (Mailbox, bool) {
	for _, m := range c.Mailboxes {
		if m.Name == name {
			return m, true
		}
	}
	return Mailbox{}, false
}

// Team returns the team with the given name.
func (c *Config) Team(name string) (Team, bool) {
	for _, t := range c.Teams {
		if t.Name == name {
			return t, true
		}
	}
	return Team{}, false
}

// PublicDomains are the free-mail providers (DefaultPublicDomains and
// confidentiality.public_domains), lower case: sharing one with a customer
// says nothing about who someone is.
func (c *Config) PublicDomains() []string {
	out := slices.Clone(DefaultPublicDomains)
	for _, d := range c.Confidentiality.PublicDomains {
		d = strings.ToLower(strings.TrimSpace(d))
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
