package templates

import (
	"escalationd/vocab"
	"time"
)

// Data is everything a template can use. All fields are plain values; a
// template that names a field that does not exist fails at load time (the
// override check renders every template against Sample data).
type Data struct {
	// Event is the mail's X-Escalation-Event (vocab.MailEvents).
	Event string
	// Role is who reads the mail (a vocab.Role: team, agent, sender,
	// customer, incident, operator), so a mail that goes to either the
	// team or the agent (comment, delivery-failed) offers the right
	// replies.
	Role string
	// Now is when the mail was queued: relative times ("in 15 minutes")
	// count from it, so rendering never reads the clock.
	Now time.Time
	// Location is the company's zone (gateway.timezone): every time is
	// written in it, with its name. nil means UTC.
	Location *time.Location
	// Reply is set on every case mail but the case's first (the routed
	// mail that starts the thread): its subject is the case subject with
	// "Re: ", so mail programs keep the case in one conversation.
	Reply bool
	// Mailbox is the watched address replies go to (the Reply-To).
	Mailbox string
	// Case is the case the mail is about (zero for rejection replies and
	// flood alerts).
	Case Case
	// Fields restate the escalation's template fields in template order.
	Fields []Field
	// Routing is the routing decision (routed, incident).
	Routing Routing
	// Rejection explains a rejected escalation (rejection).
	Rejection Rejection
	// Breach describes a missed response window (breach).
	Breach Breach
	// FollowUp numbers a status check or customer update.
	FollowUp FollowUp
	// Resolution is the closing note (resolved, thanks).
	Resolution Resolution
	// Flood describes a sender over its rate limit (flood-alert).
	Flood Flood
	// Failure describes undeliverable mail (delivery-failed).
	Failure Failure
	// OAuth describes a server's OAuth2 token in trouble (oauth-alert).
	OAuth OAuthAlert
	// CommandError explains a reply command that did not act
	// (command-error).
	CommandError CommandError
	// Receipt is what the agent learns when the case opens (receipt).
	Receipt Receipt
	// Update says what happened on the case (agent-update, handover).
	Update Update
	// Comment is free text relayed between the team and the agent
	// (comment).
	Comment Comment
	// History is the case's audit trail so far, one line each (handover).
	History []string
	// Digest is a team's backlog (backlog-digest).
	Digest Digest
	// Review is a weekly or monthly review (weekly-review,
	// monthly-review).
	Review Review
	// LatestNote is the newest comment on the case (status-check,
	// customer-update); zero when there is none.
	LatestNote Note
}

// Note is one comment on a case.
type Note struct {
	Text string
	By   string
	At   time.Time
}

// Digest is one team's daily backlog mail.
type Digest struct {
	Team  string
	Cases []DigestCase
}

// DigestCase is one backlog case in a digest.
type DigestCase struct {
	Ticket, Summary, Agent string
	OpenedAt, RespondBy    time.Time
	Acknowledged           bool
}

// Receipt is the agent's receipt of a new case.
type Receipt struct {
	Recipients []string // who got the case, by name where known
	Notes      []string // what the agent must and must not do (the categories' notes)
	// Backlog, when set, is when the case reaches its team in the daily
	// backlog digest (nothing was sent to the team yet).
	Backlog time.Time
}

// Update is one thing that happened on a case.
type Update struct {
	What   string   // "acknowledged", "reassigned to legal", ...
	By     string   // who did it, by name where known
	Detail string   // one more line
	Chased []string // at a breach: who is being chased
	Phone  string   // at a Critical breach: the on-call engineer to phone
}

// Comment is free text from someone on the case.
type Comment struct {
	From string // name and address
	Text string
}

// CommandError is a reply command that was refused or did nothing.
type CommandError struct {
	Command string // as the reply wrote it: "REASSIGN engineers"
	Reason  string // why it did not act
	Hint    string // what would work, when the reason does not say
}

// Case is a case's state when the mail is queued.
type Case struct {
	ID               int64
	Ticket           string
	Kind             string // a vocab.Kind
	Urgency          string // a vocab.Urgency
	Customer         string
	Agent            string // the escalating agent
	Subject          string // the escalation's original subject
	Summary          string // the issue in one line
	Team             string // assigned team
	State            string // open, acknowledged, resolved
	OpenedAt         time.Time
	RespondBy        time.Time
	ResponseTime     time.Duration // the urgency's response target
	AcknowledgedAt   time.Time
	AcknowledgedBy   string
	Confidential     bool
	Unverified       bool // the escalating sender was not authenticated
	ApprovalRequired bool
	SuspendAccount   bool
	Notes            []string // notes recorded on the case so far
	Impact           string   // the escalation's impact or users affected, as written
	AgentName        string   // the escalating agent by name: "Alice Agent <alice@…>"
	// Owner is who acknowledged the case, by name; "" until someone has.
	Owner string
	// With is whom the assigned team reaches now, by name ("Alex Rivera
	// <alex@…> (on call)"): who must act while nobody owns the case.
	With []string

	// UrgencyNote says why Urgency is a default, when the escalation's
	// template gave no level ("the senior-support template has no urgency
	// line; default"); "" when the agent gave one.
	UrgencyNote string
}

// Field is one template field: a single value or a list (steps).
type Field struct {
	Label string
	Value string
	List  []string
}

// Routing is the routing decision.
type Routing struct {
	Teams      []string
	To         []string
	Cc         []string
	Rule       string
	Explain    string
	Categories []string
	Notes      []string
	Actions    []string
	// Why is the routing in one sentence, for the top of the routed mail:
	// "Engineering is closed until Mon 30 Nov 09:00 EST: on call."
	Why string
	// ToNames and CcNames are the people the mail is to and copied to, by
	// name: the mail says whose the case is, for every reader.
	ToNames, CcNames []string
}

