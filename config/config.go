// Package config owns escalationd's configuration file: its plain types, the
// strict YAML loader, defaults, secret resolution and validation.
//
// Loading is strict: an unknown key is an error naming the file and line, and
// Validate reports every problem at once (errors.Join), each with the line of
// the offending key, so an operator fixes a broken file in one pass.
//
// Parse once, check once: zones, times of day, weekdays, dates and local
// times become typed values (Zone, Clock, Weekdays, ...) while the YAML is
// read, so a bad value is reported at its line and nobody parses it again.
// A rule that needs several values lives in the package that uses them:
// sla.NewHours and sla.NewRotation (hours, gaps, overlaps), router.Compile
// (team references, after_hours, keywords, reachability). They report
// FieldErrors that Config.Problems places at file and line, and
// Options.Checks gathers them into the one report check-config prints.
//
// The package imports no other escalationd package; everything above it
// (router, sla, inbound, outbound, engine, app) is built from these values.
package config

import (
	"escalationd/vocab"
	"time"
)

// Config is the whole configuration file.
type Config struct {
	// Database is the SQLite file holding cases, mail and the outbox.
	Database string `yaml:"database"`
	// Gateway describes the daemon's own identity on the mail system.
	Gateway Gateway `yaml:"gateway"`
	// Mailboxes are the IMAP mailboxes watched for escalations.
	Mailboxes []Mailbox `yaml:"mailboxes"`
	// SMTP is the submission server routed mail leaves through.
	SMTP SMTP `yaml:"smtp"`
	// Operator is the address told when the gateway itself needs a hand
	// (an OAuth2 token that cannot be refreshed).
	Operator string `yaml:"operator"`
	// Templates optionally overrides the embedded mail templates.
	Templates Templates `yaml:"templates"`
	// Limits bound what the parser accepts from hostile mail.
	Limits Limits `yaml:"limits"`
	// Senders says who may escalate.
	Senders Senders `yaml:"senders"`
	// Teams are the named groups of people routes point at.
	Teams []Team `yaml:"teams"`
	// Rotations are weekly on-call schedules teams can resolve to.
	Rotations []Rotation `yaml:"rotations"`
	// Categories are detected from mailbox, template and keywords; each may
	// carry the flags of a special process (confidential, ...).
	Categories []Category `yaml:"categories"`
	// Routes is the routing tree, evaluated depth-first, first match wins
	// unless a route says continue.
	Routes []Route `yaml:"routes"`
	// SLA holds response times, follow-up rhythm and the escalation chain.
	SLA SLA `yaml:"sla"`
	// Outbox tunes delivery retries.
	Outbox Outbox `yaml:"outbox"`
	// Retention says how long raw mail is kept; cases and their audit
	// trail are kept.
	Retention Retention `yaml:"retention"`
	// HTTP is the optional metrics, health and dashboard listener.
	HTTP HTTP `yaml:"http"`
	// RateLimits bound automatic answers (rejection replies) and new cases.
	RateLimits RateLimits `yaml:"rate_limits"`
	// Authorization says who may act on a case besides its teams.
	Authorization Authorization `yaml:"authorization"`
	// Confidentiality tunes the check that keeps confidential cases from
	// the customer.
	Confidentiality Confidentiality `yaml:"confidentiality"`
	// Holidays are the company's closed days (YYYY-MM-DD): every team's
	// hours and the status-check hours are closed all day on them.
	Holidays []Date `yaml:"holidays,omitempty"`
	// HolidaysFile is an iCalendar file (.ics) whose all-day events are
	// more company holidays; relative to the config file.
	HolidaysFile string `yaml:"holidays_file,omitempty"`
	// Reviews are the root-cause tags and the review mails; nil (no
	// reviews block): no review mail is sent.
	Reviews *Reviews `yaml:"reviews,omitempty"`

	// fileHolidays are the dates read from HolidaysFile at load.
	fileHolidays []Date
	// Path is the file the config was loaded from ("" when built in code).
	Path string `yaml:"-"`
	// pos maps a key path such as "mailboxes[0].password_file" to its line.
	pos positions
}

