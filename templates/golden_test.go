package templates

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"escalationd/vocab"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The golden files hold the rendered subject and body of every template
// for four cases: a normal (High) escalation, a Critical outage paged at
// night, a confidential legal threat and a BUG report after hours. They
// are the mail as its reader sees it; read them on a phone-sized screen
// when a template changes (go test ./templates/ -update rewrites them).

var newYork = func() *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		panic(err)
	}
	return loc
}()

// goldenCase is one case of the golden files, as its routed mail sees it.
func goldenCase(name string) Data {
	switch name {
	case "normal":
		opened := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // Tue 10:00 EST
		return Data{
			Now: opened, Location: newYork, Mailbox: "escalations@craudiovizai.com",
			Case: Case{ID: 12, Ticket: "TCK-1001", Kind: string(vocab.KindEscalation), Urgency: string(vocab.High),
				Customer: "jane.doe@example.com", Agent: "alice.agent@craudiovizai.com", AgentName: "Alice Agent <alice.agent@craudiovizai.com>",
				Subject: "ESCALATION: [TCK-1001]", Summary: "Export to CSV fails for every user of the account", Team: "senior_support", State: "open",
				OpenedAt: opened, RespondBy: opened.Add(30 * time.Minute), ResponseTime: 30 * time.Minute, Impact: "~40 users",
				With: []string{"senior-support@craudiovizai.com"}},
			Fields: []Field{{Label: "Customer", Value: "jane.doe@example.com"}, {Label: "Issue", Value: "Export to CSV fails for every user of the account"},
				{Label: "Attempted", Value: "Cleared cache, tried another browser"}, {Label: "Impact", Value: "~40 users"}, {Label: "Urgency", Value: "High"}},
			Routing: Routing{Teams: []string{"senior_support"}, To: []string{"senior-support@craudiovizai.com"}, Rule: "tier2 > tier2-high",
				Explain: "rule: tier2 > tier2-high\n  tier2 > tier2-high (tier2: matches every case; tier2-high: urgency high)\nto:\n  senior-support@craudiovizai.com (team senior_support)",
				Actions: []string{"Escalate to senior support", "Provide a workaround if available"},
				Why:     "High escalation cases go to senior support (rule tier2 > tier2-high)."},
			Receipt: Receipt{Recipients: []string{"senior-support@craudiovizai.com (senior support)"}},
		}
	case "critical":
		opened := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC) // Sat 03:00 EST
		return Data{
			Now: opened, Location: newYork, Mailbox: "escalations@craudiovizai.com",
			Case: Case{ID: 7, Ticket: "TCK-7001", Kind: string(vocab.KindEscalation), Urgency: string(vocab.Critical),
				Customer: "jane.doe@example.com", Agent: "alice.agent@craudiovizai.com", AgentName: "Alice Agent <alice.agent@craudiovizai.com>",
				Subject: "ESCALATION: [TCK-7001]", Summary: "Payment processing down", Team: "oncall", State: "open",
				OpenedAt: opened, RespondBy: opened.Add(15 * time.Minute), ResponseTime: 15 * time.Minute, Impact: "~1,200 users",
				With: []string{"Alex Rivera <alex.rivera@craudiovizai.com> (on call)"}},
			Fields: []Field{{Label: "Customer", Value: "jane.doe@example.com"}, {Label: "Issue", Value: "Payment processing down"},
				{Label: "Attempted", Value: "Restarted checkout, checked status page"}, {Label: "Impact", Value: "~1,200 users"}, {Label: "Urgency", Value: "Critical"}},
			Routing: Routing{Teams: []string{"oncall", "management"}, To: []string{"alex.rivera@craudiovizai.com"}, Cc: []string{"roy@craudiovizai.com"},
				Rule: "critical, major-outage, tier2 > tier2-critical", Categories: []string{"major_outage"},
				Explain: "rule: critical, major-outage, tier2 > tier2-critical\ncategories:\n  major_outage: keyword \"payment processing down\" in text\nto:\n  alex.rivera@craudiovizai.com (Alex Rivera, team oncall): on call in engineering-oncall until 2026-11-30T09:00:00-05:00\ncc:\n  roy@craudiovizai.com (team management)",
				Notes:   []string{"Major service outage: management informed"},
				Actions: []string{"Acknowledge within 15 minutes: reply ACK", "Create the incident channel", "Update the status page", "Keep management (copied) informed until it is resolved"},
				Why:     "You are on call until Mon 30 Nov 09:00 EST: this Critical case goes to on call; management is copied."},
			Receipt: Receipt{Recipients: []string{"Alex Rivera (on call)", "Roy Henderson (management)"}},
		}
	case "confidential":
		opened := time.Date(2026, 12, 1, 19, 30, 0, 0, time.UTC) // Tue 14:30 EST
		return Data{
			Now: opened, Location: newYork, Mailbox: "escalations@craudiovizai.com",
			Case: Case{ID: 31, Ticket: "LEG-500", Kind: string(vocab.KindManagement), Urgency: string(vocab.High),
				Customer: "Jane Doe", Agent: "alice.agent@craudiovizai.com", AgentName: "Alice Agent <alice.agent@craudiovizai.com>",
				Subject: "ESCALATION - Legal", Summary: "Customer threatens a lawsuit over a double charge", Team: "legal", State: "open",
				OpenedAt: opened, RespondBy: opened.Add(30 * time.Minute), ResponseTime: 30 * time.Minute, Confidential: true,
				With: []string{"legal@craudiovizai.com"}},
			Fields: []Field{{Label: "Customer", Value: "Jane Doe"}, {Label: "Issue type", Value: "Legal"},
				{Label: "Summary", Value: "Customer threatens a lawsuit over a double charge"}, {Label: "Current status", Value: "Their lawyer wrote to support"},
				{Label: "Recommended action", Value: "Legal to answer the lawyer"}},
			Routing: Routing{Teams: []string{"legal", "management"}, To: []string{"legal@craudiovizai.com"}, Cc: []string{"roy@craudiovizai.com"},
				Rule: "special > legal", Categories: []string{"legal"},
				Explain: "rule: special > legal\ncategories:\n  legal: issue type legal, keyword \"lawsuit\" in text\nto:\n  legal@craudiovizai.com (team legal)\ncc:\n  roy@craudiovizai.com (team management)",
				Notes:   []string{"Note in ticket: Escalated to Legal", "Do NOT engage with customer; let the legal team handle communication"},
				Actions: []string{"Handle all communication with the customer: support will not engage", "Never admit fault or make promises"},
				Why:     "It is a legal case, which goes to legal; management is copied."},
			Receipt: Receipt{Recipients: []string{"legal@craudiovizai.com (legal)", "Roy Henderson (management)"},
				Notes: []string{"Note in ticket: Escalated to Legal", "Do NOT engage with customer; let the legal team handle communication"}},
		}
	case "bug":
		opened := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC) // Tue 20:00 EST
		return Data{
			Now: opened, Location: newYork, Mailbox: "escalations@craudiovizai.com",
			Case: Case{ID: 44, Ticket: "TCK-4242", Kind: string(vocab.KindEngineering), Urgency: string(vocab.Medium),
				Customer: "", Agent: "sam.senior@craudiovizai.com", AgentName: "Sam Senior <sam.senior@craudiovizai.com>",
				Subject: "BUG - Invoice PDF shows the wrong tax rate", Summary: "Invoice PDF shows the wrong tax rate for Canadian accounts", Team: "oncall", State: "open",
				OpenedAt: opened, RespondBy: opened.Add(2 * time.Hour), ResponseTime: 2 * time.Hour, Impact: "all",
				With: []string{"Alex Rivera <alex.rivera@craudiovizai.com> (on call)"}},
			Fields: []Field{{Label: "Severity", Value: "Medium"}, {Label: "Users affected", Value: "all"},
				{Label: "Description", Value: "Invoices for Canadian accounts show 5% GST where 13% HST applies."},
				{Label: "Steps to reproduce", List: []string{"Open an Ontario account", "Download the last invoice"}},
				{Label: "Expected", Value: "13% HST"}, {Label: "Actual", Value: "5% GST"}},
			Routing: Routing{Teams: []string{"oncall"}, To: []string{"alex.rivera@craudiovizai.com"}, Rule: "engineering",
				Explain: "rule: engineering\nto:\n  alex.rivera@craudiovizai.com (Alex Rivera, team oncall): engineering is outside its hours (Mon-Fri 09:00-18:00 America/New_York) at Tue 20:00 EST: routed to oncall; on call in engineering-oncall until 2026-12-07T09:00:00-05:00",
				Why:     "You are on call: engineering is closed until Wed 2 Dec 09:00 EST."},
			Receipt: Receipt{Recipients: []string{"Alex Rivera (on call)"}},
		}
	}
	panic(name)
}