// Rejection explains why an escalation was not accepted.
type Rejection struct {
	// Routed: the escalation was Critical and routed despite its problems;
	// the agent is asked for the missing pieces.
	Routed   bool
	Subject  string       // the rejected mail's subject
	Reason   string       // missing-fields, invalid-fields, too-large
	Errors   []FieldError // every problem found
	Template string       // the template pre-filled with what was understood
}

// FieldError is one missing or invalid field.
type FieldError struct {
	Field   string
	Message string
}

// Breach describes one step of the escalation chain.
type Breach struct {
	Step     int           // 1 for the first breach
	Overdue  time.Duration // how long past respond-by
	Team     string        // the team this step escalates to
	Reminder int           // at the top of the chain: reminder number, else 0
	Of       int           // at the top of the chain: how many reminders in all
}

// FollowUp numbers a periodic mail.
type FollowUp struct {
	Number   int
	Interval time.Duration
}

// Resolution is a closing note.
type Resolution struct {
	Note string
	By   string
	// RootCause is the root cause the resolver named ("" when none).
	RootCause string
}

// Flood describes a sender over its rate limit.
type Flood struct {
	Sender string
	Count  int
	Window time.Duration
}

// OAuthAlert describes a server whose OAuth2 token needs the operator.
type OAuthAlert struct {
	// Server is "mailbox <name>" or "smtp".
	Server string
	// Problem is "refresh-failed" or "expiring" (cannot be renewed).
	Problem string
	// Since is when the problem began.
	Since time.Time
	// Expiry of the token in hand (zero: none).
	Expiry time.Time
	// Valid: the token in hand still works (Expiry is after Now).
	Valid bool
	// Error is the last refresh error, if any.
	Error string
	// Next is when the operator hears again if the problem lasts.
	Next time.Time
}

// Failure describes mail that could not be delivered.
type Failure struct {
	Event string
	To    []string
	Error string
	// Bounced: the mail was accepted, then returned by the remote server.
	Bounced bool
	// Next is the escalation step asked to take the case because the page
	// did not reach the person who had to act.
	Next string
	// NobodyReached: every person who could act on the case failed.
	NobodyReached bool
}

// Sample returns example data for the named template, used to check
// overrides at load time and in the tests.
func Sample(name vocab.Template) Data {
	opened := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	return Data{
		Event:   string(name),
		Now:     opened,
		Mailbox: "escalations@example.com",
		Case: Case{
			ID: 42, Ticket: "TCK-1234", Kind: string(vocab.KindEscalation), Urgency: string(vocab.Critical), Customer: "jane.doe@example.com",
			Agent: "alice.agent@example.com", Subject: "ESCALATION: [TCK-1234]", Summary: "Payment processing down",
			Team: "senior_support", State: "open", OpenedAt: opened, RespondBy: opened.Add(15 * time.Minute),
			ResponseTime: 15 * time.Minute, Notes: []string{"Escalated to Legal"},
		},
		Fields: []Field{
			{Label: "Customer", Value: "jane.doe@example.com"},
			{Label: "Issue", Value: "Payment processing down"},
			{Label: "Steps to reproduce", List: []string{"Open checkout", "Pay"}},
		},
		Routing: Routing{Teams: []string{"senior_support"}, To: []string{"senior-support@example.com"}, Rule: "tier2",
			Explain: "matched rule tier2", Categories: []string{"legal"}, Notes: []string{"Escalated to Legal"}, Actions: []string{"Monitor closely"}},
		Rejection: Rejection{Subject: "ESCALATION: [TCK-1234]", Reason: "missing-fields",
			Errors: []FieldError{{Field: "urgency", Message: "Urgency is missing"}}, Template: "ESCALATION: [TCK-1234]\nUrgency: " + vocab.UrgencyPlaceholder() + "\n"},
		Breach:     Breach{Step: 1, Overdue: 0, Team: "management"},
		FollowUp:   FollowUp{Number: 1, Interval: 4 * time.Hour},
		Resolution: Resolution{Note: "Fixed in release 2.3", By: "eng@example.com"},
		Flood:      Flood{Sender: "noisy@example.com", Count: 6, Window: time.Hour},
		Receipt:    Receipt{Recipients: []string{"Alex Rivera (on call)", "Roy Henderson"}, Notes: []string{"Do NOT reply to customer yet"}},
		Update:     Update{What: "acknowledged", By: "Alex Rivera", Detail: "Alex Rivera owns the case now."},
		Comment:    Comment{From: "Alex Rivera <alex.rivera@example.com>", Text: "Which browser does the customer use?"},
		History:    []string{"2026-11-27 08:00 opened by alice.agent@example.com"},
		Review:     sampleReview(),
		Digest: Digest{Team: "senior_support", Cases: []DigestCase{{Ticket: "TCK-9", Summary: "Dark mode request", Agent: "alice.agent@example.com",
			OpenedAt: opened, RespondBy: opened.Add(24 * time.Hour)}}},
		CommandError: CommandError{Command: "REASSIGN engineers", Reason: `there is no team "engineers": use one of senior_support, engineering`},
		Failure:      Failure{Event: string(vocab.EventRouted), To: []string{"x@example.com"}, Error: "550 no such user"},
		OAuth: OAuthAlert{Server: "mailbox escalations", Problem: "refresh-failed", Since: opened.Add(-time.Hour),
			Expiry: opened.Add(20 * time.Minute), Valid: true, Error: `oauth2: "invalid_grant"`, Next: opened.Add(time.Hour)},
	}
}
