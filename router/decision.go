package router

import "escalationd/vocab"

// Input is what routing looks at: the parsed case and where it came from.
// It is plain data so the router stays independent of the parser.
type Input struct {
	Kind        vocab.Kind
	Urgency     vocab.Urgency   // "" when unknown
	Mailbox     string          // name of the watched mailbox the mail arrived in
	MailboxKind string          // escalations or security
	IssueType   vocab.IssueType // management template only
	Sender      string          // lowercased address of the escalating agent
	Subject     string
	Text        string // the newest part's text, for keyword matching
}

// Decision is where a case goes and why. It is computed once, when the case
// opens, and stored with it.
type Decision struct {
	// To and Cc are the resolved addresses (deduplicated; an address in To is
	// not repeated in Cc).
	To []string `json:"to"`
	Cc []string `json:"cc"`
	// Teams are the team names behind To and Cc, in order of first mention.
	Teams []string `json:"teams"`
	// Recipients say, per address, which team and why (after hours, ...).
	Recipients []Recipient `json:"recipients,omitempty"`
	// Incident are the addresses that get a separate incident notice.
	Incident []string `json:"incident,omitempty"`
	// IncidentWithheld: a route named incident teams, but the case is
	// confidential, so no incident notice goes out.
	IncidentWithheld bool `json:"incident_withheld,omitempty"`
	// Rule names the matched routes, outermost first, joined by " > " for
	// nesting and ", " for continued siblings.
	Rule string `json:"rule"`
	// Explain is a human-readable account of the decision, one reason a line.
	Explain string `json:"explain"`
	// Categories detected, each with the evidence that triggered it.
	Categories []Category `json:"categories"`
	// Excluded are categories whose keywords were found but held back by
	// one of their exclude_keywords, with that phrase.
	Excluded []Category `json:"excluded,omitempty"`
	Flags    Flags      `json:"flags"`
	Notes    []string   `json:"notes"`
	Actions  []string   `json:"actions"`
	// Chain is the breach chain of the case (team names or "lead:<team>")
	// when a matched route or a detected category sets one; nil: the
	// urgency's (sla.urgencies.<u>.chain). TopReminders likewise replaces
	// sla.top_reminders; nil: the policy's. ChainFrom says which route or
	// category set them.
	Chain        []string `json:"chain,omitempty"`
	TopReminders *int     `json:"top_reminders,omitempty"`
	ChainFrom    string   `json:"chain_from,omitempty"`
}

// Recipient is one resolved address.
type Recipient struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
	Team    string `json:"team"`
	Field   string `json:"field"` // to, cc or incident
	Why     string `json:"why"`
	// Via is the team the route named when its hours sent the case on to
	// Team (engineering, closed: on call); "" when it is Team itself.
	Via string `json:"via,omitempty"`
}

// Category is a detected special category.
type Category struct {
	Name     string   `json:"name"`
	Evidence []string `json:"evidence"` // e.g. `keyword "lawsuit" in text`, `mailbox security`
}

// Flags are the case flags the outbound and SLA code enforce.
type Flags struct {
	Confidential     bool `json:"confidential"`
	ApprovalRequired bool `json:"approval_required"`
	SuspendAccount   bool `json:"suspend_account"`
}

// Any reports whether any flag is set.
func (f Flags) Any() bool { return f.Confidential || f.ApprovalRequired || f.SuspendAccount }