// Gateway is the daemon's identity.
type Gateway struct {
	// Domain is used for the Message-IDs of outbound mail; replies that
	// reference an id in this domain belong to a case. Default: the domain of
	// smtp.from.
	Domain string `yaml:"domain"`
	// LoopHeader is the header stamped on every mail the gateway sends; mail
	// carrying it with the gateway's domain as value is ignored. Default
	// X-Escalation-Loop.
	LoopHeader string `yaml:"loop_header"`
	// ShutdownTimeout bounds how long SIGTERM waits for in-flight work.
	ShutdownTimeout Duration `yaml:"shutdown_timeout"`
	// StartTimeout bounds how long the daemon waits at start (and after a
	// reload) for every mailbox to log in and select its folder before it
	// tells systemd it is ready anyway, naming the mailboxes that are not
	// up. Default 30s.
	StartTimeout Duration `yaml:"start_timeout"`
	// Timezone is the company's zone: every time in the mail the gateway
	// sends is written in it. Default: the zone of the first team with
	// hours, else UTC (see Config.Location).
	Timezone Zone `yaml:"timezone"`
}

// Location is the zone the gateway's mail writes times in:
// gateway.timezone, else the zone of the first team with hours, else UTC.
func (c *Config) Location() *time.Location {
	if loc := c.Gateway.Timezone.Location(); loc != nil {
		return loc
	}
	for _, t := range c.Teams {
		if t.Hours != nil && t.Hours.Timezone.Location() != nil {
			return t.Hours.Timezone.Location()
		}
	}
	return time.UTC
}

// TLS modes for IMAP and SMTP connections.
const (
	TLSImplicit = "implicit"
	TLSStartTLS = "starttls"
	TLSNone     = "none"
)

// Mailbox kinds.
const (
	MailboxEscalations = "escalations"
	MailboxSecurity    = "security"
)

// Mailbox is one watched IMAP mailbox.
type Mailbox struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	// Kind is "escalations" (default) or "security": in a security mailbox,
	// mail that follows no template becomes a security_report case.
	Kind string `yaml:"kind"`
	Host string `yaml:"host"`
	Port int    `yaml:"port"`
	// TLS is implicit (default), starttls or none; none must be explicit.
	TLS string `yaml:"tls"`
	// TLSSkipVerify disables certificate verification for this server only.
	TLSSkipVerify bool `yaml:"tls_skip_verify"`
	// TLSCAFile adds a PEM CA bundle trusted for this server.
	TLSCAFile string `yaml:"tls_ca_file"`
	Username  string `yaml:"username"`
	SecretRef `yaml:",inline"`
	// Auth is login (default: LOGIN with the password), xoauth2 or
	// oauthbearer (a token from OAuth2).
	Auth   string  `yaml:"auth"`
	OAuth2 *OAuth2 `yaml:"oauth2"`
	// Folder is watched (default INBOX); handled mail moves to
	// ProcessedFolder or RejectedFolder, both created when missing.
	Folder          string   `yaml:"folder"`
	ProcessedFolder string   `yaml:"processed_folder"`
	RejectedFolder  string   `yaml:"rejected_folder"`
	PollInterval    Duration `yaml:"poll_interval"`
	// FetchBatch is how many messages one FETCH brings in and a batch
	// stores, handles and moves (unset or 0: 100).
	FetchBatch int `yaml:"fetch_batch"`
}

// SMTP is the submission server.
type SMTP struct {
	Host          string `yaml:"host"`
	Port          int    `yaml:"port"`
	TLS           string `yaml:"tls"`
	TLSSkipVerify bool   `yaml:"tls_skip_verify"`
	TLSCAFile     string `yaml:"tls_ca_file"`
	Username      string `yaml:"username"`
	SecretRef     `yaml:",inline"`
	// Auth is login (default: PLAIN/LOGIN with the password when a
	// username is set), xoauth2 or oauthbearer (a token from OAuth2).
	Auth   string  `yaml:"auth"`
	OAuth2 *OAuth2 `yaml:"oauth2"`
	// From is the From header of every mail the gateway sends.
	From string `yaml:"from"`
	// HELO is the name announced to the server (default: the gateway domain).
	HELO string `yaml:"helo"`
	// Timeout bounds one SMTP conversation.
	Timeout Duration `yaml:"timeout"`
}

