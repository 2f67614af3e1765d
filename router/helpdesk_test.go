package router

import (
	"slices"
	"testing"
	"time"

	"escalationd/config"
)

const examplePath = "../examples/helpdesk.yaml"

func loadExample(t testing.TB) *Router {
	t.Helper()
	cfg, err := config.Load(examplePath, config.Options{SkipSecrets: true})
	if err != nil {
		t.Fatalf("load %s: %v", examplePath, err)
	}
	r, err := Compile(cfg)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	return r
}

// Addresses of examples/helpdesk.yaml.
const (
	seniorSupport = "senior-support@craudiovizai.com"
	engineering   = "engineering@craudiovizai.com"
	roy           = "roy@craudiovizai.com"
	cindy         = "cindy@craudiovizai.com"
	securityTeam  = "security-team@craudiovizai.com"
	legal         = "legal@craudiovizai.com"
	media         = "media@craudiovizai.com"
	fraud         = "fraud@craudiovizai.com"
	incidents     = "incidents@craudiovizai.com"
	alex          = "alex.rivera@craudiovizai.com"
	blake         = "blake.chen@craudiovizai.com"
)

// Notes of the example's categories.
var (
	securityNotes = []string{"Do NOT reply to customer yet", "Follow the security incident playbook", "Management approval required for communication", "Never confirm or deny a breach, share technical details or promise specific timelines"}
	legalNotes    = []string{"Note in ticket: Escalated to Legal", "Do NOT engage with customer; let the legal team handle communication", "Never admit fault, make promises or discuss legal matters"}
	mediaNotes    = []string{"Note in ticket: Media Inquiry", "Management handles response; never comment directly"}
	fraudNotes    = []string{"Don't alert customer", "Document evidence in the ticket"}
	outageNotes   = []string{"Major service outage: management informed"}

	criticalActions = []string{"Acknowledge within 15 minutes: reply ACK", "Create the incident channel", "Update the status page", "Keep management (copied) informed until it is resolved"}
	highActions     = []string{"Acknowledge within 30 minutes: reply ACK", "Document thoroughly", "Provide a workaround if one is available", "Monitor closely"}
	mediumActions   = []string{"Acknowledge within 2 hours: reply ACK", "Attempt resolution", "If you are stuck, escalate: reply REASSIGN engineering",
		"Give the agent regular updates for the customer: reply to this mail", "Document the solution: reply RESOLVED <solution>"}
	lowActions = []string{"Acknowledge within 24 hours: reply ACK", "Log it in the backlog", "Give the agent a response for the customer: reply to this mail",
		"No immediate escalation needed", "Review it at the weekly review"}
	notPaged = "Senior support has not been paged: the on-call engineer owns critical issues"
)