var goldenCases = []string{"normal", "critical", "confidential", "bug"}

// goldenData is the data of one event's mail on a golden case: the case
// at the time that event comes.
func goldenData(name string, tpl vocab.Template) Data {
	d := goldenCase(name)
	d.Event = string(tpl)
	d.Role = string(vocab.RoleTeam)
	d.Reply = true
	c := &d.Case
	owner := "Alex Rivera <alex.rivera@craudiovizai.com>"
	if c.Team == "legal" {
		owner = "Lee Counsel <lee.counsel@craudiovizai.com>"
	} else if c.Team == "senior_support" {
		owner = "Sam Senior <sam.senior@craudiovizai.com>"
	}
	acknowledge := func(after time.Duration) {
		c.State, c.AcknowledgedAt, c.Owner, c.With = "acknowledged", c.OpenedAt.Add(after), owner, nil
	}
	switch vocab.Template(tpl) {
	case "routed":
		d.Reply = false
	case "incident":
		d.Role = string(vocab.RoleIncident)
	case "rejection":
		d.Role = string(vocab.RoleAgent)
		d.Rejection = Rejection{Subject: c.Subject, Reason: "missing-fields",
			Errors:   []FieldError{{Field: "customer", Message: "Customer is missing: expected the customer's email address"}},
			Template: c.Subject + "\nCustomer: [email]\nIssue: " + c.Summary + "\nUrgency: " + title(c.Urgency) + "\n"}
		if c.Urgency == string(vocab.Critical) {
			d.Rejection.Routed = true
		} else {
			d.Case, d.Reply, d.Role = Case{}, false, string(vocab.RoleSender)
			d.Rejection.Errors = append(d.Rejection.Errors, FieldError{Field: "urgency", Message: `Urgency must be one of Low, Medium, High, Critical; got "ASAP"`})
		}
	case "breach":
		d.Now = c.RespondBy.Add(5 * time.Minute)
		d.Breach = Breach{Step: 1, Overdue: 5 * time.Minute, Team: "management"}
		if c.Urgency == string(vocab.Critical) {
			d.Now = c.RespondBy.Add(50 * time.Minute)
			d.Breach = Breach{Step: 2, Overdue: 50 * time.Minute, Team: "management", Reminder: 2, Of: 3}
		}
	case "status-check":
		d.Now = c.OpenedAt.Add(4 * time.Hour)
		d.FollowUp = FollowUp{Number: 1, Interval: 4 * time.Hour}
		if c.Urgency != string(vocab.Medium) {
			acknowledge(10 * time.Minute)
			d.LatestNote = Note{Text: "Rolled back the 4.2 deploy; watching error rates.", By: "Alex Rivera <alex.rivera@craudiovizai.com>",
				At: c.OpenedAt.Add(90 * time.Minute)}
		}
	case "customer-update", "customer-update-direct":
		d.Role = string(vocab.RoleAgent)
		if tpl == "customer-update-direct" {
			d.Role = string(vocab.RoleCustomer)
		}
		d.Now = c.OpenedAt.Add(24 * time.Hour)
		d.FollowUp = FollowUp{Number: 1, Interval: 24 * time.Hour}
		if tpl == "customer-update" {
			d.LatestNote = Note{Text: "A fix is in review; expected in tomorrow's release.", By: "Sam Senior <sam.senior@craudiovizai.com>",
				At: c.OpenedAt.Add(20 * time.Hour)}
		}
		acknowledge(10 * time.Minute)
	case "resolved", "thanks":
		d.Role = string(vocab.RoleAgent)
		if tpl == "thanks" {
			d.Role = string(vocab.RoleTeam)
		}
		d.Now = c.OpenedAt.Add(5 * time.Hour)
		acknowledge(10 * time.Minute)
		c.State = "resolved"
		d.Resolution = Resolution{Note: "card processor restarted; payments flow again", By: owner, RootCause: "product-bug"}
	case "flood-alert":
		d = Data{Event: string(tpl), Role: string(vocab.RoleOperator), Now: d.Now, Location: newYork,
			Flood: Flood{Sender: "noisy@outside.example", Count: 6, Window: time.Hour}}
	case "oauth-alert":
		failed, critical := d.Now.Add(-20*time.Minute), c.Urgency == string(vocab.Critical)
		d = Data{Event: string(tpl), Role: string(vocab.RoleOperator), Now: d.Now, Location: newYork,
			OAuth: OAuthAlert{Server: "mailbox escalations", Problem: "refresh-failed", Since: failed, Expiry: d.Now.Add(35 * time.Minute),
				Valid: true, Next: d.Now.Add(time.Hour),
				Error: `refresh token at https://login.microsoftonline.com/organizations/oauth2/v2.0/token: oauth2: "invalid_grant" "AADSTS70043: The refresh token has expired due to inactivity."`}}
		if critical {
			d.OAuth = OAuthAlert{Server: "smtp", Problem: "expiring", Since: d.Now, Expiry: d.Now.Add(20 * time.Hour), Valid: true,
				Next: d.Now.Add(time.Hour)}
		}
	case "weekly-review", "monthly-review":
		d = Data{Event: string(tpl), Role: string(vocab.RoleManagement), Now: d.Now, Location: newYork, Review: sampleReview()}
		if tpl == "monthly-review" {
			d.Review.Title, d.Review.Span, d.Review.Last = "Monthly root-cause review", "November 2026", "October"
		}
	case "delivery-failed":
		d.Role = string(vocab.RoleAgent)
		d.Now = c.OpenedAt.Add(2 * time.Minute)
		d.Failure = Failure{Event: "routed", To: d.Routing.To, Error: "550 5.1.1 mailbox unavailable"}
		if c.Urgency == string(vocab.Critical) {
			// The 3 am page bounced later: the next in the chain reads this.
			d.Role = string(vocab.RoleTeam)
			d.Failure = Failure{Event: "routed", To: []string{"alex.rivera@craudiovizai.com"}, Bounced: true, Next: "engineering's lead",
				Error: "returned by the remote server: 5.1.1 550 5.1.1 <alex.rivera@craudiovizai.com>: Recipient address rejected: User unknown"}
		}
	case "command-error":
		d.Role = string(vocab.RoleSender)
		d.Now = c.OpenedAt.Add(12 * time.Minute)
		d.CommandError = CommandError{Command: "REASSIGN engineers",
			Reason: `there is no team "engineers"; did you mean engineering? (teams: senior_support, engineering, oncall, legal, management)`,
			Hint:   "as owning team you may reply with a comment, or ACK, RESOLVED <note>, NOTE <text>, URGENCY <level>, REASSIGN <team>, REOPEN"}
	case "receipt":
		d.Role = string(vocab.RoleAgent)
		if c.Urgency == string(vocab.Critical) {
			d.Receipt.Notes = []string{"Phone the on-call engineer, Alex Rivera, if nobody answers within 15 minutes"}
		}
	case "agent-update":
		d.Role = string(vocab.RoleAgent)
		d.Now = c.OpenedAt.Add(6 * time.Minute)
		acknowledge(6 * time.Minute)
		d.Update = Update{What: "acknowledged", By: owner, Detail: owner + " owns the case now; status checks go to them."}
		if c.Urgency == string(vocab.Critical) {
			d.Now = c.RespondBy
			c.State, c.Owner, c.With = "open", "", []string{"Alex Rivera <alex.rivera@craudiovizai.com> (on call)"}
			d.Update = Update{What: "not acknowledged in time", Detail: "Nobody took the case by Sat 28 Nov 03:15 EST.",
				Chased: []string{"Alex Rivera <alex.rivera@craudiovizai.com>", "Roy Henderson <roy@craudiovizai.com>"}, Phone: "Alex Rivera <alex.rivera@craudiovizai.com>"}
		}
	case "comment":
		d.Role = string(vocab.RoleAgent)
		d.Now = c.OpenedAt.Add(20 * time.Minute)
		acknowledge(6 * time.Minute)
		d.Comment = Comment{From: owner, Text: "Which card processor does the customer use, and since when?"}
		if name == "bug" {
			d.Role = string(vocab.RoleTeam)
			d.Comment = Comment{From: c.AgentName, Text: "It started with the 4.2 release.\nThe customer has 1,400 invoices to resend."}
		}
	case "handover":
		d.Now = time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC) // Wed 09:00 EST
		if c.OpenedAt.After(d.Now) {
			d.Now = c.OpenedAt.Add(3 * time.Hour)
		}
		c.Team, c.With = "engineering", []string{"engineering@craudiovizai.com"}
		d.Update = Update{What: "handed over", Detail: "engineering's hours have begun, and nobody on call took the case overnight"}
		at := FormatTime(c.OpenedAt, d.Now, newYork)
		d.History = []string{at + " opened by " + c.Agent, at + " routed to " + strings.Join(d.Routing.To, ", ")}
	case "backlog-digest":
		d.Role = string(vocab.RoleTeam)
		d.Now = time.Date(2026, 12, 2, 14, 0, 0, 0, time.UTC) // Wed 09:00 EST
		d.Case = Case{}
		d.Digest = Digest{Team: "senior_support", Cases: []DigestCase{
			{Ticket: "TCK-1004", Summary: "Feature request: dark mode for the editor", Agent: "alice.agent@craudiovizai.com",
				OpenedAt: d.Now.Add(-20 * time.Hour), RespondBy: d.Now.Add(24 * time.Hour)},
			{Ticket: "TCK-1010", Summary: "Export as PDF", Agent: "bob.agent@craudiovizai.com",
				OpenedAt: d.Now.Add(-2 * time.Hour), RespondBy: d.Now.Add(24 * time.Hour), Acknowledged: true},
		}}
	}
	return d
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func render1(t *testing.T, s *Set, tpl vocab.Template, d Data) string {
	t.Helper()
	subject, body, err := s.Render(tpl, d)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("Subject: %s\nX-Escalation-Event: %s\nReader: %s\n\n%s", subject, d.Event, d.Role, body)
}