// SecretRef names where a password comes from. Exactly one source may be
// set; Password is accepted but discouraged because it puts the secret in the
// config file.
type SecretRef struct {
	Password     Secret `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	// PasswordCredential names a systemd credential (LoadCredential=), read
	// from $CREDENTIALS_DIRECTORY.
	PasswordCredential string `yaml:"password_credential"`
}

// Templates points at an optional override directory.
type Templates struct {
	// Dir holds *.tmpl files that replace the embedded ones by name.
	Dir string `yaml:"dir"`
}

// Limits bound the work one message can cause.
type Limits struct {
	MaxMessageSize ByteSize `yaml:"max_message_size"`
	MaxMIMEDepth   int      `yaml:"max_mime_depth"`
	MaxParts       int      `yaml:"max_parts"`
	MaxHeaderLine  ByteSize `yaml:"max_header_line"`
	MaxTextSize    ByteSize `yaml:"max_text_size"`
}

// Senders restricts who may escalate. Empty lists allow everyone.
type Senders struct {
	AllowDomains   []string `yaml:"allow_domains"`
	AllowAddresses []string `yaml:"allow_addresses"`
	// TrustedAuthservIDs are the authserv-ids of Authentication-Results
	// headers added by the receiving server; headers with any other id are
	// ignored because a sender can forge them.
	TrustedAuthservIDs []string `yaml:"trusted_authserv_ids"`
	// RequireAuthentication says what needs an authenticated sender (an
	// aligned dmarc=pass, or dkim=pass where the domain publishes no
	// DMARC policy, in a trusted Authentication-Results header):
	// "commands" (default when trusted_authserv_ids is set): reply
	// commands and re-escalations; a new case from an unauthenticated
	// sender opens, marked unverified. "all": also new cases (other new
	// mail is kept for review). "none" (default otherwise): From is
	// believed as written.
	RequireAuthentication string `yaml:"require_authentication"`
}

// Deliveries of a new case (sla.urgencies.*.delivery).
const (
	DeliveryImmediate = "immediate"
	DeliveryDigest    = "digest"
)

// Authentication requirements (senders.require_authentication).
const (
	RequireCommands = "commands"
	RequireAll      = "all"
	RequireNone     = "none"
)

// Team is a named group of recipients. A team either lists addresses or
// resolves to whoever is on call in a rotation. With Hours set, the team is
// only reachable in its working hours; outside them mail goes to AfterHours.
type Team struct {
	Name      string   `yaml:"name"`
	Addresses []string `yaml:"addresses"`
	// Members are the people behind a list address, each a plain address
	// or {name, address}: their replies to a case's mail count as the
	// team's (ACK, RESOLVED, ...), and mail calls them by their names.
	// MemberAddresses lists their addresses.
	Members    []Member `yaml:"members"`
	Rotation   string   `yaml:"rotation"`
	Hours      *Hours   `yaml:"hours"`
	AfterHours string   `yaml:"after_hours"`
	// Lead is the address of the person a breach climbs to within the
	// team's tier: a chain entry "lead:<team>" reaches it.
	Lead string `yaml:"lead"`
}

// Hours are weekly working hours in a time zone. sla.NewHours compiles them
// and holds their rules (all set, end after start).
type Hours struct {
	// Days like [mon, tue, wed, thu, fri] or [mon-fri].
	Days     Weekdays `yaml:"days"`
	Start    Clock    `yaml:"start"` // "09:00"
	End      Clock    `yaml:"end"`   // "18:00"
	Timezone Zone     `yaml:"timezone"`
	// Holidays are closed days (YYYY-MM-DD) of these hours only, on top
	// of the company's (Config.Holidays, Config.HolidaysFile).
	Holidays []Date `yaml:"holidays,omitempty"`
}

// Rotation is a weekly on-call schedule: people take turns in order, each
// for one week, handing off at HandoffDay/HandoffTime local time.
// sla.NewRotation compiles it and holds its rules (no gaps, no overlaps).
type Rotation struct {
	Name     string `yaml:"name"`
	Timezone Zone   `yaml:"timezone"`
	// Start is the local date (YYYY-MM-DD) on which People[0] takes the
	// first shift; it must fall on HandoffDay.
	Start       Date       `yaml:"start"`
	HandoffDay  Weekday    `yaml:"handoff_day"`
	HandoffTime Clock      `yaml:"handoff_time"`
	People      []Person   `yaml:"people"`
	Overrides   []Override `yaml:"overrides"`
}

// Person is someone who can be on call.
type Person struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
}

// Override replaces the rotation between Start and End (local times,
// "YYYY-MM-DD HH:MM") with one person, for swaps and holidays.
type Override struct {
	Start  LocalTime `yaml:"start"`
	End    LocalTime `yaml:"end"`
	Person string    `yaml:"person"` // a name from People, or an address
	Reason string    `yaml:"reason"`
}

// Flags are the case flags a special process sets.
type Flags struct {
	// Confidential: the customer is never contacted by the gateway.
	Confidential bool `yaml:"confidential"`
	// ApprovalRequired: management must approve customer communication.
	ApprovalRequired bool `yaml:"approval_required"`
	// SuspendAccount: the team is asked to consider suspending the account.
	SuspendAccount bool `yaml:"suspend_account"`
}

// Category is a special kind of case (security, legal, media, fraud, ...)
// recognised from its mailbox, template fields or keywords.
type Category struct {
	Name       string   `yaml:"name"`
	Mailboxes  []string `yaml:"mailboxes"`
	Kinds      []string `yaml:"kinds"`
	IssueTypes []string `yaml:"issue_types"`
	Keywords   []string `yaml:"keywords"`
	// ExcludeKeywords are phrases that mean the keywords are not about the
	// category ("billing dispute" for fraud's "chargeback"): when one is
	// found, the keywords do not detect it (mailbox, kind and issue type
	// still do).
	ExcludeKeywords []string `yaml:"exclude_keywords"`
	// Fields are where Keywords and ExcludeKeywords are looked for:
	// subject, text. Default: both.
	Fields []string `yaml:"fields"`
	Flags  Flags    `yaml:"flags"`
	Notes  []string `yaml:"notes"`
	// Chain and TopReminders replace the urgency's breach chain and
	// sla.top_reminders for a case of this category (when no matched route
	// sets its own).
	Chain        []string `yaml:"chain"`
	TopReminders *int     `yaml:"top_reminders"`
}

// Route is one node of the routing tree.
type Route struct {
	Name  string `yaml:"name"`
	Match Match  `yaml:"match"`
	// To and Cc are team names.
	To []string `yaml:"to"`
	Cc []string `yaml:"cc"`
	// Incident names teams that get a separate incident notice.
	Incident []string `yaml:"incident"`
	Flags    Flags    `yaml:"flags"`
	Notes    []string `yaml:"notes"`
	Actions  []string `yaml:"actions"`
	// Chain and TopReminders replace the urgency's breach chain and
	// sla.top_reminders for a case this route contributes to (the
	// deepest such route wins over a category's).
	Chain        []string `yaml:"chain"`
	TopReminders *int     `yaml:"top_reminders"`
	// Continue keeps evaluating sibling routes after this one matched.
	Continue bool    `yaml:"continue"`
	Routes   []Route `yaml:"routes"`
}

// Match is a route's matchers. Every non-empty list must match (AND); within
// a list any value matches (OR).
type Match struct {
	Kind      []string `yaml:"kind"`
	Urgency   []string `yaml:"urgency"`
	Mailbox   []string `yaml:"mailbox"`
	IssueType []string `yaml:"issue_type"`
	Category  []string `yaml:"category"`
	// Sender matches an address or "@domain".
	Sender   []string `yaml:"sender"`
	Keywords []string `yaml:"keywords"`
}

// SLA is the response-time policy.
type SLA struct {
	// Urgencies maps low, medium, high and critical to their clocks.
	Urgencies map[vocab.Urgency]UrgencySLA `yaml:"urgencies"`
	// TopReminders is how many reminders the top of the chain gets, one per
	// response window, before the gateway stops (default 3).
	TopReminders int `yaml:"top_reminders"`
	// CustomerUpdates is "agent" (remind the escalating agent, default) or
	// "customer" (mail the customer directly; never for confidential cases).
	CustomerUpdates string `yaml:"customer_updates"`
	// StatusCheckHours, when set, are the only hours status checks go out;
	// one falling due outside them waits for the next start (quiet hours).
	// Breaches are never held.
	StatusCheckHours *Hours `yaml:"status_check_hours"`
}

// UrgencySLA is one urgency's clock.
type UrgencySLA struct {
	Response       Duration `yaml:"response"`
	StatusCheck    Duration `yaml:"status_check"`
	CustomerUpdate Duration `yaml:"customer_update"`
	// Chain is the teams a breach escalates to, one step per missed window.
	// Default: critical and high → management; medium and low →
	// senior_support, then management (teams that exist in the config).
	Chain []string `yaml:"chain"`
	// Delivery is "immediate" (default: the routed mail goes out when the
	// case opens) or "digest": the case is collected into one
	// backlog-digest mail per working day to its team, at DigestAt in the
	// team's time zone, and has no status checks (Low: "log in backlog,
	// no immediate escalation, review weekly").
	Delivery string `yaml:"delivery"`
	// DigestAt is the time of day of the digest (default 09:00).
	DigestAt Clock `yaml:"digest_at"`
	// Repeat keeps reminding the top of the chain (and the assigned team)
	// at this interval until the case is acknowledged or resolved, past
	// sla.top_reminders: a Critical case never goes quiet. 0: stop after
	// the top reminders.
	Repeat Duration `yaml:"repeat"`
}

// Retention bounds how long the bytes of mail are kept: after the period
// the raw mail (stored and sent) is replaced by nothing, while the case,
// its events and the rows themselves stay. Applied daily by the daemon and
// by `escalationd prune`. A period of 0 keeps mail forever.
type Retention struct {
	// RawMail is how long after its case was resolved a case's mail (the
	// escalation, replies, and the mail sent about it) is kept.
	RawMail *Duration `yaml:"raw_mail"`
	// IgnoredMail is how long mail that opened no case (ignored or
	// rejected) and mail sent about no case is kept after it arrived or was
	// queued.
	IgnoredMail *Duration `yaml:"ignored_mail"`
}

// Default retention periods.
const (
	DefaultRetainRawMail     = 180 * 24 * time.Hour
	DefaultRetainIgnoredMail = 30 * 24 * time.Hour
)

// Outbox tunes delivery.
type Outbox struct {
	RetryInitial Duration `yaml:"retry_initial"`
	RetryMax     Duration `yaml:"retry_max"`
	GiveUpAfter  Duration `yaml:"give_up_after"`
}

// Authorization names who may act on every case.
type Authorization struct {
	// Management are the teams whose people may act on any case,
	// confidential ones included. Default: the team named "management",
	// when there is one.
	Management []string `yaml:"management"`
}

// Confidentiality tunes the confidentiality check.
type Confidentiality struct {
	// PublicDomains are mail providers anyone can have an address at
	// (gmail.com, outlook.com, ...): a customer there puts only their own
	// address on the customer side, not the whole domain. These add to a
	// built-in list (DefaultPublicDomains).
	PublicDomains []string `yaml:"public_domains"`
}

// DefaultPublicDomains are the common free-mail providers.
var DefaultPublicDomains = []string{"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
	"yahoo.com", "ymail.com", "icloud.com", "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "pm.me",
	"gmx.com", "gmx.net", "gmx.de", "web.de", "mail.com", "yandex.com", "yandex.ru", "zoho.com", "fastmail.com", "hey.com"}

// RateLimits bound automatic rejection replies and new cases.
type RateLimits struct {
	// RejectionsPerSender per Window; beyond it the sender gets no reply.
	RejectionsPerSender int `yaml:"rejections_per_sender"`
	// RejectionsGlobal per Window across all senders.
	RejectionsGlobal int      `yaml:"rejections_global"`
	Window           Duration `yaml:"window"`
	// FloodAlert is the team told when a sender exceeds its limit.
	FloodAlert string `yaml:"flood_alert"`
	// CasesPerSender bounds the cases one sender opens per Window; beyond
	// it their new mail is kept for review, not answered. Default 0: no
	// limit, because an agent may escalate dozens of tickets in an hour of
	// a major outage and none may be lost; outside mail is bounded by
	// CasesPerOutsideDomain.
	CasesPerSender int `yaml:"cases_per_sender"`
	// CasesPerOutsideDomain bounds the cases mail from one outside domain
	// (not the company's) opens per Window (default 5). Repeated outside
	// reports from one sender within the Window join the first one's case
	// as comments instead.
	CasesPerOutsideDomain int `yaml:"cases_per_outside_domain"`
	// OutsideCases bounds the cases all outside mail opens per Window
	// together (default 20): a flood from many domains is bounded too.
	OutsideCases int `yaml:"outside_cases"`
}

// Defaults used when a key is absent.
const (
	DefaultFolder          = "INBOX"
	DefaultProcessedFolder = "Processed"
	DefaultRejectedFolder  = "Rejected"
	DefaultPollInterval    = 30 * time.Second
	DefaultFetchBatch      = 100
	DefaultLoopHeader      = "X-Escalation-Loop"
	DefaultMaxMessageSize  = 25 << 20
	DefaultMaxMIMEDepth    = 20
	DefaultMaxParts        = 256
	DefaultMaxHeaderLine   = 64 << 10
	DefaultMaxTextSize     = 2 << 20
)
