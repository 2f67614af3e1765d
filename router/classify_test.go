package router

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// The example's categories do not cry wolf (issue 12): everyday words of
// billing disputes, scam questions and product vocabulary detect nothing,
// while real fraud, legal threats and partnerships still are.
func TestExampleClassification(t *testing.T) {
	r := loadExample(t)
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC) // Tuesday 10:00 New York
	tests := []struct {
		name string
		in   Input
		cats []string
		not  []string // held back by exclude_keywords
	}{
		{"billing dispute mentioning a chargeback", Input{Kind: "escalation", Urgency: "high", Subject: "ESCALATION: T-1",
			Text: "Billing dispute: the customer was charged twice and threatens a chargeback if we do not refund."}, nil, nil},
		{"billing dispute that says fraud", Input{Kind: "escalation", Urgency: "medium", Subject: "ESCALATION: T-2",
			Text: "Billing dispute: customer calls the double charge fraud and wants a refund."}, nil, []string{"fraud"}},
		{"customer asks whether a mail is a scam", Input{Kind: "senior_support", Subject: "Is this email a scam?",
			Text: "The customer forwarded a mail asking for her password and wants to know if it is fraud or real."}, nil, []string{"fraud"}},
		{"email marketing integration in a bug", Input{Kind: "engineering", Urgency: "medium", Subject: "BUG - Email marketing integration drops contacts",
			Text: "The email marketing integration stops syncing after 100 contacts."}, nil, nil},
		{"real fraud", Input{Kind: "escalation", Urgency: "high", Subject: "ESCALATION: T-3",
			Text: "Fraud detected: three accounts paid with stolen credit cards in one hour."}, []string{"fraud"}, nil},
		{"fraud issue type", Input{Kind: "management", IssueType: "fraud", Subject: "ESCALATION - Fraud", Text: "Card testing on the signup form."},
			[]string{"fraud"}, nil},
		{"real legal threat", Input{Kind: "escalation", Urgency: "high", Subject: "ESCALATION: T-4",
			Text: "The customer's attorney sent a cease and desist letter."}, []string{"legal"}, nil},
		{"partnership", Input{Kind: "escalation", Urgency: "low", Subject: "ESCALATION: T-5",
			Text: "A reseller asks about a partnership for the EU market."}, []string{"marketing"}, nil},
		{"marketing issue type", Input{Kind: "management", IssueType: "marketing", Subject: "ESCALATION - Marketing", Text: "Our launch campaign uses the wrong logo."},
			[]string{"marketing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Mailbox = "escalations"
			d := r.Route(tt.in, now)
			var cats, not []string
			for _, c := range d.Categories {
				cats = append(cats, c.Name)
			}
			for _, c := range d.Excluded {
				not = append(not, c.Name)
			}
			if !slices.Equal(cats, tt.cats) || !slices.Equal(not, tt.not) {
				t.Errorf("categories %q, excluded %q; want %q, %q\n%s", cats, not, tt.cats, tt.not, d.Explain)
			}
		})
	}
	// Fraud and marketing management templates go to their own people.
	d := r.Route(Input{Kind: "management", IssueType: "marketing", Mailbox: "escalations", Subject: "ESCALATION - Marketing"}, now)
	if !slices.Equal(d.To, []string{cindy}) {
		t.Errorf("Issue Type Marketing: To %q, want the CMO", d.To)
	}
	d = r.Route(Input{Kind: "management", IssueType: "fraud", Mailbox: "escalations", Subject: "ESCALATION - Fraud"}, now)
	if !slices.Equal(d.To, []string{fraud}) {
		t.Errorf("Issue Type Fraud: To %q, want fraud@", d.To)
	}
}

// A critical legal, media or fraud case sends no incident notice: incidents
// are for service-affecting outages, and a confidential summary never goes
// to the incident list. A critical outage still does.
func TestConfidentialCasesSendNoIncident(t *testing.T) {
	r := loadExample(t)
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	for text, want := range map[string]bool{
		"The customer's lawyer announces a lawsuit.":          false,
		"A journalist asks about the outage for a news story": false,
		"Fraud detected: stolen credit cards on the account.": false,
		"Payment processing down for every customer.":         true,
	} {
		d := r.Route(Input{Kind: "escalation", Urgency: "critical", Mailbox: "escalations", Subject: "ESCALATION: T-9", Text: text}, now)
		if got := len(d.Incident) > 0; got != want {
			t.Errorf("%q: incident %q, want one: %v", text, d.Incident, want)
		}
		if !want && (!d.IncidentWithheld || !strings.Contains(d.Explain, "sends no incident notice")) {
			t.Errorf("%q: the withheld notice is not explained:\n%s", text, d.Explain)
		}
	}
}

// Breach chains as the reference says: management only for Critical and
// the special categories; ordinary cases stay in their tier.
func TestExampleChains(t *testing.T) {
	r := loadExample(t)
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   Input
		want string // "" is the urgency's chain
	}{
		{"critical outage", Input{Kind: "escalation", Urgency: "critical", Text: "Payment processing down"}, "management"},
		{"critical bug", Input{Kind: "engineering", Urgency: "critical", Subject: "BUG - API failures"}, "management"},
		{"legal", Input{Kind: "escalation", Urgency: "high", Text: "their lawyer called"}, "management"},
		{"media", Input{Kind: "senior_support", Subject: "Reporter asking about pricing"}, "management"},
		{"major outage", Input{Kind: "escalation", Urgency: "high", Text: "Complete outage of the editor"}, "management"},
		{"high refund", Input{Kind: "escalation", Urgency: "high", Text: "Refund outside policy requires approval"}, ""},
		{"medium technical", Input{Kind: "escalation", Urgency: "medium", Text: "API errors on every export"}, "senior_support > engineering"},
		{"bug", Input{Kind: "engineering", Urgency: "high", Subject: "BUG - Export button"}, "engineering > lead:engineering"},
		{"partnership", Input{Kind: "escalation", Urgency: "low", Text: "a partnership proposal"}, "marketing"},
	}
	for _, tt := range tests {
		tt.in.Mailbox = "escalations"
		d := r.Route(tt.in, now)
		if got := strings.Join(d.Chain, " > "); got != tt.want {
			t.Errorf("%s: chain %q (%s), want %q", tt.name, got, d.ChainFrom, tt.want)
		}
	}
	rs, err := r.ResolveTeam("lead:senior_support", now)
	if err != nil || len(rs) != 1 || rs[0].Address != "riley.brooks@craudiovizai.com" {
		t.Errorf("lead:senior_support = %v, %v", rs, err)
	}
}