func TestGolden(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range goldenCases {
		for _, tpl := range vocab.Templates {
			t.Run(name+"-"+string(tpl), func(t *testing.T) {
				got := render1(t, s, tpl, goldenData(name, tpl))
				path := filepath.Join(dir, name+"-"+string(tpl)+".txt")
				if *update {
					if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./templates/ -update)", err)
				}
				if got != string(want) {
					t.Errorf("%s differs from the rendered mail (go test ./templates/ -update rewrites it):\n%s", path, got)
				}
			})
		}
	}
}

var (
	// emptyPlaceholder is what a field left empty leaves behind.
	emptyPlaceholder = regexp.MustCompile(`\(\)|:  |\b0m\b|\b0 minutes\b|<no value>|\[\]|: $|, \.|  \.`)
	// localTime is a time the mail writes: it must carry its zone.
	localTime = regexp.MustCompile(`\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} [A-Z][a-z]{2}( \d{4})? \d{2}:\d{2}\b( [A-Z]{3,5}\b)?`)
	utcStamp  = regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}`)
)

// Every mail a busy person reads: the reply commands (or what to reply)
// come in the first 15 lines, no line holds an empty placeholder, every
// time carries its zone, and every case mail has the case's subject.
func TestMailReadsWell(t *testing.T) {
	s, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range goldenCases {
		for _, tpl := range vocab.Templates {
			d := goldenData(name, tpl)
			subject, body, err := s.Render(tpl, d)
			if err != nil {
				t.Fatal(err)
			}
			where := name + "-" + string(tpl)
			lines := strings.Split(body, "\n")
			top := strings.Join(lines[:min(15, len(lines))], "\n")
			switch {
			case d.Case.Ticket == "":
				// Mail about no case (a rejection, a flood alert) has no
				// commands.
			case tpl == vocab.Template(vocab.EventCommandError):
				// What the sender may do instead, for this case.
				if !strings.Contains(top, "What works:") {
					t.Errorf("%s: does not say what works:\n%s", where, top)
				}
			case d.Role == string(vocab.RoleIncident):
				// The incident list runs the channel; it may only add notes.
				if !strings.Contains(top, "Reply NOTE <text>") {
					t.Errorf("%s: does not say how to add to the case:\n%s", where, top)
				}
			case d.Role == string(vocab.RoleTeam) || d.Role == string(vocab.RoleSender):
				if tpl != "thanks" && !strings.Contains(top, "Reply to this mail with one command on the first line:") {
					t.Errorf("%s: no commands in the first 15 lines:\n%s", where, top)
				}
				if tpl == "thanks" && !strings.Contains(top, "reply REOPEN") {
					t.Errorf("%s: does not say how to reopen:\n%s", where, top)
				}
			case d.Role == string(vocab.RoleAgent):
				if !strings.Contains(top, "Reply to this mail") {
					t.Errorf("%s: no reply instructions in the first 15 lines:\n%s", where, top)
				}
			}
			for i, l := range append([]string{subject}, lines...) {
				if emptyPlaceholder.MatchString(l) {
					t.Errorf("%s line %d has an empty placeholder: %q", where, i, l)
				}
				for _, m := range localTime.FindAllStringSubmatch(l, -1) {
					if m[3] == "" {
						t.Errorf("%s line %d: a time without its zone: %q", where, i, l)
					}
				}
				if utcStamp.MatchString(l) {
					t.Errorf("%s line %d: a machine time stamp: %q", where, i, l)
				}
			}
			caseMail := d.Case.Ticket != "" && tpl != vocab.TemplateCustomerUpdateDirect
			want := "ESCALATION: [" + d.Case.Ticket + "] [" + title(d.Case.Urgency) + "] "
			if caseMail && d.Reply {
				want = "Re: " + want
			}
			if caseMail && !strings.HasPrefix(subject, want) {
				t.Errorf("%s: subject %q is not the case's (%q...)", where, subject, want)
			}
			if len(subject) > 100 {
				t.Errorf("%s: subject of %d characters: %q", where, len(subject), subject)
			}
		}
	}
}

// Times: the zone, how far away, and never "0m overdue".
func TestTimes(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	d := Data{Now: now, Location: newYork}
	for _, c := range []struct{ got, want string }{
		{d.When(now.Add(15 * time.Minute)), "Tue 1 Dec 10:15 EST, in 15 minutes"},
		{d.When(now.Add(-65 * time.Minute)), "Tue 1 Dec 08:55 EST, 1 hour 5 minutes ago"},
		{d.When(now), "Tue 1 Dec 10:00 EST, just now"},
		{Every(24 * time.Hour), "every day"},
		{Every(4 * time.Hour), "every 4 hours"},
		{d.When(now.Add(50 * time.Hour)), "Thu 3 Dec 12:00 EST, in 2 days 2 hours"},
		{d.At(time.Date(2027, 7, 1, 13, 0, 0, 0, time.UTC)), "Thu 1 Jul 2027 09:00 EDT"},
		{d.Late(now.Add(-20 * time.Second)), ""},
		{d.Late(now.Add(-90 * time.Minute)), "1 hour 30 minutes"},
		{d.Late(time.Time{}), ""},
		{Data{Now: now}.At(now), "Tue 1 Dec 15:00 UTC"},
		{Span(0), "less than a minute"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	s, _ := Load("")
	g := goldenData("normal", "breach")
	g.Now = g.Case.RespondBy
	_, body, _ := s.Render("breach", g)
	if strings.Contains(body, "overdue by") || strings.Contains(body, "0m") {
		t.Errorf("a breach right at respond-by says how overdue:\n%s", body)
	}
}