func TestHelpdeskReference(t *testing.T) {
	r := loadExample(t)
	ny, _ := time.LoadLocation("America/New_York")
	var (
		tueMorning   = time.Date(2026, 11, 24, 10, 0, 0, 0, ny) // in engineering hours; Alex's week
		tueEvening   = time.Date(2026, 11, 24, 19, 30, 0, 0, ny)
		sunNight     = time.Date(2026, 11, 29, 3, 0, 0, 0, ny)
		monOpening   = time.Date(2026, 11, 30, 9, 0, 0, 0, ny)  // Blake's week starts, engineering opens
		christmas    = time.Date(2026, 12, 26, 14, 0, 0, 0, ny) // Saturday, holiday override: Blake for Alex
		thanksgiving = time.Date(2026, 11, 26, 11, 0, 0, 0, ny) // a company holiday
		summer       = time.Date(2026, 7, 15, 17, 59, 0, 0, ny) // EDT, one minute before closing
		summerLate   = time.Date(2026, 7, 15, 18, 0, 0, 0, ny)  // EDT, closed
		agent        = "agent@craudiovizai.com"
	)
	type want struct {
		to, cc, incident []string
		flags            Flags
		cats             []string
		notes            []string
		rule             string
		actions          []string // nil: not checked
		why              string   // Why of the first recipient; "": not checked
	}
	tests := []struct {
		name string
		in   Input
		at   time.Time
		want want
	}{
		// Tier 1 -> Tier 2, by urgency.
		{"high: senior support", Input{Kind: "escalation", Urgency: "high", Mailbox: "escalations", Sender: agent, Subject: "ESCALATION: T-100", Text: "Tool completely broken for a customer"}, tueMorning,
			want{to: []string{seniorSupport}, rule: "tier2 > tier2-high", actions: highActions}},
		{"medium: senior support", Input{Kind: "escalation", Urgency: "medium", Mailbox: "escalations", Subject: "ESCALATION: T-101", Text: "Integration problem for one user"}, sunNight,
			want{to: []string{seniorSupport}, rule: "tier2 > tier2-medium", actions: mediumActions}},
		{"low: senior support, no immediate escalation", Input{Kind: "escalation", Urgency: "low", Mailbox: "escalations", Subject: "ESCALATION: T-102", Text: "Feature request: dark mode"}, tueMorning,
			want{to: []string{seniorSupport}, rule: "tier2 > tier2-low", actions: lowActions}},
		{"senior support template (no urgency)", Input{Kind: "senior_support", Mailbox: "escalations", Subject: "Escalating ticket T-103", Text: "Refund outside policy requires approval"}, tueEvening,
			want{to: []string{seniorSupport}, rule: "tier2", actions: []string{}}},

		// Critical: on-call engineer immediately, management, incident notice.
		{"critical after hours", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-104", Text: "Checkout returns 500 for everyone"}, sunNight,
			want{to: []string{alex}, cc: []string{roy}, incident: []string{incidents}, rule: "critical, tier2 > tier2-critical",
				actions: append(slices.Clone(criticalActions), notPaged),
				why:     "on call in engineering-oncall until 2026-11-30T09:00:00-05:00"}},
		{"critical in hours still pages on-call", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-105", Text: "Checkout returns 500"}, tueMorning,
			want{to: []string{alex}, cc: []string{roy}, incident: []string{incidents}, rule: "critical, tier2 > tier2-critical"}},
		{"critical payment processing down is a major outage", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-106", Text: "Payment processing down since 02:10"}, sunNight,
			want{to: []string{alex}, cc: []string{roy}, incident: []string{incidents}, cats: []string{"major_outage"}, notes: outageNotes, rule: "critical, major-outage, tier2 > tier2-critical"}},
		{"critical bug in hours: on-call and engineering", Input{Kind: "engineering", Urgency: "critical", Mailbox: "escalations", Subject: "BUG - API failures", Text: "All API calls fail"}, tueMorning,
			want{to: []string{alex, engineering}, cc: []string{roy}, incident: []string{incidents}, cats: []string{"technical"}, rule: "critical, engineering"}},
		{"critical bug after hours: on-call once", Input{Kind: "engineering", Urgency: "critical", Mailbox: "escalations", Subject: "BUG - API failures", Text: "All API calls fail"}, sunNight,
			want{to: []string{alex}, cc: []string{roy}, incident: []string{incidents}, cats: []string{"technical"}, rule: "critical, engineering"}},

		// Tier 2 -> Engineering (BUG template): in hours, after hours.
		{"bug in hours: engineering", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Export fails", Text: "Steps to Reproduce: 1. press Save 2. ask Sue in billing"}, tueMorning,
			want{to: []string{engineering}, rule: "engineering", why: "engineering is in its hours (Mon-Fri 09:00-18:00 America/New_York) at Tue 10:00 EST"}},
		{"bug weekday evening: on-call", Input{Kind: "engineering", Urgency: "medium", Mailbox: "escalations", Subject: "BUG - Slow reports"}, tueEvening,
			want{to: []string{alex}, rule: "engineering"}},
		{"bug on Sunday night: on-call", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Build fails"}, sunNight,
			want{to: []string{alex}, rule: "engineering",
				why: "engineering is outside its hours (Mon-Fri 09:00-18:00 America/New_York) at Sun 03:00 EST: routed to oncall; on call in engineering-oncall until 2026-11-30T09:00:00-05:00"}},
		{"bug on Thanksgiving at 11:00: on-call", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Export fails"}, thanksgiving,
			want{to: []string{alex}, rule: "engineering",
				why: "engineering is outside its hours (Mon-Fri 09:00-18:00 America/New_York) at Thu 11:00 EST (a holiday): routed to oncall; on call in engineering-oncall until 2026-11-30T09:00:00-05:00"}},
		{"bug the day after Thanksgiving: engineering", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Export fails"}, thanksgiving.AddDate(0, 0, 1),
			want{to: []string{engineering}, rule: "engineering"}},
		{"bug at Monday opening: engineering", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Build fails"}, monOpening,
			want{to: []string{engineering}, rule: "engineering"}},
		{"bug in summer before closing (EDT)", Input{Kind: "engineering", Urgency: "low", Mailbox: "escalations", Subject: "BUG - Typo"}, summer,
			want{to: []string{engineering}, rule: "engineering"}},
		{"bug in summer at closing (EDT)", Input{Kind: "engineering", Urgency: "low", Mailbox: "escalations", Subject: "BUG - Typo"}, summerLate,
			want{to: []string{blake}, rule: "engineering"}}, // week 33: 33 mod 4 = Blake
		{"holiday override", Input{Kind: "engineering", Urgency: "high", Mailbox: "escalations", Subject: "BUG - Login broken"}, christmas,
			want{to: []string{blake}, rule: "engineering",
				why: "engineering is outside its hours (Mon-Fri 09:00-18:00 America/New_York) at Sat 14:00 EST: routed to oncall; on call in engineering-oncall (override: holiday swap) until 2027-01-04T09:00:00-05:00"}},
		{"critical during the holiday override", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-107"}, christmas,
			want{to: []string{blake}, cc: []string{roy}, incident: []string{incidents}, rule: "critical, tier2 > tier2-critical"}},

		// Any tier -> Management (management template).
		{"management: major outage", Input{Kind: "management", IssueType: "major_outage", Mailbox: "escalations", Subject: "ESCALATION - Major Outage", Text: "EU region unavailable"}, tueMorning,
			want{to: []string{roy}, cats: []string{"major_outage"}, notes: outageNotes, rule: "major-outage, management"}},
		{"management: legal", Input{Kind: "management", IssueType: "legal", Mailbox: "escalations", Subject: "ESCALATION - Legal", Text: "Customer's attorney sent a letter"}, tueMorning,
			want{to: []string{legal}, cc: []string{roy}, flags: Flags{Confidential: true}, cats: []string{"legal"}, notes: legalNotes, rule: "special > legal"}},
		{"management: media", Input{Kind: "management", IssueType: "media", Mailbox: "escalations", Subject: "ESCALATION - Media"}, tueMorning,
			want{to: []string{media}, cc: []string{roy}, flags: Flags{Confidential: true}, cats: []string{"media"}, notes: mediaNotes, rule: "special > media"}},
		{"management: security", Input{Kind: "management", IssueType: "security", Mailbox: "escalations", Subject: "ESCALATION - Security"}, sunNight,
			want{to: []string{securityTeam}, cc: []string{roy}, flags: Flags{Confidential: true, ApprovalRequired: true}, cats: []string{"security"}, notes: securityNotes, rule: "special > security"}},

		// Special escalations detected from mailbox and keywords.
		{"security mailbox report", Input{Kind: "security_report", Mailbox: "security", MailboxKind: "security", Sender: "researcher@example.org", Subject: "Found something", Text: "Your login form"}, sunNight,
			want{to: []string{securityTeam}, cc: []string{roy}, flags: Flags{Confidential: true, ApprovalRequired: true}, cats: []string{"security"}, notes: securityNotes, rule: "special > security"}},
		{"agent escalation in the security mailbox", Input{Kind: "escalation", Urgency: "high", Mailbox: "security", MailboxKind: "security", Sender: agent, Subject: "ESCALATION: T-108"}, tueMorning,
			want{to: []string{securityTeam}, cc: []string{roy}, flags: Flags{Confidential: true, ApprovalRequired: true}, cats: []string{"security"}, notes: securityNotes, rule: "special > security"}},
		{"security keyword, critical", Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-109", Text: "Data breach suspected: customer data posted online"}, sunNight,
			want{to: []string{alex, securityTeam}, cc: []string{roy}, flags: Flags{Confidential: true, ApprovalRequired: true}, cats: []string{"security"}, notes: securityNotes, rule: "critical, special > security"}},
		{"legal threat keyword", Input{Kind: "escalation", Urgency: "high", Mailbox: "escalations", Subject: "ESCALATION: T-110", Text: "The customer says they will sue us over the outage."}, tueMorning,
			want{to: []string{legal}, cc: []string{roy}, flags: Flags{Confidential: true}, cats: []string{"legal"}, notes: legalNotes, rule: "special > legal",
				actions: []string{"Handle all communication with the customer: support will not engage", "Never admit fault or make promises"}}},
		{"media inquiry keyword", Input{Kind: "senior_support", Mailbox: "escalations", Subject: "Reporter asking about pricing change"}, tueMorning,
			want{to: []string{media}, cc: []string{roy}, flags: Flags{Confidential: true}, cats: []string{"media"}, notes: mediaNotes, rule: "special > media"}},
		{"fraud", Input{Kind: "escalation", Urgency: "medium", Mailbox: "escalations", Subject: "ESCALATION: T-111", Text: "Several orders paid with a stolen credit card"}, tueMorning,
			want{to: []string{fraud}, cc: []string{roy}, flags: Flags{Confidential: true, SuspendAccount: true}, cats: []string{"fraud"}, notes: fraudNotes, rule: "special > fraud"}},
		{"legal and media at once", Input{Kind: "escalation", Urgency: "high", Mailbox: "escalations", Subject: "ESCALATION: T-112", Text: "A journalist called: the customer filed a lawsuit"}, tueMorning,
			want{to: []string{legal, media}, cc: []string{roy}, flags: Flags{Confidential: true}, cats: []string{"legal", "media"},
				notes: append(slices.Clone(legalNotes), mediaNotes...), rule: "special > legal, special > media"}},
		{"major outage keyword, high", Input{Kind: "escalation", Urgency: "high", Mailbox: "escalations", Subject: "ESCALATION: T-113", Text: "Complete outage of the editor"}, tueMorning,
			want{to: []string{seniorSupport}, cc: []string{roy}, cats: []string{"major_outage"}, notes: outageNotes, rule: "major-outage, tier2 > tier2-high"}},

		// Marketing issues and partnerships: the CMO.
		{"partnership", Input{Kind: "escalation", Urgency: "medium", Mailbox: "escalations", Subject: "ESCALATION: T-114", Text: "Agency asks about a partnership"}, tueMorning,
			want{to: []string{cindy}, cats: []string{"marketing"}, rule: "marketing"}},
		{"marketing issue via senior support", Input{Kind: "senior_support", Mailbox: "escalations", Subject: "Sponsorship request"}, sunNight,
			want{to: []string{cindy}, cats: []string{"marketing"}, rule: "marketing"}},
		{"a marketing page in a bug is no marketing matter", Input{Kind: "engineering", Urgency: "low", Mailbox: "escalations", Subject: "BUG - Marketing page typo"}, tueMorning,
			want{to: []string{engineering}, rule: "engineering"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := r.Route(tt.in, tt.at)
			w := tt.want
			check := func(field string, got, want []string) {
				t.Helper()
				if want == nil {
					want = []string{}
				}
				if got == nil {
					got = []string{}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("To", d.To, w.to)
			check("Cc", d.Cc, w.cc)
			check("Incident", d.Incident, w.incident)
			check("Notes", d.Notes, w.notes)
			var cats []string
			for _, c := range d.Categories {
				cats = append(cats, c.Name)
			}
			check("Categories", cats, w.cats)
			if w.actions != nil {
				check("Actions", d.Actions, w.actions)
			}
			if d.Flags != w.flags {
				t.Errorf("Flags = %+v, want %+v", d.Flags, w.flags)
			}
			if d.Rule != w.rule {
				t.Errorf("Rule = %q, want %q", d.Rule, w.rule)
			}
			if w.why != "" && (len(d.Recipients) == 0 || d.Recipients[0].Why != w.why) {
				t.Errorf("Why = %q\nwant  %q", d.Recipients[0].Why, w.why)
			}
			if t.Failed() {
				t.Logf("explain:\n%s", d.Explain)
			}
		})
	}
}

// A case handed to a special team takes on that team's flags: REASSIGN
// fraud makes an ordinary case confidential.
func TestTeamFlags(t *testing.T) {
	r := loadExample(t)
	for team, confidential := range map[string]bool{"fraud": true, "legal": true, "security": true, "media": true,
		"senior_support": false, "engineering": false, "marketing": false} {
		if got := r.TeamFlags(team).Confidential; got != confidential {
			t.Errorf("TeamFlags(%s).Confidential = %v, want %v", team, got, confidential)
		}
	}
	if !r.TeamFlags("fraud").SuspendAccount || !r.TeamFlags("security").ApprovalRequired {
		t.Errorf("fraud %+v, security %+v", r.TeamFlags("fraud"), r.TeamFlags("security"))
	}
}
